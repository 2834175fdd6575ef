"""Watched-time accounting: which media seconds a person really watched, under the course policy.

Fed with playback ticks (position, playing, rate), seeks, window visibility and user
activity, each stamped with an injected monotonic clock. Credit is coverage: the union of
media intervals that were genuinely played, so rewatching never counts twice; genuine study
time (monotonic seconds, rewatching included) is kept separately.

Rules:
- A span between two ticks is credited only if playback was running, the rate stayed at or
  under ``policy.max_rate`` (faster spans earn *nothing*, not a capped share: a person who
  plays at 2x has not watched at 1.5x), the window was visible (when ``pause_when_hidden``)
  and no attention check was due.
- The media advance of a span may not exceed ``elapsed monotonic time x rate`` plus a small
  jitter allowance (``JITTER_BUDGET_S``, a bucket that refills only from playback running
  behind the clock, so it can never add up to more than that). A larger advance is a jump
  (an unannounced seek) and earns nothing. With no monotonic time passing, nothing is earned.
- ``seek(to)`` beyond the furthest covered point (or the current position) is refused when
  ``policy.seek_ahead`` is false; a seek itself never earns anything.
- After ``idle_timeout_s`` of playing without user activity, or every
  ``attention_check_interval_s`` of playing, an attention check is due; nothing is credited
  from that exact moment until ``answer_attention()``. Only playing time counts (paused or
  hidden time does not); ``attention_due`` turns true at the tick that ends the span in which
  the check fell due.
- Only the monotonic clock measures time; the wall clock is read only to label checkpoints (by
  default the app's clock anchored once per run, so a PC clock change does not move labels).
- Study time is the media validly played divided by the rate (exact with coarse player time
  steps), never more than the monotonic time since this object was made.
- ``earns_credit=False`` (another window of the same person is earning credit) plays with no
  credit and no study time at all.

Deltas: ``checkpoint()`` closes a span (the body of one signed record) and starts the next;
``pending()`` is the same delta without closing the span (what a crash would lose: the app
keeps it in the local progress row every few seconds); ``span_s`` is the monotonic time the
open span has lasted.

A span's rate is the rate its closing tick reports. Call ``tick()`` at least every second
while playing (the app does every 250 ms), and right before ``seek()``, a rate change, a
visibility change and a pause, so each span has one state.
Pure Python; must not import Qt, vlc or anything from sync/. Not thread-safe: one thread.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from player.clock import Clock, WallClock, app_wall_clock, iso_utc
from player.intervals import IntervalSet
from player.policy import PlayerPolicy

JITTER_BUDGET_S = 0.75
"""Most media seconds a span may run ahead of ``elapsed x rate`` (player time updates are coarse)."""

SEEK_SLACK_S = 0.5
"""A seek this close past the furthest allowed point still counts as not seeking ahead."""

RATE_EPSILON = 1e-6

ADVANCE_EPSILON_S = 1e-3
"""Float and millisecond rounding slack on a span's advance. The jitter budget may go this far
below zero, so in total credit can exceed ``elapsed x rate`` by at most this much, once."""


@dataclass(frozen=True, slots=True)
class WatchCheckpoint:
    """What changed since the previous checkpoint: the body of one "watch" record.

    segments: media intervals [start, end) in seconds validly played in this delta (merged;
    rewatched parts included, so the server can take the union itself).
    credited_s: media seconds newly covered by this delta (no double counting).
    study_s: monotonic seconds of genuine study in this delta.
    elapsed_s: monotonic seconds since the previous checkpoint (paused time included).
    wall_start / wall_end: ISO 8601 UTC labels for reports; never used to measure time.
    """

    segments: tuple[tuple[float, float], ...]
    credited_s: float
    study_s: float
    elapsed_s: float
    wall_start: str
    wall_end: str
    max_rate: float
    position_s: float
    covered_s: float
    duration_s: float
    completed: bool

    def to_body(self) -> dict[str, Any]:
        """The record body (JSON-ready, times rounded to milliseconds; a segment that rounds to
        nothing is left out)."""
        return {
            "segments": [[round(s, 3), round(e, 3)] for s, e in self.segments if round(e, 3) > round(s, 3)],
            "credited_s": round(self.credited_s, 3),
            "study_s": round(self.study_s, 3),
            "elapsed_mono_s": round(self.elapsed_s, 3),
            "wall_start": self.wall_start,
            "wall_end": self.wall_end,
            "max_rate": round(self.max_rate, 3),
            "position_s": round(self.position_s, 3),
            "covered_s": round(self.covered_s, 3),
            "duration_s": round(self.duration_s, 3),
            "completed": self.completed,
        }


class WatchAccounting:
    """The accounting for one lesson being played. Seconds throughout; one thread only.

    ``covered``, ``position_s`` and ``study_s`` restore what earlier sessions saved.
    """

    def __init__(
        self,
        policy: PlayerPolicy,
        duration_s: float,
        clock: Clock,
        *,
        covered: Iterable[tuple[float, float]] = (),
        position_s: float = 0.0,
        study_s: float = 0.0,
        wall_clock: WallClock = app_wall_clock,
        earns_credit: bool = True,
    ) -> None:
        if not (math.isfinite(duration_s) and duration_s > 0):
            raise ValueError(f"duration_s must be a positive number, not {duration_s!r}")
        self.policy = policy
        self.duration_s = float(duration_s)
        self._clock = clock
        self._wall = wall_clock
        self._covered = IntervalSet(covered).clipped(0.0, self.duration_s)
        self._covered_at_start = self._covered.length
        self._study_s = study_s if math.isfinite(study_s) and study_s > 0 else 0.0
        now = clock()
        self._born = now
        self._session_study_s = 0.0
        # The last tick: the state that governs the span up to the next one.
        self._t = now
        self._pos = self._clamp(position_s) if math.isfinite(position_s) else 0.0
        self._playing = False
        self._rate = 1.0
        self._budget = 0.0
        # Gates: monotonic sub-intervals of the current span in which credit is allowed.
        self._gate_t = now
        self._open: list[tuple[float, float]] = []
        self._visible = True
        self.earns_credit = earns_credit
        self._due_reason: str | None = None
        self._idle_play_s = 0.0
        self._play_since_check_s = 0.0
        # The delta since the last checkpoint.
        self._cp_segments = IntervalSet()
        self._cp_credited = 0.0
        self._cp_study = 0.0
        self._cp_max_rate = 0.0
        self._cp_mono = now
        self._cp_wall = iso_utc(wall_clock())
        self._cp_pos = self._pos

    # -- what the player reports ---------------------------------------------------------
    def tick(self, position_s: float, playing: bool, rate: float = 1.0) -> None:
        """The player is at ``position_s`` (media seconds), ``playing`` or not, at ``rate``."""
        if not math.isfinite(position_s) or not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"bad tick: position {position_s!r}, rate {rate!r}")
        now = self._clock()
        self._advance_gates(now)
        pos = self._clamp(position_s)
        self._credit_span(now, pos, playing, float(rate))
        self._t, self._pos, self._playing, self._rate = max(now, self._t), pos, playing, float(rate)
        self._open.clear()

    def seek(self, to_s: float) -> bool:
        """The person asks to jump to ``to_s``. False: refused by policy (do not move the player)."""
        now = self._clock()
        self._advance_gates(now)
        target = self._clamp(to_s)
        if target > self.seek_limit_s:
            return False
        self._t, self._pos = max(now, self._t), target
        self._open.clear()
        return True

    def set_visible(self, visible: bool) -> None:
        """The player window became visible (True) or hidden/minimised (False)."""
        self._advance_gates(self._clock())
        self._visible = visible

    def user_activity(self) -> None:
        """Mouse or keyboard input in the player: restarts the idle timeout (does not answer a check)."""
        self._advance_gates(self._clock())
        if self._due_reason is None:
            self._idle_play_s = 0.0

    def answer_attention(self) -> None:
        """The person answered the attention check: credit resumes, both timers restart."""
        self._advance_gates(self._clock())
        self._due_reason = None
        self._idle_play_s = 0.0
        self._play_since_check_s = 0.0

    # -- what the app reads --------------------------------------------------------------
    @property
    def attention_due(self) -> bool:
        """True from the tick that found a check due until ``answer_attention()``."""
        self._advance_gates(self._clock())
        return self._due_reason is not None

    @property
    def attention_reason(self) -> str | None:
        """"idle", "interval" or None."""
        self._advance_gates(self._clock())
        return self._due_reason

    @property
    def covered_s(self) -> float:
        """Media seconds covered in total (earlier sessions included)."""
        return self._covered.length

    @property
    def credited_s(self) -> float:
        """Media seconds newly covered since this object was made."""
        return max(0.0, self._covered.length - self._covered_at_start)

    @property
    def study_s(self) -> float:
        """Monotonic seconds of genuine study in total (earlier sessions included)."""
        return self._study_s

    @property
    def position_s(self) -> float:
        return self._pos

    @property
    def completed(self) -> bool:
        return self._covered.length >= self.policy.completion_ratio * self.duration_s - 1e-9

    @property
    def seek_limit_s(self) -> float:
        """The furthest position a seek may go to."""
        if self.policy.seek_ahead:
            return self.duration_s
        return min(self.duration_s, max(self._covered.max_end, self._pos) + SEEK_SLACK_S)

    def segments(self) -> list[tuple[float, float]]:
        """Every covered interval, in order."""
        return self._covered.to_list()

    @property
    def span_s(self) -> float:
        """Monotonic seconds since the previous ``checkpoint()`` (the open span's length)."""
        return max(0.0, self._clock() - self._cp_mono)

    def pending(self) -> WatchCheckpoint | None:
        """The delta of the open span so far, the span staying open; None when nothing worth
        saving changed."""
        now = self._clock()
        self._advance_gates(now)
        if self._nothing_new():
            return None
        return self._delta(now, iso_utc(self._wall()))

    def checkpoint(self) -> WatchCheckpoint | None:
        """Close the span: the delta since the previous checkpoint, or None when nothing worth
        saving changed (the span then stays open)."""
        now = self._clock()
        self._advance_gates(now)
        if self._nothing_new():
            return None
        wall_end = iso_utc(self._wall())
        result = self._delta(now, wall_end)
        self._cp_segments = IntervalSet()
        self._cp_credited = self._cp_study = self._cp_max_rate = 0.0
        self._cp_mono, self._cp_wall, self._cp_pos = now, wall_end, self._pos
        return result

    # -- internals -----------------------------------------------------------------------
    def _nothing_new(self) -> bool:
        return not self._cp_segments and self._cp_study <= 0 and abs(self._pos - self._cp_pos) < SEEK_SLACK_S

    def _delta(self, now: float, wall_end: str) -> WatchCheckpoint:
        return WatchCheckpoint(
            segments=tuple(self._cp_segments),
            credited_s=self._cp_credited,
            study_s=self._cp_study,
            elapsed_s=max(0.0, now - self._cp_mono),
            wall_start=self._cp_wall,
            wall_end=wall_end,
            max_rate=self._cp_max_rate,
            position_s=self._pos,
            covered_s=self._covered.length,
            duration_s=self.duration_s,
            completed=self.completed,
        )

    def _clamp(self, position_s: float) -> float:
        return min(max(float(position_s), 0.0), self.duration_s)

    def _gate_open(self) -> bool:
        return self.earns_credit and self._due_reason is None and (self._visible or not self.policy.pause_when_hidden)

    def _advance_gates(self, now: float) -> None:
        """Move gate time to ``now``, noting the part in which credit was allowed (visible, no check due)."""
        start = self._gate_t
        if not now > start:
            return
        self._gate_t = now
        if self._gate_open():
            self._open.append((start, now))

    def _count_playing(self, w0: float, w1: float) -> None:
        """Count the allowed parts of [w0, w1) as playing time toward the idle timeout and the
        attention check; when a check falls due inside, nothing after that moment is allowed."""
        idle, interval = self.policy.idle_timeout_s, self.policy.attention_check_interval_s
        for a, b in self._open:
            start, stop = max(a, w0), min(b, w1)
            if not stop > start:
                continue
            reason = None
            if interval > 0 and start + interval - self._play_since_check_s <= stop:
                stop, reason = max(start, start + interval - self._play_since_check_s), "interval"
            if idle > 0 and start + idle - self._idle_play_s <= stop:
                stop, reason = max(start, start + idle - self._idle_play_s), "idle"
            self._idle_play_s += stop - start
            self._play_since_check_s += stop - start
            if reason is not None:
                self._due_reason = reason
                self._open = [(x, min(y, stop)) for x, y in self._open if x < stop]
                return

    def _credit_span(self, now: float, pos: float, playing: bool, rate: float) -> None:
        """Count and credit what was validly played between the previous tick and this one."""
        dt = max(0.0, now - self._t)
        advance = pos - self._pos
        span_rate = rate  # the app ticks right before every rate change, so this is the span's rate
        allowance = dt * min(span_rate, self.policy.max_rate)
        # When playback started or stopped inside the span, the media advance sits at its end
        # or its start: place it there, not spread over paused time.
        play_time = max(0.0, advance) / span_rate
        if self._playing:
            window = (self._t, min(now, self._t + play_time))
            self._count_playing(self._t, now if playing else window[1])
        else:
            window = (max(self._t, now - play_time), now)
            if playing:
                self._count_playing(*window)
        if not (self._playing or playing) or advance <= 0:
            # Paused, or moved back: nothing to credit; a player running behind refills the budget.
            self._budget = min(JITTER_BUDGET_S, self._budget + allowance)
            return
        if span_rate > self.policy.max_rate + RATE_EPSILON:
            return  # too fast: no credit at all for this span
        if advance > allowance + self._budget + ADVANCE_EPSILON_S:
            return  # a jump (a seek nobody announced): no credit, the next span starts from here
        played = self._played_segments(*window, self._pos, pos)
        if not played:
            return
        self._budget = min(JITTER_BUDGET_S, self._budget + allowance - advance)
        for start, end in played:
            self._cp_credited += self._covered.add(start, end)
            self._cp_segments.add(start, end)
            # Study time is the media watched at this rate (exact with coarse player time
            # steps); never more than the monotonic time this object has existed.
            seconds = min((end - start) / span_rate, (now - self._born) - self._session_study_s)
            if seconds > 0:
                self._session_study_s += seconds
                self._study_s += seconds
                self._cp_study += seconds
        self._cp_max_rate = max(self._cp_max_rate, span_rate)

    def _played_segments(self, w0: float, w1: float, p0: float, p1: float) -> list[tuple[float, float]]:
        """Media intervals for the parts of time window [w0, w1] in which credit was allowed."""
        if not w1 > w0:
            return []
        scale = (p1 - p0) / (w1 - w0)
        result = []
        for a, b in self._open:
            a, b = max(a, w0), min(b, w1)
            if b > a:
                start = p0 if a == w0 else p0 + (a - w0) * scale
                end = p1 if b == w1 else p0 + (b - w0) * scale
                result.append((start, end))
        return result
