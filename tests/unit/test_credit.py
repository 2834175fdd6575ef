"""server.credit on its own: exact figures for honest and forged watch records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from player.intervals import IntervalSet
from server.credit import (
    ALLOWANCE_S,
    ChainState,
    Credit,
    Lesson,
    check_finite,
    credit_watch,
    parse_time,
    parse_watch_body,
)
from sync.protocol.errors import FormatError
from sync.protocol.records import V2
from sync.protocol.watch import to_v2

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC).timestamp()
LESSON = Lesson(duration_s=600.0, max_rate=1.5)


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def body(segments: list[list[float]], elapsed: float, start: float | None, end: float | None,
         **extra: Any) -> dict[str, Any]:
    b: dict[str, Any] = {"segments": segments, "elapsed_mono_s": elapsed, **extra}
    if start is not None and end is not None:
        b |= {"wall_start": iso(T0 + start), "wall_end": iso(T0 + end)}
    return b


def run(b: dict[str, Any], *, lesson: Lesson | None = LESSON, prev: ChainState | None = None,
        earliest: float = -3600.0, arrival: float = 7200.0, taken: tuple[tuple[float, float], ...] = (),
        unknown: str = "unknown_lesson") -> Credit:
    return credit_watch(lesson, parse_watch_body(b), unknown_reason=unknown, prev=prev, earliest=T0 + earliest,
                        arrival=T0 + arrival, taken=IntervalSet((T0 + s, T0 + e) for s, e in taken))


# (name, body, keyword arguments, credited segments, credited_s, set aside by reason)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], list[tuple[float, float]], float, dict[str, float]]] = [
    # honest
    ("one minute watched", body([[0, 60]], 60, 0, 60), {}, [(0, 60)], 60.0, {}),
    ("rewatching counts its played time", body([[0, 30], [10, 40]], 30, 0, 30), {}, [(0, 40)], 40.0, {}),
    ("at the fastest rate, with the player's jitter", body([[0, 90.75]], 60, 0, 60), {}, [(0, 90.75)], 90.75, {}),
    ("long pause inside the window", body([[0, 60]], 600, 0, 600), {}, [(0, 60)], 60.0, {}),
    ("clock set back between sessions: placed after the chain's last window",
     body([[60, 120]], 60, -300, -240), {"prev": ChainState(T0 + 600, ALLOWANCE_S)}, [(60, 120)], 60.0, {}),
    ("a sliver past the published end is dropped silently", body([[590, 600.4]], 10.4, 0, 10.4), {},
     [(590, 600)], 10.0, {}),
    ("another device's window just before", body([[0, 60]], 60, 60, 120), {"taken": ((0, 60),)},
     [(0, 60)], 60.0, {}),
    # forged
    ("600 s lesson claimed for 5000 s", body([[0, 5000]], 5000, 0, 5000), {}, [(0, 600)], 600.0,
     {"over_duration": 4400.0}),
    ("minutes of coverage in seconds of monotonic time", body([[0, 600]], 10, 0, 600), {}, [(0, 17)], 17.0,
     {"over_elapsed": 583.0}),
    ("minutes of coverage in a window of seconds", body([[0, 600]], 600, 0, 5), {}, [(0, 9.5)], 9.5,
     {"over_real_time": 590.5}),
    ("the same wall minute on another lesson or device", body([[0, 60]], 60, 0, 60), {"taken": ((0, 60),)},
     [(0, 2)], 2.0, {"overlap": 58.0}),
    ("half the window already taken", body([[0, 60]], 60, 0, 60), {"taken": ((0, 30),)},
     [(0, 47)], 47.0, {"overlap": 13.0}),
    ("window in the future", body([[0, 60]], 60, 9000, 9060), {}, [(0, 2)], 2.0, {"clock_skew": 58.0}),
    ("window ends after arrival: cut there", body([[0, 120]], 120, 7460, 7580), {}, [(0, 62)], 62.0,
     {"clock_skew": 58.0}),
    ("window ends just after arrival, credit fits", body([[0, 60]], 60, 7460, 7520), {}, [(0, 60)], 60.0,
     {"clock_skew": 0.0}),
    ("unpublished lesson", body([[0, 60]], 60, 0, 60), {"lesson": None}, [], 0.0, {"unknown_lesson": 60.0}),
    ("unpublished course", body([[0, 60]], 60, 0, 60), {"lesson": None, "unknown": "unknown_course"}, [], 0.0,
     {"unknown_course": 60.0}),
    ("no wall window", body([[0, 60]], 60, None, None), {}, [], 0.0, {"no_window": 60.0}),
    ("allowance already spent by the chain", body([[0, 2]], 0, 0, 0), {"prev": ChainState(T0, 0.0)}, [], 0.0,
     {"over_real_time": 2.0}),
]


@pytest.mark.parametrize(("name", "b", "kw", "segments", "credited", "aside"), CASES, ids=[c[0] for c in CASES])
def test_credit_table(name: str, b: dict[str, Any], kw: dict[str, Any], segments: list[tuple[float, float]],
                      credited: float, aside: dict[str, float]) -> None:
    c = run(b, **kw)
    assert list(c.segments) == segments
    assert c.credited_s == credited
    assert c.set_aside == aside


def test_window_before_enrolment_moves_forward_and_keeps_its_length() -> None:
    c = run(body([[0, 60]], 60, -86400, -86340), earliest=0)
    assert c.credited_s == 60.0 and c.set_aside == {"clock_skew": 0.0}
    assert c.chain == ChainState(T0 - 300 + 60, ALLOWANCE_S)


def test_chain_state_and_taken_wall_time() -> None:
    c = run(body([[0, 60]], 600, 0, 600))
    assert c.chain == ChainState(T0 + 600, ALLOWANCE_S)
    assert c.taken == ((T0 + 560, T0 + 600),)  # 60 s of media at 1.5x needs the last 40 s
    fast = run(body([[0, 90.75]], 60, 0, 60))
    assert fast.chain == ChainState(T0 + 60, 1.25) and fast.taken == ((T0, T0 + 60),)


def test_tiny_records_share_one_allowance() -> None:
    """Many records with empty windows: the chain's allowance is spent once, then nothing."""
    prev, total = None, 0.0
    for _ in range(50):
        c = run(body([[0, 2]], 0, 0, 0), prev=prev)
        prev, total = c.chain, total + c.credited_s
    assert total == ALLOWANCE_S


