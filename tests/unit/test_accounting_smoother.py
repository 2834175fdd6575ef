"""The position between a player's coarse time updates (player/smoothing.py): its last report,
never a guess ahead of it."""

from __future__ import annotations

from player.smoothing import PositionSmoother


def test_the_position_is_the_last_report_until_the_next() -> None:
    s = PositionSmoother()
    assert s.observe(10.0) == 10.0
    assert s.observe(10.0) == 10.0  # polled again before the player's next update: no guess ahead
    assert s.observe(10.5) == 10.5
    assert s.observe(10.25) == 10.25  # a report back in time (a seek by the player itself) is followed too


def test_a_stalled_player_is_never_run_ahead_of() -> None:
    s = PositionSmoother()
    assert s.observe(0.0) == 0.0
    for _ in range(240):  # a minute of polls at 4 a second while libvlc reports nothing new
        assert s.observe(0.0) == 0.0


def test_paused_holds_the_last_reported_position() -> None:
    s = PositionSmoother()
    s.observe(7.0)
    assert s.observe(7.2) == 7.2
    assert s.observe(7.2) == 7.2
    assert s.observe(7.45) == 7.45  # playing again: the next report moves it


def test_after_a_seek_a_stale_reading_is_ignored() -> None:
    s = PositionSmoother()
    s.observe(3.0)
    s.reset(40.0, raw_s=3.0)  # the player still says 3.0 right after the seek
    assert s.observe(3.0) == 40.0
    assert s.observe(40.05) == 40.05


def test_a_reset_without_a_reading_takes_the_next_one() -> None:
    s = PositionSmoother()
    s.observe(12.0)
    s.reset(0.0)  # a new file opened: whatever the player reports next is the position
    assert s.observe(0.0) == 0.0
    assert s.observe(12.0) == 12.0
