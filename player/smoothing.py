"""Smooth a media player's coarse clock with the monotonic clock.

libvlc's ``get_time()`` moves in 250-500 ms steps, not smoothly. Between two of its updates
the position is extrapolated as ``last update + elapsed x rate``, never more than
``max_lead_s`` of monotonic time past the last update (a stalled or buffering player must not run away).
"Elapsed" counts from when the player reached that time (its time-changed event), not from
when we happened to poll it, so the smoothed position does not lag by the polling period.
The price: when the player stalls (a starved CPU), the smoothed position runs ahead of what
was really shown by at most ``max_lead_s x rate`` until the player's next update; a pause in
that moment can credit that much before the player actually plays it.
Pure; must not import Qt, vlc or anything from sync/. One thread only.
"""

from __future__ import annotations

MAX_LEAD_S = 0.5


class PositionSmoother:
    """Seconds in, seconds out; ``now`` is monotonic seconds."""

    def __init__(self, max_lead_s: float = MAX_LEAD_S) -> None:
        self.max_lead_s = max_lead_s
        self._raw: float | None = None
        self._anchor_pos = 0.0
        self._anchor_t = 0.0

    def reset(self, position_s: float, now: float, raw_s: float | None = None) -> None:
        """Jump to ``position_s`` (seek, open, rate change). ``raw_s``: the player's reading now,
        which may still be the old position: only a *different* reading re-anchors."""
        self._anchor_pos, self._anchor_t, self._raw = position_s, now, raw_s

    def observe(self, raw_s: float, playing: bool, rate: float, now: float, raw_at: float | None = None) -> float:
        """The player reports ``raw_s``, which it reached at monotonic ``raw_at`` when known (a
        time-changed event's arrival; else now); return the smoothed position."""
        if raw_s != self._raw:
            self._raw = raw_s
            self._anchor_pos = raw_s
            self._anchor_t = now if raw_at is None else min(now, raw_at)
        if not playing:
            self._anchor_t = now
            return self._anchor_pos
        # The cap is in monotonic seconds (the player's update period), so it scales with the rate.
        return self._anchor_pos + min(max(0.0, now - self._anchor_t), self.max_lead_s) * rate
