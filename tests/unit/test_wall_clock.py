"""The app's wall clock is anchored once per run: a PC clock change mid-session does not move
the labels of the windows that follow; and a checkpoint body never carries an empty segment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from player.accounting import WatchCheckpoint
from player.clock import AnchoredWallClock, FakeClock
from tests.support.accounting_driver import FakeWall


def test_anchored_wall_clock_follows_the_monotonic_clock_only() -> None:
    mono, wall = FakeClock(500.0), FakeWall()
    clock = AnchoredWallClock(wall, mono)
    start = wall.now
    mono.advance(60)
    wall.now -= timedelta(hours=3)  # the person sets the PC clock back mid-session
    assert clock() == start + timedelta(seconds=60)
    mono.advance(30)
    wall.now += timedelta(days=400)  # and far forward
    assert clock() == start + timedelta(seconds=90)


def test_a_segment_that_rounds_to_nothing_is_left_out_of_the_body() -> None:
    cp = WatchCheckpoint(segments=((0.0, 10.0), (20.0001, 20.0003)), credited_s=10.0002, study_s=10.0,
                         elapsed_s=10.0, wall_start="2026-11-23T08:00:00.000Z", wall_end="2026-11-23T08:00:10.000Z",
                         max_rate=1.0, position_s=20.0003, covered_s=10.0002, duration_s=60.0, completed=False)
    assert cp.to_body()["segments"] == [[0.0, 10.0]]


def test_the_default_wall_clock_is_anchored() -> None:
    from player import accounting, clock

    assert isinstance(clock.app_wall_clock, AnchoredWallClock)
    defaults = accounting.WatchAccounting.__init__.__kwdefaults__ or {}
    assert defaults["wall_clock"] is clock.app_wall_clock
    # Anchored on this PC's clock when the module was imported; the system clock may have been set since
    # (a CI host's moved 34 s during a run), and the anchored clock rightly does not follow it.
    assert abs(clock.app_wall_clock() - datetime.now(UTC)) < timedelta(hours=1)
