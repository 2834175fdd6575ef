"""How much one watch record earns: the server's decision, from what was published.

A record is evidence, not a claim to be believed: the learner controls the PC and so the
device key, and a modified client can sign any body. This pure function (no database, no
HTTP) decides one record's credit from

- the published lesson the record names (its duration and the course policy's ``max_rate``),
  or the reason it names nothing published (``unknown_course``, ``unknown_version``,
  ``unknown_lesson``): then nothing is credited;
- the record body: media ``segments`` played, ``elapsed_mono_s`` (monotonic seconds since the
  previous record) and the wall window ``wall_start`` .. ``wall_end`` (a v2 body counts the
  same in milliseconds, read as its seconds view ``sync.protocol.watch.seconds_view`` would read:
  a v1 and a v2 record saying the same thing earn exactly the same);
- the state its chain (one device and person) reached at the previous stored record: where its
  last window ended and how much allowance is left;
- the earliest moment the chain can have existed (the device's enrolment) and the record's
  arrival (server clock);
- the person's wall time already taken by credited records (every chain, every lesson).

Bounds, applied in this order; each cut is set aside under its reason code:

1. ``over_duration``: segments are clipped to ``[0, duration]`` of the published lesson (a
   sliver of at most ``DURATION_SLACK_S`` past the end, where the player's and the publisher's
   measurements differ, is dropped without a flag).
2. ``over_elapsed``: credited media time <= ``elapsed_mono_s x max_rate + ALLOWANCE_S`` (2 s).
3. ``over_real_time``: credited media time <= the record's wall window x ``max_rate`` plus the
   chain's allowance. Windows are placed in seq order: a window starts no earlier than the end
   of the chain's previous window (``effective start = max(wall_start, previous end)``, its
   length kept), so a PC clock set back between sessions cannot overlap its own earlier windows.
   The allowance is one bucket of ``ALLOWANCE_S`` per chain (the player's own jitter budget is
   smaller): spending it is repaid only by real wall time the chain leaves unused, so many tiny
   records cannot each take a fresh allowance.
4. ``clock_skew``: a window that starts before the earliest moment (minus ``SKEW_SLACK_S``) is
   moved forward to it (the PC clock was behind: the window's length is still true); a window
   that ends after the arrival (plus ``SKEW_SLACK_S``) is cut there. Either way it is flagged,
   and credit is bounded by the real time that remains.
5. ``overlap``: one person's credited wall time is never counted twice, across lessons, courses
   and devices: only the part of the window not taken by an earlier stored record counts (first
   stored wins). The record then takes, from the end of its window, the wall time its credit
   needs (``credited / max_rate``).

Segments are kept from the start of the media when a bound cuts them. Malformed bodies are
refused by ``parse_watch_body`` (``bad_field``): non-finite or negative numbers, values above
``MAX_SECONDS``, more than ``MAX_SEGMENTS`` segments, a segment whose start is not before its end,
wrong types, unreadable times, a window that ends before it starts.
Pure Python: imports only the player's interval kernel and the protocol.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from player.intervals import IntervalSet
from sync.protocol.errors import FormatError
from sync.protocol.records import V1, V2
from sync.protocol.watch import V2_NAMES, check_v2_names, from_thousandths

ALLOWANCE_S = 2.0
"""Media seconds a record (and a chain, once until repaid) may run ahead of time x max rate."""

SKEW_SLACK_S = 300.0
"""A window may start this much before enrolment or end this much after arrival without skew."""

DURATION_SLACK_S = 1.0
"""Media past the published end up to this much is dropped silently (player and publisher measure
durations differently); more is ``over_duration``."""

MAX_SEGMENTS = 10_000
MAX_SECONDS = 1e7
EPSILON_S = 1e-3
"""Cuts smaller than this are float noise: neither set aside nor flagged."""

NUMBER_FIELDS = ("credited_s", "study_s", "elapsed_mono_s", "max_rate", "position_s", "covered_s", "duration_s")
_V1_NAMES = {name: name for name in ("segments", *NUMBER_FIELDS)}
"""A v1 body's names: its own (``V2_NAMES`` maps the same quantities to a v2 body's)."""

_NUMBER_KEYS = {False: tuple((name, _V1_NAMES[name]) for name in NUMBER_FIELDS),
                True: tuple((name, V2_NAMES[name]) for name in NUMBER_FIELDS)}
"""Each number field's name and its key in a v1 body (False) and a v2 body (True)."""
_V2_NUMBERS = operator.itemgetter(*(V2_NAMES[name] for name in NUMBER_FIELDS))
"""A v2 body's numbers, in ``NUMBER_FIELDS`` order (KeyError when one is missing)."""
_V2_ELAPSED = NUMBER_FIELDS.index("elapsed_mono_s")
_INTS = {int}
_MAX_THOUSANDTHS = int(MAX_SECONDS) * 1000
"""The largest whole number of thousandths within MAX_SECONDS: ``n / 1000 <= MAX_SECONDS`` exactly when
``n <= _MAX_THOUSANDTHS`` (a correctly rounded division is monotonic, and this one is exact)."""