def test_the_allowance_refills_from_unused_wall_time() -> None:
    first = run(body([[0, 90.75]], 60, 0, 60))
    assert first.chain is not None and first.chain.allowance_s == 1.25
    held = tuple((s - T0, e - T0) for s, e in first.taken)
    later = run(body([[90.75, 181.5]], 60, 70, 130), prev=first.chain, taken=held)
    assert later.credited_s == 90.75 and later.chain == ChainState(T0 + 130, 1.25)


def test_a_chain_moved_into_the_future_earns_only_the_real_time() -> None:
    prev, total = None, 0.0
    taken = IntervalSet()
    for i in range(20):  # 20 minutes claimed, all after the arrival
        c = credit_watch(LESSON, parse_watch_body(body([[i * 60, i * 60 + 60]], 60, 7000 + i * 60, 7060 + i * 60)),
                         prev=prev, earliest=T0, arrival=T0 + 7200, taken=taken)
        prev, total = c.chain, total + c.credited_s
        taken.update(c.taken)
    # arrival 7200 + 300 s slack: 8 whole minutes, then 20 s of the ninth at 1.5x plus the allowance
    assert total == 8 * 60 + 20 * 1.5 + ALLOWANCE_S


@pytest.mark.parametrize(("b", "detail"), [
    ({"segments": [[0, float("nan")]]}, "finite"),
    ({"segments": [[0, float("inf")]]}, "finite"),
    ({"segments": [[-5, 10]]}, "finite"),
    ({"segments": [[0, 1e8]]}, "finite"),
    ({"segments": [[10, 10]]}, "does not start before"),
    ({"segments": [[10, 5]]}, "does not start before"),
    ({"segments": [[0, 1]] * 10_001}, "more than"),
    ({"segments": [[0, "1"]]}, "must be a number"),
    ({"segments": [[0, True]]}, "must be a number"),
    ({"segments": [[0, 1, 2]]}, "pair"),
    ({"segments": {"0": 1}}, "list"),
    ({"elapsed_mono_s": -1}, "finite"),
    ({"credited_s": 1e300}, "finite"),
    ({"duration_s": "600"}, "must be a number"),
    ({"completed": 1}, "true or false"),
    ({"version": 0}, "version"),
    ({"version": "1"}, "version"),
    ({"wall_start": "yesterday", "wall_end": "2026-11-23T08:00:00Z"}, "ISO 8601"),
    ({"wall_start": "2026-11-23T08:00:00Z"}, "together"),
    ({"wall_start": "2026-11-23T08:01:00Z", "wall_end": "2026-11-23T08:00:00Z"}, "before"),
    ({"wall_start": "1066-10-14T09:00:00Z", "wall_end": "2026-11-23T08:00:00Z"}, "plausible"),
])
def test_malformed_bodies_are_refused(b: dict[str, Any], detail: str) -> None:
    with pytest.raises(FormatError) as e:
        parse_watch_body(b)
    assert e.value.code == "bad_field" and detail in e.value.detail


