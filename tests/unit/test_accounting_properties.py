"""Property tests of the accounting core: whatever a person or a broken player does, credit stays
within what the monotonic clock allows and coverage only grows."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from player.accounting import WatchAccounting
from player.clock import FakeClock
from player.intervals import IntervalSet
from player.policy import PlayerPolicy

DURATION_S = 120.0

policies = st.builds(
    PlayerPolicy,
    completion_ratio=st.floats(0.1, 1.0),
    max_rate=st.sampled_from([0.5, 1.0, 1.25, 1.5, 2.0, 4.0]),
    seek_ahead=st.booleans(),
    idle_timeout_s=st.sampled_from([0.0, 3.0, 30.0]),
    attention_check_interval_s=st.sampled_from([0.0, 5.0, 60.0]),
    pause_when_hidden=st.booleans(),
)

actions = st.one_of(
    # (dt, position change, playing, rate): honest, jittery, lying and broken players alike.
    st.tuples(st.just("tick"), st.floats(0.0, 3.0), st.floats(-5.0, 10.0), st.booleans(),
              st.sampled_from([0.25, 0.5, 1.0, 1.25, 1.5, 2.0, 3.0])),
    st.tuples(st.just("seek"), st.floats(-10.0, DURATION_S + 10)),
    st.tuples(st.just("visible"), st.booleans()),
    st.tuples(st.just("activity")),
    st.tuples(st.just("answer")),
    st.tuples(st.just("checkpoint")),
    st.tuples(st.just("wait"), st.floats(0.0, 100.0)),
)


def _apply(acc: WatchAccounting, clock: FakeClock, state: dict[str, float], action: tuple[Any, ...]) -> None:
    name = action[0]
    if name == "tick":
        _, dt, move, playing, rate = action
        clock.advance(dt)
        state["pos"] = min(DURATION_S, max(0.0, state["pos"] + move))
        acc.tick(state["pos"], playing, rate)
    elif name == "seek":
        if acc.seek(action[1]):
            state["pos"] = min(DURATION_S, max(0.0, action[1]))
    elif name == "visible":
        acc.set_visible(action[1])
    elif name == "activity":
        acc.user_activity()
    elif name == "answer":
        acc.answer_attention()
    elif name == "checkpoint":
        cp = acc.checkpoint()
        if cp is not None:
            state["checkpointed"] += cp.credited_s
            state["cp_study"] += cp.study_s
    else:
        clock.advance(action[1])


@settings(max_examples=300, deadline=None)
@given(policy=policies, script=st.lists(actions, max_size=120))
def test_credit_is_bounded_and_coverage_monotone(policy: PlayerPolicy, script: list[tuple[Any, ...]]) -> None:
    clock = FakeClock(50.0)
    acc = WatchAccounting(policy, DURATION_S, clock)
    state = {"pos": 0.0, "checkpointed": 0.0, "cp_study": 0.0}
    last_covered = last_study = 0.0
    for action in script:
        _apply(acc, clock, state, action)
        elapsed = clock() - 50.0
        assert acc.covered_s >= last_covered - 1e-9, "coverage shrank"
        assert acc.study_s >= last_study - 1e-9 and acc.study_s >= 0, "study time went down"
        # ADVANCE_EPSILON_S (1 ms, once) is the only slack over elapsed x max rate.
        assert acc.credited_s <= elapsed * policy.max_rate + 1e-3 + 1e-9, "credit above elapsed x max rate"
        assert acc.covered_s <= DURATION_S + 1e-9
        assert acc.study_s <= elapsed + 1e-9
        last_covered, last_study = acc.covered_s, acc.study_s
    segments = acc.segments()
    assert all(0 <= s < e <= DURATION_S for s, e in segments)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(segments))
    final = acc.checkpoint()
    if final is not None:
        state["checkpointed"] += final.credited_s
        state["cp_study"] += final.study_s
    assert state["checkpointed"] == pytest.approx(acc.covered_s, abs=1e-6)
    assert state["cp_study"] == pytest.approx(acc.study_s, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(policy=policies, script=st.lists(actions, max_size=80))
def test_checkpoint_segments_rebuild_the_coverage(policy: PlayerPolicy, script: list[tuple[Any, ...]]) -> None:
    """The server can rebuild coverage from the records alone: union of every checkpoint's segments."""
    clock = FakeClock()
    acc = WatchAccounting(policy, DURATION_S, clock)
    state = {"pos": 0.0, "checkpointed": 0.0, "cp_study": 0.0}
    rebuilt = IntervalSet()
    for action in [*script, ("checkpoint",)]:
        if action[0] == "checkpoint":
            cp = acc.checkpoint()
            if cp is not None:
                rebuilt.update(cp.segments)
        else:
            _apply(acc, clock, state, action)
    assert rebuilt.length == pytest.approx(acc.covered_s, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(wall_jumps=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=10))
def test_wall_clock_changes_never_change_credit(wall_jumps: list[float]) -> None:
    from datetime import UTC, datetime, timedelta

    def run(jumps: list[float]) -> tuple[float, float]:
        clock = FakeClock()
        wall = [datetime(2026, 1, 1, tzinfo=UTC)]
        acc = WatchAccounting(PlayerPolicy(), 60, clock, wall_clock=lambda: wall[0])
        pos = 0.0
        acc.tick(pos, True)
        for i in range(80):
            if jumps and i % 8 == 0:
                wall[0] += timedelta(seconds=jumps[(i // 8) % len(jumps)])
                acc.checkpoint()
            clock.advance(0.25)
            pos += 0.25
            acc.tick(pos, True)
        return acc.covered_s, acc.study_s

    assert run(wall_jumps) == run([]) == (20.0, 20.0)


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.floats(0.05, 1.0), min_size=1, max_size=200),
    rate=st.sampled_from([0.5, 0.75, 1.0, 1.25, 1.5]),
)
def test_an_honest_player_is_credited_exactly(steps: list[float], rate: float) -> None:
    clock = FakeClock()
    policy = PlayerPolicy(idle_timeout_s=0, attention_check_interval_s=0)
    acc = WatchAccounting(policy, DURATION_S, clock)
    pos = 0.0
    acc.tick(pos, True, rate)
    for dt in steps:
        clock.advance(dt)
        pos = min(DURATION_S, pos + dt * rate)
        acc.tick(pos, True, rate)
    assert acc.covered_s == pytest.approx(pos, abs=1e-6)
    assert acc.study_s == pytest.approx(pos / rate, abs=1e-6)
