"""server.credit reads the usual v2 watch body's numbers in one go, and remembers the last time it
read: both give exactly what reading every number and every time afresh gives (the same body, or the
same refusal with the same message), over many seeded random bodies and times."""

from __future__ import annotations

import random
from typing import Any

import pytest

from server import credit
from sync.protocol.errors import FormatError
from sync.protocol.records import V2

_NUMBER_KEYS = ("credited_ms", "study_ms", "elapsed_mono_ms", "max_rate_milli", "position_ms", "covered_ms",
                "duration_ms")
_LIMIT = int(credit.MAX_SECONDS) * 1000


def _number(rng: random.Random) -> Any:
    return rng.choice([0, 1, 60_000, 1000, _LIMIT, _LIMIT + 1, -1, rng.randint(0, _LIMIT), rng.randint(0, 10**6),
                       60_000, 60_000, 60_000, 1.5, 60.0, True, False, None, "60000", float("nan"), 10**16])


def _time(rng: random.Random) -> Any:
    second = rng.randint(0, 59)
    return rng.choice([f"2026-03-01T10:{rng.randint(0, 59):02d}:{second:02d}.000Z", f"2026-03-01T10:00:{second:02d}Z",
                       "2026-03-01T10:00:00.000Z", "1999-12-31T23:59:59Z", "not a time", 5, None,
                       f"2026-03-01T10:00:{second:02d}+02:00"])


def _body(rng: random.Random) -> dict[str, Any]:
    body: dict[str, Any] = {"segments_ms": [[0, 60_000]], "completed": False, "version": 1}
    for key in _NUMBER_KEYS:
        if rng.random() < 0.95:
            body[key] = 60_000 if rng.random() < 0.8 else _number(rng)
    if rng.random() < 0.9:
        body["wall_start"] = _time(rng) if rng.random() < 0.2 else "2026-03-01T10:00:00.000Z"
        body["wall_end"] = _time(rng) if rng.random() < 0.5 else "2026-03-01T10:01:00.000Z"
    return body


def _outcome(body: dict[str, Any]) -> Any:
    try:
        return credit.parse_watch_body(body, V2)
    except FormatError as exc:
        return exc.code, exc.detail


def _no_shortcut(body: dict[str, Any]) -> tuple[int, ...]:
    raise KeyError("every number read one by one")


def test_v2_numbers_in_one_go_match_reading_each(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11_2026)
    bodies = [_body(rng) for _ in range(4000)]
    fast = [_outcome(body) for body in bodies]
    monkeypatch.setattr(credit, "_V2_NUMBERS", _no_shortcut)
    slow = [_outcome(body) for body in bodies]
    assert [repr(o) for o in fast] == [repr(o) for o in slow]
    assert sum(not isinstance(o, tuple) for o in fast) > 1000  # many bodies valid, many refused
    assert sum(isinstance(o, tuple) for o in fast) > 500


def test_remembered_time_matches_reading_it_afresh() -> None:
    rng = random.Random(3_2026)
    for _ in range(4000):
        value = _time(rng)
        name = rng.choice(["wall_start", "wall_end", "enrolled_at"])
        try:
            expected: Any = credit._parse_time(value, name)
        except FormatError as exc:
            expected = (exc.code, exc.detail)
        try:
            found: Any = credit.parse_time(value, name)
        except FormatError as exc:
            found = (exc.code, exc.detail)
        assert repr(found) == repr(expected)