REASONS = ("unknown_course", "unknown_version", "unknown_lesson", "no_window", "over_duration", "over_elapsed",
           "over_real_time", "clock_skew", "overlap")
"""Every reason code this module can give, in the order bounds apply."""


@dataclass(frozen=True, slots=True)
class Lesson:
    """What was published for one lesson: its duration and the course policy's fastest rate."""

    duration_s: float
    max_rate: float


@dataclass(frozen=True, slots=True)
class ChainState:
    """Where a chain stands after one of its records: the end of its last window (epoch seconds)
    and the allowance left (media seconds)."""

    wall_end: float
    allowance_s: float = ALLOWANCE_S


@dataclass(frozen=True, slots=True)
class WatchBody:
    """The parts of a watch body credit depends on (validated)."""

    segments: tuple[tuple[float, float], ...]
    elapsed_s: float
    wall_start: float | None
    wall_end: float | None
    version: int | None


@dataclass(frozen=True, slots=True)
class Credit:
    """One record's credit. ``set_aside`` maps reason -> media seconds not credited for it; a
    reason may carry 0 s (clock_skew that cost nothing). ``chain`` is the chain's state after this
    record (None when the record had no window); ``taken`` the wall windows it now holds."""

    segments: tuple[tuple[float, float], ...]
    credited_s: float
    set_aside: dict[str, float] = field(default_factory=dict)
    chain: ChainState | None = None
    taken: tuple[tuple[float, float], ...] = ()

    @property
    def reasons(self) -> list[str]:
        return [r for r in REASONS if r in self.set_aside] if self.set_aside else []

    @property
    def set_aside_s(self) -> float:
        return round(sum(self.set_aside.values()), 3)


# The frozen dataclasses above, made faster where every record makes one: an object with the same slots,
# laid out as the dataclass's, is filled in without the frozen dataclass's ``__setattr__`` (one call per
# field in its ``__init__``), then its class is made the dataclass's (and it is frozen). The same object
# as the dataclass's ``__init__`` makes (tests/unit/test_credit_made.py).
class _OpenWatchBody:
    __slots__ = WatchBody.__slots__


class _OpenChainState:
    __slots__ = ChainState.__slots__


class _OpenCredit:
    __slots__ = Credit.__slots__


def _watch_body(segments: tuple[tuple[float, float], ...], elapsed_s: float, wall_start: float | None,
                wall_end: float | None, version: int | None) -> WatchBody:
    """``WatchBody(segments, elapsed_s, wall_start, wall_end, version)``."""
    made: Any = _OpenWatchBody()
    made.segments = segments
    made.elapsed_s = elapsed_s
    made.wall_start = wall_start
    made.wall_end = wall_end
    made.version = version
    made.__class__ = WatchBody
    body: WatchBody = made
    return body


def _chain_state(wall_end: float, allowance_s: float) -> ChainState:
    """``ChainState(wall_end, allowance_s)``."""
    made: Any = _OpenChainState()
    made.wall_end = wall_end
    made.allowance_s = allowance_s
    made.__class__ = ChainState
    state: ChainState = made
    return state


def _credit(segments: tuple[tuple[float, float], ...], credited_s: float, set_aside: dict[str, float],
            chain: ChainState | None, taken: tuple[tuple[float, float], ...]) -> Credit:
    """``Credit(segments, credited_s, set_aside, chain, taken)``."""
    made: Any = _OpenCredit()
    made.segments = segments
    made.credited_s = credited_s
    made.set_aside = set_aside
    made.chain = chain
    made.taken = taken
    made.__class__ = Credit
    credit: Credit = made
    return credit


# ----- parsing --------------------------------------------------------------------------------
def _bad(detail: str) -> FormatError:
    return FormatError("bad_field", f"watch body: {detail}")


