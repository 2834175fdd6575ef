"""Clock seams for the accounting core: a monotonic clock for durations, a wall clock for reports.

Durations come only from ``Clock`` (``time.monotonic`` in the app, a fake in tests), so
setting the system clock back or forward cannot create credit; wall time is only written
into records for people to read. Must not import Qt, vlc or anything from sync/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]
"""Monotonic seconds: only differences mean anything."""

WallClock = Callable[[], datetime]
"""Timezone-aware current wall time, for reports only."""

monotonic: Clock = time.monotonic


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """``2026-11-23T21:34:02.123Z``: millisecond ISO 8601 in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class FakeClock:
    """A monotonic clock a test or benchmark moves by hand (``advance``) or sets (``set``)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now

    def set(self, now: float) -> None:
        self.now = now
