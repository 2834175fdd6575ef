"""Clock seams for the accounting core: a monotonic clock for durations, a wall clock for reports.

Durations come only from ``Clock`` (``time.monotonic`` in the app, a fake in tests), so
setting the system clock back or forward cannot create credit. Wall time labels the windows of
records; the app reads it from one anchor per run (``AnchoredWallClock``): the wall time at the
anchor plus the monotonic time since, so a PC clock changed mid-session does not move the
windows that follow. Must not import Qt, vlc or anything from sync/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

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


class AnchoredWallClock:
    """Wall time read once, then carried forward by the monotonic clock."""

    def __init__(self, wall: WallClock = utc_now, mono: Clock = monotonic) -> None:
        self._mono = mono
        self._wall_at_anchor = wall()
        self._mono_at_anchor = mono()

    def __call__(self) -> datetime:
        return self._wall_at_anchor + timedelta(seconds=self._mono() - self._mono_at_anchor)


app_wall_clock: WallClock = AnchoredWallClock()
"""The app's wall clock: anchored once per run (when this module is first imported)."""


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