def _seconds(value: Any, name: str) -> float:
    kind = type(value)
    if (kind is float or kind is int) and 0 <= value <= MAX_SECONDS:  # the usual case: NaN and inf fail here
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(f"{name} must be a number")
    if not math.isfinite(value) or value < 0 or value > MAX_SECONDS:
        raise _bad(f"{name} must be a finite number of seconds in [0, {MAX_SECONDS:.0f}], not {value!r}")
    return float(value)


def parse_time(value: Any, name: str) -> float:
    """An ISO 8601 UTC time (``2026-11-23T08:00:00.000Z``) as epoch seconds; FormatError otherwise.

    The last time read is remembered with its value: a watch record's window usually starts where
    the one before it ended, so its ``wall_start`` is the ``wall_end`` read just before."""
    global _last_time
    last = _last_time
    if type(value) is str and value == last[0]:
        return last[1]
    found = _parse_time(value, name)
    _last_time = (value, found)
    return found


def _parse_time(value: Any, name: str) -> float:
    if not isinstance(value, str) or len(value) > 40:
        raise _bad(f"{name} must be an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _bad(f"{name} is not an ISO 8601 time: {value!r}") from exc
    zone = moment.tzinfo
    if zone is None:
        moment = moment.replace(tzinfo=UTC)
    if not 2000 <= (moment.year if zone is None or zone is UTC else moment.astimezone(UTC).year) <= 2200:
        raise _bad(f"{name} is not a plausible time: {value!r}")
    return moment.timestamp()


_last_time: tuple[str, float] = ("2000-01-01T00:00:00Z", _parse_time("2000-01-01T00:00:00Z", "time"))
"""``parse_time``'s last answer: the time it read (a ``str``, as it was read) and its value (one tuple,
so a thread reads the two together)."""


def _segments(raw: Any, thousandths: bool) -> tuple[tuple[float, float], ...]:
    if not isinstance(raw, list):
        raise _bad("segments must be a list")
    if len(raw) > MAX_SEGMENTS:
        raise _bad(f"more than {MAX_SEGMENTS} segments")
    segments = []
    for seg in raw:
        if not isinstance(seg, list) or len(seg) != 2:
            raise _bad("a segment must be a [start, end] pair")
        start, end = seg
        if (thousandths and type(start) is int and type(end) is int and 0 <= start <= _MAX_THOUSANDTHS
                and 0 <= end <= _MAX_THOUSANDTHS):
            start, end = start / 1000, end / 1000  # what the general reading below gives for them
        else:
            if thousandths:
                start, end = from_thousandths(start), from_thousandths(end)
            start, end = _seconds(start, "segment start"), _seconds(end, "segment end")
        if not start < end:
            raise _bad(f"segment [{start}, {end}] does not start before it ends")
        segments.append((start, end))
    return tuple(segments)


def _numbers(body: dict[str, Any], thousandths: bool) -> float:
    """Check a watch body's numbers (FormatError for the first that is malformed); its elapsed seconds."""
    elapsed = 0.0
    for name, key in _NUMBER_KEYS[thousandths]:
        if key in body:
            value = body[key]
            if thousandths and type(value) is int and 0 <= value <= _MAX_THOUSANDTHS:
                seconds = value / 1000  # what _seconds gives for it: a float within [0, MAX_SECONDS]
            else:
                seconds = _seconds(from_thousandths(value) if thousandths else value, name)
            if name == "elapsed_mono_s":
                elapsed = seconds
    return elapsed


def parse_watch_body(body: dict[str, Any], v: int = V1) -> WatchBody:
    """Validate a watch body of record protocol version ``v``; FormatError("bad_field") names what
    is malformed. A v2 body is read in its own names and units (``sync.protocol.watch``), as its
    seconds view would be, without building that view."""
    if v == V2:
        check_v2_names(body)
        names, thousandths = V2_NAMES, True
    else:
        names, thousandths = _V1_NAMES, False
    segments = _segments(body.get(names["segments"], []), thousandths)
    try:
        values = _V2_NUMBERS(body) if thousandths else None
    except KeyError:
        values = None
    if values is not None and set(map(type, values)) == _INTS and min(values) >= 0 and max(values) <= _MAX_THOUSANDTHS:
        # the usual v2 body: every number there, each a whole number of thousandths within range, which
        # _numbers reads without a fault; the elapsed time as it reads it
        elapsed = values[_V2_ELAPSED] / 1000
    else:
        elapsed = _numbers(body, thousandths)
    if "completed" in body and not isinstance(body["completed"], bool):
        raise _bad("completed must be true or false")
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or not 1 <= version
                                <= 10**9):
        raise _bad("version must be a whole number >= 1")
    wall_start = parse_time(body["wall_start"], "wall_start") if "wall_start" in body else None
    wall_end = parse_time(body["wall_end"], "wall_end") if "wall_end" in body else None
    if (wall_start is None) != (wall_end is None):
        raise _bad("wall_start and wall_end come together")
    if wall_start is not None and wall_end is not None and wall_end < wall_start:
        raise _bad("wall_end is before wall_start")
    return _watch_body(segments, elapsed, wall_start, wall_end, version)


