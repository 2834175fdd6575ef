"""A scripted person in front of the player, for the accounting tests: moves a fake monotonic
clock and reports ticks every 0.25 s as the app does (times are exact binary fractions, so the
expected credit is exact)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from player.accounting import WatchAccounting
from player.clock import FakeClock
from player.policy import PlayerPolicy

TICK_S = 0.25


class FakeWall:
    """A wall clock that can be set back or forward, like a person changing the system time."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Driver:
    def __init__(self, policy: PlayerPolicy, duration_s: float, **restore: Any) -> None:
        self.clock = FakeClock(1000.0)
        self.wall = FakeWall()
        self.acc = WatchAccounting(policy, duration_s, self.clock, wall_clock=self.wall, **restore)
        self.pos = self.acc.position_s
        self.rate = 1.0
        self.playing = False
        self.seek_results: list[bool] = []
        self.acc.tick(self.pos, False, self.rate)

    def _wait(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.wall.now += timedelta(seconds=seconds)

    def play(self, seconds: float) -> None:
        """Play for ``seconds`` of monotonic time at the current rate, ticking every 0.25 s."""
        self.playing = True
        self.acc.tick(self.pos, True, self.rate)
        for _ in range(round(seconds / TICK_S)):
            self._wait(TICK_S)
            self.pos = min(self.acc.duration_s, self.pos + TICK_S * self.rate)
            self.acc.tick(self.pos, True, self.rate)

    def pause(self, seconds: float, ticks: bool = True) -> None:
        self.playing = False
        self.acc.tick(self.pos, False, self.rate)
        if ticks:
            for _ in range(round(seconds / TICK_S)):
                self._wait(TICK_S)
                self.acc.tick(self.pos, False, self.rate)
        else:
            self._wait(seconds)

    def set_rate(self, rate: float) -> None:
        self.rate = rate
        self.acc.tick(self.pos, self.playing, rate)

    def seek(self, to_s: float) -> None:
        self.acc.tick(self.pos, self.playing, self.rate)
        allowed = self.acc.seek(to_s)
        self.seek_results.append(allowed)
        if allowed:
            self.pos = to_s

    def jump(self, to_s: float) -> None:
        """The player's position jumps with no seek() call (a seek the app did not announce)."""
        self._wait(TICK_S)
        self.pos = to_s
        self.acc.tick(self.pos, self.playing, self.rate)

    def stall(self, seconds: float) -> None:
        """The monotonic clock stands still while the position keeps moving."""
        for _ in range(round(seconds / TICK_S)):
            self.pos = min(self.acc.duration_s, self.pos + TICK_S * self.rate)
            self.acc.tick(self.pos, True, self.rate)

    def coarse_play(self, seconds: float, step_s: float = 0.5) -> None:
        """Play with VLC-like coarse time: the position moves in ``step_s`` steps, ticks every 0.25 s."""
        self.playing = True
        start_pos, elapsed = self.pos, 0.0
        for _ in range(round(seconds / TICK_S)):
            self._wait(TICK_S)
            elapsed += TICK_S
            self.pos = start_pos + (elapsed // step_s) * step_s
            self.acc.tick(self.pos, True, self.rate)

    def clock_back(self, seconds: float) -> None:
        """A broken "monotonic" clock steps back (it must not create credit)."""
        self.clock.advance(-seconds)

    def wall_jump(self, seconds: float) -> None:
        self.wall.now += timedelta(seconds=seconds)

    def run(self, steps: Sequence[tuple[Any, ...]]) -> Driver:
        for name, *args in steps:
            if name in {"hide", "show"}:
                self.acc.set_visible(name == "show")
            elif name == "activity":
                self.acc.user_activity()
            elif name == "answer":
                self.acc.answer_attention()
            else:
                getattr(self, name)(*args)
        return self
