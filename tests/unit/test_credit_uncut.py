"""server.credit's shortcut for the usual honest record gives exactly what deciding it bound by bound gives."""

from __future__ import annotations

import random

from player.intervals import IntervalSet
from server import credit
from server.credit import ChainState, Lesson, WatchBody

T0 = 1_795_000_000.0


def _case(rng: random.Random) -> tuple[Lesson, WatchBody, ChainState | None, float, float, IntervalSet]:
    """A record around the bounds: times on a coarse grid (so windows touch each other, the skew
    limits and the lesson's end exactly) or anywhere."""

    def moment() -> float:
        return rng.randint(-40, 200) * 0.5 if rng.random() < 0.7 else rng.uniform(-20.0, 100.0)

    def media() -> float:
        return rng.randint(0, 130) * 0.5 if rng.random() < 0.7 else rng.uniform(0.0, 65.0)

    lesson = Lesson(rng.choice([30.0, 60.0, 3600.0]), rng.choice([1.0, 1.5, 2.0]))
    segments = []
    for _ in range(1 if rng.random() < 0.8 else 2):
        start = media()
        segments.append((start, start + (rng.choice([0.001, 0.5, 30.0, 60.0]) if rng.random() < 0.5 else media())))
    segments = [(s, e) for s, e in segments if e > s] or [(0.0, 60.0)]
    window = rng.random() < 0.9
    wall_start = T0 + moment()
    wall_end = wall_start + rng.choice([0.0, 0.001, 30.0, 60.0, 60.0, 61.0])
    body = WatchBody(tuple(segments), rng.choice([0.0, 30.0, 59.0, 60.0, 60.0, 90.0]),
                     wall_start if window else None, wall_end if window else None, None)
    # the chain's previous window: ending where this one starts, a little before or after it, or anywhere
    prev_end = wall_start + rng.choice([0.0, 0.0, -0.5, -60.0, 0.5]) if rng.random() < 0.6 else T0 + moment()
    prev = ChainState(prev_end, rng.choice([0.0, 0.5, 2.0, 2.0])) if rng.random() < 0.7 else None
    taken = IntervalSet()
    for _ in range(rng.randint(0, 3)):
        start = T0 + moment() if rng.random() < 0.5 else wall_start - rng.choice([60.0, 61.0, 120.0, 30.0])
        taken.add(start, start + rng.choice([0.5, 10.0, 60.0]))
    earliest = T0 + moment() + credit.SKEW_SLACK_S if rng.random() < 0.4 else T0 - 86400.0
    arrival = T0 + moment() - credit.SKEW_SLACK_S if rng.random() < 0.4 else T0 + 86400.0
    return lesson, body, prev, earliest, arrival, taken


def test_the_shortcut_decides_as_every_bound_does() -> None:
    rng = random.Random(20261203)
    shortcut = 0
    for _ in range(8_000):
        lesson, body, prev, earliest, arrival, taken = _case(rng)
        before = taken.copy()
        fast = credit.credit_watch(lesson, body, prev=prev, earliest=earliest, arrival=arrival, taken=taken)
        full = credit._decide(lesson, body, "unknown_lesson", prev, earliest, arrival, taken)
        assert repr(fast) == repr(full), (lesson, body, prev, earliest, arrival, taken)  # bit for bit, -0.0 too
        assert taken == before
        shortcut += credit._uncut(lesson, body, prev, earliest, arrival, taken) is not None
    assert shortcut > 500  # the cases reach both ways


def test_an_honest_minute_takes_the_shortcut() -> None:
    body = WatchBody(((0.0, 60.0),), 60.0, T0, T0 + 60.0, 1)
    found = credit._uncut(Lesson(3600.0, 1.0), body, ChainState(T0, 2.0), T0 - 3600.0, T0 + 3600.0,
                          IntervalSet([(T0 - 60.0, T0)]))
    assert found == credit.Credit(((0.0, 60.0),), 60.0, {}, ChainState(T0 + 60.0, 2.0), ((T0, T0 + 60.0),))
