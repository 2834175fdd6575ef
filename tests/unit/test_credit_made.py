"""server.credit's faster makers of WatchBody, ChainState and Credit make the very objects the
dataclasses' own ``__init__`` makes: same class, equal, same hash where there is one, frozen."""

from __future__ import annotations

import dataclasses
import random

import pytest

from server import credit
from server.credit import ChainState, Credit, WatchBody


def _segments(rng: random.Random) -> tuple[tuple[float, float], ...]:
    starts = [rng.uniform(0.0, 3600.0) for _ in range(rng.randint(0, 3))]
    return tuple((s, s + rng.uniform(0.001, 60.0)) for s in starts)


def _maybe(rng: random.Random) -> float | None:
    return None if rng.random() < 0.2 else rng.uniform(1.7e9, 1.8e9)


def test_made_objects_are_the_dataclasses_objects() -> None:
    rng = random.Random(7_001)
    for _ in range(2000):
        args = (_segments(rng), rng.uniform(0.0, 90.0), _maybe(rng), _maybe(rng), rng.choice([None, 1, 7]))
        body = credit._watch_body(*args)
        assert type(body) is WatchBody and body == WatchBody(*args) and hash(body) == hash(WatchBody(*args))
        assert dataclasses.astuple(body) == args
        state_args = (rng.uniform(1.7e9, 1.8e9), rng.choice([0.0, 2.0, rng.uniform(0.0, 2.0)]))
        state = credit._chain_state(*state_args)
        assert type(state) is ChainState and state == ChainState(*state_args)
        assert hash(state) == hash(ChainState(*state_args))
        held = _segments(rng)
        aside = {} if rng.random() < 0.7 else {"overlap": rng.uniform(0.0, 5.0)}
        made = credit._credit(args[0], rng.uniform(0.0, 60.0), aside, state if rng.random() < 0.8 else None, held)
        expected = Credit(made.segments, made.credited_s, aside, made.chain, held)
        assert type(made) is Credit and made == expected and repr(made) == repr(expected)
        assert made.reasons == expected.reasons and made.set_aside_s == expected.set_aside_s
        for obj, name in ((body, "elapsed_s"), (state, "wall_end"), (made, "credited_s")):
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(obj, name, 1.0)
