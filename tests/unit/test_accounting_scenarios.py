"""Table-driven accounting scenarios with exact expected credit (fake monotonic clock)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from player.policy import PlayerPolicy
from tests.support.accounting_driver import Driver

# Checks off unless a scenario turns them on, so each scenario tests one rule.
BASE = PlayerPolicy(
    completion_ratio=0.9, max_rate=1.5, seek_ahead=False, idle_timeout_s=0, attention_check_interval_s=0,
    pause_when_hidden=True,
)

# id, policy changes, duration, steps, expected covered_s, expected study_s, expected segments (or None)
SCENARIOS: list[tuple[str, dict[str, Any], float, list[tuple[Any, ...]], float, float, Any]] = [
    ("normal play", {}, 100, [("play", 10)], 10, 10, [(0, 10)]),
    ("pause in the middle", {}, 100, [("play", 4), ("pause", 5), ("play", 4)], 8, 8, [(0, 8)]),
    ("long pause without ticks", {}, 100, [("play", 2), ("pause", 600, False), ("play", 0.25)], 2.25, 2.25,
     [(0, 2.25)]),
    ("seek ahead refused", {}, 100, [("play", 5), ("seek", 50), ("play", 5)], 10, 10, [(0, 10)]),
    ("seek ahead allowed", {"seek_ahead": True}, 100, [("play", 5), ("seek", 50), ("play", 5)], 10, 10,
     [(0, 5), (50, 55)]),
    ("seek within covered part", {}, 100, [("play", 10), ("seek", 8), ("play", 4)], 12, 14, [(0, 12)]),
    ("seek back and rewatch", {}, 100, [("play", 10), ("seek", 2), ("play", 4)], 10, 14, [(0, 10)]),
    ("rate 1.25 allowed", {}, 100, [("set_rate", 1.25), ("play", 8)], 10, 8, [(0, 10)]),
    ("rate 2 over max earns nothing", {}, 100, [("set_rate", 2.0), ("play", 5)], 0, 0, []),
    ("back to 1x after 2x", {"seek_ahead": True}, 100,
     [("play", 2), ("set_rate", 2.0), ("play", 4), ("set_rate", 1.0), ("play", 3)], 5, 5, [(0, 2), (10, 13)]),
    ("hidden window earns nothing", {}, 100, [("play", 5), ("hide",), ("play", 5), ("show",), ("play", 5)],
     10, 10, [(0, 5), (10, 15)]),
    ("hidden window allowed by policy", {"pause_when_hidden": False}, 100,
     [("play", 5), ("hide",), ("play", 5), ("show",), ("play", 5)], 15, 15, [(0, 15)]),
    ("idle timeout then answered check", {"idle_timeout_s": 10}, 100,
     [("play", 15), ("answer",), ("play", 5)], 15, 15, [(0, 10), (15, 20)]),
    ("activity keeps idle timeout away", {"idle_timeout_s": 10}, 100,
     [("play", 8), ("activity",), ("play", 8), ("activity",), ("play", 8)], 24, 24, [(0, 24)]),
    ("activity does not answer a due check", {"idle_timeout_s": 10}, 100,
     [("play", 12), ("activity",), ("play", 4)], 10, 10, [(0, 10)]),
    ("idle time counts only playing", {"idle_timeout_s": 10}, 100,
     [("play", 6), ("pause", 60), ("play", 6)], 10, 10, [(0, 10)]),
    ("attention check interval", {"attention_check_interval_s": 30}, 100,
     [("play", 40), ("answer",), ("play", 10)], 40, 40, [(0, 30), (40, 50)]),
    ("attention check falling due inside a span cuts credit there", {"attention_check_interval_s": 10.1}, 100,
     [("play", 12), ("answer",), ("play", 1)], 11.1, 11.1, [(0, 10.1), (12, 13)]),
    ("playing after a pause counts toward the check", {"attention_check_interval_s": 10}, 100,
     [("play", 5), ("pause", 100), ("play", 6)], 10, 10, [(0, 10)]),
    ("hidden while paused, shown before playing", {}, 100,
     [("play", 3), ("pause", 5), ("hide",), ("pause", 5), ("show",), ("play", 3)], 6, 6, [(0, 6)]),
    ("monotonic clock stepping back earns nothing", {"seek_ahead": True}, 100,
     [("play", 3), ("clock_back", 10), ("play", 12)], 5, 5, [(0, 3), (13, 15)]),
    ("wall clock set back and forward", {}, 100,
     [("play", 4), ("wall_jump", -3600), ("play", 4), ("wall_jump", 86400), ("play", 2)], 10, 10, [(0, 10)]),
    ("monotonic stall earns nothing", {"seek_ahead": True}, 100, [("play", 3), ("stall", 5), ("play", 3)], 6, 6,
     [(0, 3), (8, 11)]),
    ("unannounced jump earns nothing", {}, 100, [("play", 5), ("jump", 30), ("play", 5)], 10, 10,
     [(0, 5), (30, 35)]),
    ("coarse player time steps", {}, 100, [("coarse_play", 10)], 10, 10, [(0, 10)]),
    ("end of media", {}, 10, [("play", 12), ("pause", 1)], 10, 10, [(0, 10)]),
]


@pytest.mark.parametrize(
    ("changes", "duration", "steps", "covered", "study", "segments"),
    [pytest.param(*row[1:], id=row[0]) for row in SCENARIOS],
)
def test_scenario(changes: dict[str, Any], duration: float, steps: list[tuple[Any, ...]], covered: float,
                  study: float, segments: Any) -> None:
    driver = Driver(replace(BASE, **changes), duration).run(steps)
    assert driver.acc.covered_s == pytest.approx(covered, abs=1e-9)
    assert driver.acc.study_s == pytest.approx(study, abs=1e-9)
    if segments is not None:
        flat = [x for pair in driver.acc.segments() for x in pair]
        assert flat == pytest.approx([x for pair in segments for x in pair], abs=1e-9)


def test_seek_ahead_refused_returns_false_and_back_is_allowed() -> None:
    steps = [("play", 5), ("seek", 50), ("seek", 5.4), ("seek", 5.6), ("seek", 2), ("seek", 5.6)]
    driver = Driver(BASE, 100).run(steps)
    # Limit: furthest covered point (5) or current position, whichever is further, plus 0.5 s slack.
    assert driver.seek_results == [False, True, True, True, False]
    assert driver.acc.seek_limit_s == pytest.approx(5.0 + 0.5)


def test_idle_timeout_raises_attention_check_with_reason() -> None:
    driver = Driver(replace(BASE, idle_timeout_s=10, attention_check_interval_s=30), 100).run([("play", 9.75)])
    assert not driver.acc.attention_due
    driver.play(0.25)
    assert driver.acc.attention_due and driver.acc.attention_reason == "idle"
    driver.acc.answer_attention()
    assert not driver.acc.attention_due and driver.acc.attention_reason is None


def test_attention_interval_counts_only_playing_time() -> None:
    driver = Driver(replace(BASE, attention_check_interval_s=30), 100).run([("play", 20), ("pause", 100)])
    assert not driver.acc.attention_due
    driver.play(10)
    assert driver.acc.attention_reason == "interval"


def test_completion_at_ratio() -> None:
    driver = Driver(replace(BASE, completion_ratio=0.5), 20).run([("play", 9.75)])
    assert not driver.acc.completed
    driver.play(0.25)
    assert driver.acc.completed


def test_resume_from_saved_progress() -> None:
    driver = Driver(BASE, 100, covered=[(0, 30)], position_s=30, study_s=40).run([("seek", 30.4), ("play", 5)])
    assert driver.seek_results == [True]
    assert driver.acc.segments() == [(0, 30), (30.4, 35.4)]
    assert driver.acc.credited_s == pytest.approx(5)
    assert driver.acc.study_s == pytest.approx(45)
    assert not Driver(BASE, 100, covered=[(0, 30)], position_s=30).acc.seek(60)


def test_checkpoints_are_deltas() -> None:
    driver = Driver(BASE, 100).run([("play", 4)])
    first = driver.acc.checkpoint()
    assert first is not None
    assert first.segments == ((0, 4),) and first.credited_s == 4 and first.study_s == 4
    assert first.elapsed_s == 4 and first.position_s == 4 and first.max_rate == 1.0
    assert first.wall_start == "2026-11-23T08:00:00.000Z" and first.wall_end == "2026-11-23T08:00:04.000Z"
    assert driver.acc.checkpoint() is None  # nothing changed
    driver.run([("seek", 1), ("set_rate", 1.25), ("play", 4)])
    second = driver.acc.checkpoint()
    assert second is not None
    assert second.segments == ((1, 6),) and second.credited_s == 2 and second.study_s == 4
    assert second.position_s == 6 and second.covered_s == 6 and second.max_rate == 1.25
    assert second.wall_start == first.wall_end
    body = second.to_body()
    assert body["segments"] == [[1, 6]] and body["elapsed_mono_s"] == 4 and body["completed"] is False


def test_checkpoint_saves_a_position_change_alone() -> None:
    driver = Driver(BASE, 100, covered=[(0, 50)]).run([("seek", 40)])
    checkpoint = driver.acc.checkpoint()
    assert checkpoint is not None and checkpoint.segments == () and checkpoint.position_s == 40


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_bad_ticks_are_refused(bad: float) -> None:
    driver = Driver(BASE, 100)
    with pytest.raises(ValueError):
        driver.acc.tick(bad, True, 1.0)
    with pytest.raises(ValueError):
        driver.acc.tick(1.0, True, bad)


@pytest.mark.parametrize("duration", [0, -1, float("nan")])
def test_bad_duration_is_refused(duration: float) -> None:
    with pytest.raises(ValueError):
        Driver(BASE, duration)


def test_damaged_saved_progress_is_ignored_not_trusted() -> None:
    driver = Driver(BASE, 100, covered=[(float("nan"), 5), (50, 40), (-10, 3), (90, 200)],
                    position_s=float("nan"), study_s=float("inf"))
    assert driver.acc.segments() == [(0, 3), (90, 100)]
    assert driver.acc.position_s == 0 and driver.acc.study_s == 0