def test_any_body_must_hold_sane_numbers() -> None:
    check_finite({"answers": [1, 2, {"x": 3.5}], "text": "ok", "flag": True, "none": None})
    for bad in ({"score": 1e300}, {"a": [float("inf")]}, {"a": {"b": -2e7}}):
        with pytest.raises(FormatError):
            check_finite(bad)


def test_times_parse_with_or_without_zone() -> None:
    assert parse_time("2026-11-23T08:00:00.000Z", "t") == T0
    assert parse_time("2026-11-23T08:00:00", "t") == T0
    assert parse_time("2026-11-23T16:00:00+08:00", "t") == T0


# ----- protocol v2: the same bodies in milliseconds earn exactly the same -----------------------
@pytest.mark.parametrize(("name", "b", "kw", "segments", "credited", "aside"), CASES, ids=[c[0] for c in CASES])
def test_v2_bodies_are_credited_like_v1(name: str, b: dict[str, Any], kw: dict[str, Any],
                                        segments: list[tuple[float, float]], credited: float,
                                        aside: dict[str, float]) -> None:
    v2 = to_v2(b)
    assert "segments" not in v2 and all(isinstance(x, int) for seg in v2["segments_ms"] for x in seg)
    assert parse_watch_body(v2, V2) == parse_watch_body(b)
    args = {k: v for k, v in kw.items() if k not in ("lesson", "unknown")}
    taken = IntervalSet((T0 + s, T0 + e) for s, e in args.pop("taken", ()))
    c = credit_watch(kw.get("lesson", LESSON), parse_watch_body(v2, V2), unknown_reason=kw.get("unknown",
                     "unknown_lesson"), earliest=T0 - 3600, arrival=T0 + 7200, taken=taken, prev=args.get("prev"))
    assert (list(c.segments), c.credited_s, c.set_aside) == (segments, credited, aside)


@pytest.mark.parametrize(("b", "detail"), [
    ({"segments_ms": [[0, 1000]], "segments": [[0, 1]]}, "not segments"),
    ({"segments_ms": [[0, 1000]], "elapsed_mono_s": 1}, "not elapsed_mono_s"),
    ({"segments_ms": [[0, "1000"]]}, "must be a number"),
    ({"segments_ms": [[5000, 1000]]}, "does not start before"),
    ({"elapsed_mono_ms": -1}, "finite"),
    ({"duration_ms": 10**11}, "finite"),
    ({"max_rate_milli": True}, "must be a number"),
])
def test_malformed_v2_bodies_are_refused(b: dict[str, Any], detail: str) -> None:
    with pytest.raises(FormatError) as e:
        parse_watch_body(b, V2)
    assert e.value.code == "bad_field" and detail in e.value.detail