def check_finite(value: Any, where: str = "body") -> None:
    """Any body: every number finite and within +-MAX_SECONDS (a JSON total must stay a number)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) > MAX_SECONDS:
            raise FormatError("bad_field", f"{where}: {value!r} is not a sane number")
    elif isinstance(value, list):
        for item in value:
            check_finite(item, where)
    elif isinstance(value, dict):
        for item in value.values():
            check_finite(item, where)


# ----- the decision ---------------------------------------------------------------------------
def _keep_first(segments: IntervalSet, seconds: float) -> IntervalSet:
    """The first ``seconds`` of media of ``segments``."""
    out = IntervalSet()
    left = seconds
    for start, end in segments:
        if left <= 0:
            break
        take = min(end - start, left)
        out.add(start, start + take)
        left -= take
    return out


class _Cuts:
    def __init__(self, segments: IntervalSet) -> None:
        self.segments = segments
        self.set_aside: dict[str, float] = {}

    def limit(self, bound: float, reason: str) -> None:
        excess = self.segments.length - max(0.0, bound)
        if excess > EPSILON_S:
            self.segments = _keep_first(self.segments, max(0.0, bound))
            self.set_aside[reason] = self.set_aside.get(reason, 0.0) + excess

    def flag(self, reason: str) -> None:
        self.set_aside.setdefault(reason, 0.0)


def _free(window: tuple[float, float], taken: IntervalSet) -> IntervalSet:
    return IntervalSet([window]).subtract(taken) if window[1] > window[0] else IntervalSet()


def _tail(free: IntervalSet, seconds: float) -> tuple[tuple[float, float], ...]:
    """The last ``seconds`` of wall time in ``free``."""
    out: list[tuple[float, float]] = []
    left = seconds
    for start, end in reversed(free.to_list()):
        if left <= EPSILON_S / 10:
            break
        take = min(end - start, left)
        out.append((end - take, end))
        left -= take
    return tuple(reversed(out))


def credit_watch(
    lesson: Lesson | None,
    body: WatchBody,
    *,
    unknown_reason: str = "unknown_lesson",
    prev: ChainState | None,
    earliest: float,
    arrival: float,
    taken: IntervalSet,
) -> Credit:
    """Decide one watch record's credit (see the module text). ``taken`` is not modified."""
    if lesson is not None:
        found = _uncut(lesson, body, prev, earliest, arrival, taken)
        if found is not None:
            return found
    return _decide(lesson, body, unknown_reason, prev, earliest, arrival, taken)


def _uncut(lesson: Lesson, body: WatchBody, prev: ChainState | None, earliest: float, arrival: float,
           taken: IntervalSet) -> Credit | None:
    """``_decide``'s answer for the usual honest record, worked out without its interval sets: one
    segment within the lesson, a wall window whose time (and the chain's gap before it, if any)
    touches nothing taken, and no bound that cuts or flags anything. The same floats from the same
    operations in the same order; None for any other record (``_decide`` then works it out). Each
    ``max(a, b)`` there is written ``b if b > a else a`` here and each ``min(a, b)`` ``b if b < a else a``,
    which is what the built-ins do with two numbers (NaN included), without calling them."""
    segments, wall_start, wall_end = body.segments, body.wall_start, body.wall_end
    if len(segments) != 1 or wall_start is None or wall_end is None:
        return None
    s, e = segments[0]
    if not (0.0 <= s < e <= lesson.duration_s):  # clipping to the lesson leaves it as it is
        return None
    media = e - s
    rate = lesson.max_rate
    bound = body.elapsed_s * rate + ALLOWANCE_S
    if media - (bound if bound > 0.0 else 0.0) > EPSILON_S:  # over_elapsed
        return None
    length = wall_end - wall_start
    start = wall_start
    if prev and prev.wall_end > wall_start:
        start = prev.wall_end
    end = start + length
    if not end > start:
        return None
    low, high = earliest - SKEW_SLACK_S, arrival + SKEW_SLACK_S
    allowance = ALLOWANCE_S if prev is None else _refilled(prev, start, low, high, rate, taken)
    if allowance is None:
        return None
    bound = length * rate + allowance
    if media - (bound if bound > 0.0 else 0.0) > EPSILON_S:  # over_real_time
        return None
    if start < low or end > high or taken.overlaps(start, end):  # clock_skew, overlap
        return None
    free = end - start
    bound = free * rate + allowance
    if media - (bound if bound > 0.0 else 0.0) > EPSILON_S:  # overlap's bound
        return None
    needed = media / rate
    held = () if needed <= EPSILON_S / 10 else ((end - (needed if needed < free else free), end),)
    left = allowance + free * rate - media
    left = left if left < ALLOWANCE_S else ALLOWANCE_S
    return _credit(((round(s, 3), round(e, 3)),), round(media, 3), {}, _chain_state(end, left if left > 0.0 else 0.0),
                   held)


