"""server.ingest's faster maker of a stored record's Outcome makes the very object Outcome's own
``__init__`` makes: same class, equal, same hash, same answer, frozen."""

from __future__ import annotations

import dataclasses
import random

import pytest

from server.ingest import FLAG_TEXT, Outcome, _stored_outcome


def test_stored_outcome_is_outcomes_own() -> None:
    rng = random.Random(5_2026)
    names = sorted(FLAG_TEXT)
    for _ in range(2000):
        rid = f"r-{rng.randint(0, 10**9)}"
        flags = tuple(rng.sample(names, rng.randint(0, 3)))
        made, expected = _stored_outcome(rid, flags), Outcome(rid, "stored", flags=flags)
        assert type(made) is Outcome and made == expected and hash(made) == hash(expected)
        assert repr(made) == repr(expected) and made.to_dict() == expected.to_dict()
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.status = "duplicate"  # type: ignore[misc]
