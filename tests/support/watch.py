"""Watch-record bodies with honest wall windows, for tests that build records by hand.

An honest player labels each checkpoint with the wall window it covers; consecutive windows of
one session touch. ``Timeline`` hands out such windows, starting a few minutes before now (a
device enrolled a moment ago can have studied only since then), one after the other.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Timeline:
    """Consecutive wall windows; ``start`` is epoch seconds (default: 250 s before now)."""

    def __init__(self, start: float | None = None) -> None:
        self.t = time.time() - 250.0 if start is None else start

    def body(self, segments: list[list[float]], seconds: float | None = None, **extra: Any) -> dict[str, Any]:
        """A watch body whose window and elapsed time are ``seconds`` (default: the media played)."""
        played = sum(e - s for s, e in segments)
        seconds = played if seconds is None else seconds
        start, self.t = self.t, self.t + seconds
        return {"segments": segments, "elapsed_mono_s": seconds, "wall_start": iso(start), "wall_end": iso(self.t),
                **extra}

    def wait(self, seconds: float) -> None:
        self.t += seconds
