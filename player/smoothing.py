"""Follow a media player's coarse clock without guessing ahead of it.

libvlc's ``get_time()`` moves in 250-500 ms steps. The position is the player's last report,
never extrapolated between two reports: a guess ahead runs past what was really shown whenever
the player stalls (a starved CPU, buffering), and a pause in that moment would credit media
time that was never played. Following the report lags the truth by at most one update period,
which the next report makes up; credit is never ahead of what was shown.
The one exception is a jump we asked for (seek, open, rate change): until the player reports a
*different* time, its stale reading of the old position is ignored and the target is the position.
Pure; must not import Qt, vlc or anything from sync/. One thread only.
"""

from __future__ import annotations


class PositionSmoother:
    """Seconds in, seconds out: the player's readings, with stale readings after a jump ignored."""

    def __init__(self) -> None:
        self._raw: float | None = None
        self._position = 0.0

    def reset(self, position_s: float, raw_s: float | None = None) -> None:
        """Jump to ``position_s`` (seek, open, rate change). ``raw_s``: the player's reading now,
        which may still be the old position: only a *different* reading replaces the target."""
        self._position, self._raw = position_s, raw_s

    def observe(self, raw_s: float) -> float:
        """The player reports ``raw_s``; return the position."""
        if raw_s != self._raw:
            self._raw = raw_s
            self._position = raw_s
        return self._position
