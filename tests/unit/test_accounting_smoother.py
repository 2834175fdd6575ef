"""The position smoother between a player's coarse time updates (player/smoothing.py)."""

from __future__ import annotations

import pytest

from player.smoothing import MAX_LEAD_S, PositionSmoother


def test_extrapolates_between_updates_from_when_the_update_happened() -> None:
    s = PositionSmoother()
    assert s.observe(10.0, True, 1.0, now=100.0, raw_at=99.9) == pytest.approx(10.1)
    assert s.observe(10.0, True, 1.0, now=100.25, raw_at=99.9) == pytest.approx(10.35)
    assert s.observe(10.5, True, 1.0, now=100.5, raw_at=100.4) == pytest.approx(10.6)


def test_without_an_update_time_polling_time_is_used() -> None:
    s = PositionSmoother()
    assert s.observe(4.0, True, 1.0, now=50.0) == 4.0
    assert s.observe(4.0, True, 1.0, now=50.2) == pytest.approx(4.2)


def test_rate_scales_the_extrapolation_and_the_cap() -> None:
    s = PositionSmoother()
    assert s.observe(0.0, True, 2.0, now=1.0, raw_at=1.0) == 0.0
    assert s.observe(0.0, True, 2.0, now=1.25) == pytest.approx(0.5)
    # A stalled player: the lead stops after MAX_LEAD_S of monotonic time.
    assert s.observe(0.0, True, 2.0, now=60.0) == pytest.approx(MAX_LEAD_S * 2.0)


def test_paused_holds_the_last_reported_position() -> None:
    s = PositionSmoother()
    s.observe(7.0, True, 1.0, now=0.0)
    assert s.observe(7.2, False, 1.0, now=0.3) == 7.2
    assert s.observe(7.2, False, 1.0, now=30.0) == 7.2
    assert s.observe(7.2, True, 1.0, now=30.1) == pytest.approx(7.3)


def test_after_a_seek_a_stale_reading_is_ignored() -> None:
    s = PositionSmoother()
    s.observe(3.0, True, 1.0, now=0.0)
    s.reset(40.0, now=0.1, raw_s=3.0)  # the player still says 3.0 right after the seek
    assert s.observe(3.0, True, 1.0, now=0.2) == pytest.approx(40.1)
    assert s.observe(40.05, True, 1.0, now=0.3, raw_at=0.3) == pytest.approx(40.05)