def _refilled(prev: ChainState, start: float, low: float, high: float, rate: float, taken: IntervalSet) -> float | None:
    """``_uncut``'s allowance for a window placed at ``start`` after the chain's ``prev``: refilled by the
    wall time between them, when none of it is taken (else None)."""
    gap = 0.0
    prev_end = prev.wall_end
    if start > prev_end:
        if taken.overlaps(prev_end, start):
            return None
        gap_start = low if low > prev_end else prev_end
        gap_end = high if high < start else start
        if gap_end > gap_start:
            gap = gap_end - gap_start
    refilled = prev.allowance_s + gap * rate
    return refilled if refilled < ALLOWANCE_S else ALLOWANCE_S


def _decide(lesson: Lesson | None, body: WatchBody, unknown_reason: str, prev: ChainState | None, earliest: float,
            arrival: float, taken: IntervalSet) -> Credit:
    """``credit_watch``'s decision for any record, bound by bound."""
    played = IntervalSet(body.segments)
    if lesson is None:
        chain = None
        if body.wall_start is not None and body.wall_end is not None:
            start = max(body.wall_start, prev.wall_end) if prev else body.wall_start
            chain = ChainState(start + (body.wall_end - body.wall_start), prev.allowance_s if prev else ALLOWANCE_S)
        return Credit((), 0.0, {unknown_reason: round(played.length, 3)}, chain)
    rate = lesson.max_rate
    cuts = _Cuts(played.clipped(0.0, lesson.duration_s))
    past_end = played.length - cuts.segments.length
    if past_end > DURATION_SLACK_S:
        cuts.set_aside["over_duration"] = past_end
    cuts.limit(body.elapsed_s * rate + ALLOWANCE_S, "over_elapsed")
    if body.wall_start is None or body.wall_end is None:
        cuts.limit(0.0, "no_window")
        return _result(cuts, None, ())
    length = body.wall_end - body.wall_start
    start = max(body.wall_start, prev.wall_end) if prev else body.wall_start
    end = start + length
    # the allowance refills from real wall time the chain left unused since its previous window
    allowance = ALLOWANCE_S
    if prev is not None:
        gap = 0.0  # a window that starts where the chain's previous one ended (the usual case) left none
        if start > prev.wall_end:
            gap = _free((prev.wall_end, start), taken).clipped(earliest - SKEW_SLACK_S, arrival + SKEW_SLACK_S).length
        allowance = min(ALLOWANCE_S, prev.allowance_s + gap * rate)
    cuts.limit(length * rate + allowance, "over_real_time")
    low, high = earliest - SKEW_SLACK_S, arrival + SKEW_SLACK_S
    if start < low:
        start, end = low, low + length
        cuts.flag("clock_skew")
    if end > high:
        start, end = min(start, high), high
        cuts.flag("clock_skew")
        cuts.limit((end - start) * rate + allowance, "clock_skew")
    free = _free((start, end), taken)
    cuts.limit(free.length * rate + allowance, "overlap")
    credited = cuts.segments.length
    needed = credited / rate
    held = _tail(free, needed)
    left = min(ALLOWANCE_S, allowance + free.length * rate - credited)
    return _result(cuts, ChainState(end, max(0.0, left)), held)


def _result(cuts: _Cuts, chain: ChainState | None, held: tuple[tuple[float, float], ...]) -> Credit:
    segments = tuple([(round(s, 3), round(e, 3)) for s, e in cuts.segments])
    aside = {k: round(v, 3) for k, v in cuts.set_aside.items()} if cuts.set_aside else {}
    return Credit(segments, round(cuts.segments.length, 3), aside, chain, held)
