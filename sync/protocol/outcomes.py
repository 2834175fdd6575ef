"""The learner's outcomes answer beyond the year's figures: the rankings (学分排名), the training
classes the person is enrolled in with their scores (培训班成绩), and the reminders (学习提醒).

One definition for both sides: the server builds these values and answers with ``to_dict()``
(inside ``GET /api/transcript?with=outcomes``); the PC reads the answer it cached with the
``*_from_dict`` readers, which check every field and raise FormatError("bad_response") on
anything that has not its shape. Figures are exact decimal strings ("87.5"), as in the rules'
JSON form. Readers accept what older servers sent (a ranking without ``parent``), so an answer
kept on a PC before an update still reads.

- ``Ranking``: the person's place among the active people of their own unit by this year's
  total, and their unit's place among its sibling units (the active units under the same parent
  that have at least one active person in their subtree) by the mean total of the people in each
  one's subtree. Ties share a place (1, 1, 3).
- ``ClassResult``: one class, its dates, weights and pass line, each component's score (None:
  the class has none of it), the total, whether it is passed, the points still needed to pass and
  the required courses that still miss something (videos, quizzes, exam).
- ``Reminder``: ``behind_target`` (the year's standing is behind: ``short`` units still needed
  to reach the yearly target), ``due_soon`` (an assigned course not yet counted is due within
  the site's ``reminders.due_within_days``) or ``overdue`` (its due date has passed); ``days`` is
  the days left on the server's day (negative: days overdue).
Must not import Qt, client/, player/ or server/, nor any other part of sync/ than the protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sync.protocol.errors import FormatError
from sync.protocol.rules_file import plain

MAX_FIGURE = Decimal(1_000_000)
MAX_COUNT = 10_000_000
MAX_TEXT = 200
MAX_ITEMS = 200
MISSING_PARTS = ("videos", "quizzes", "exam")
ReminderKind = Literal["behind_target", "due_soon", "overdue"]
REMINDER_KINDS: tuple[ReminderKind, ...] = ("behind_target", "due_soon", "overdue")


def _bad(what: str) -> FormatError:
    return FormatError("bad_response", f"outcomes: {what}")


def _figure(obj: Mapping[str, Any], key: str, *, optional: bool = False) -> Decimal | None:
    value = obj.get(key)
    if value is None and optional:
        return None
    try:
        number = Decimal(value) if isinstance(value, str) and len(value) <= 20 else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= MAX_FIGURE:
        raise _bad(f"{key} is not a figure")
    return number


def figure(obj: Mapping[str, Any], key: str) -> Decimal:
    """``obj[key]`` as a decimal string of 0..MAX_FIGURE; FormatError otherwise."""
    found = _figure(obj, key)
    assert found is not None
    return found


def count(obj: Mapping[str, Any], key: str, *, low: int = 0) -> int:
    """``obj[key]`` as a whole number of ``low``..MAX_COUNT; FormatError otherwise."""
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_COUNT:
        raise _bad(f"{key} is not a count")
    return value


def _text(obj: Mapping[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise _bad(f"{key} is not a short text")
    return value


def _day(obj: Mapping[str, Any], key: str) -> str:
    value = _text(obj, key) or ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise _bad(f"{key} is not a date") from None


def _items(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise _bad(f"{key} is not a list of at most {MAX_ITEMS}")
    return value


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{what} is not an object")
    return value


def _optional_plain(value: Decimal | None) -> str | None:
    return plain(value) if value is not None else None


# -- rankings ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Ranking:
    unit: str  # the name of the person's unit
    rank_in_unit: int
    people_in_unit: int
    unit_rank: int  # the unit's place among its siblings
    units: int  # how many sibling units were ranked, the person's own included
    unit_mean: Decimal | None = None  # the mean total of the people in the unit's subtree, 2 decimals
    parent: str | None = None  # the name of the units' common parent; None: the top units

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "rank_in_unit": self.rank_in_unit, "people_in_unit": self.people_in_unit,
                "unit_rank": self.unit_rank, "units": self.units, "unit_mean": _optional_plain(self.unit_mean),
                "parent": self.parent}


def ranking_from_dict(obj: Any) -> Ranking:
    o = _object(obj, "ranking")
    found = Ranking((_text(o, "unit") or ""), count(o, "rank_in_unit", low=1), count(o, "people_in_unit", low=1),
                    count(o, "unit_rank", low=1), count(o, "units", low=1), _figure(o, "unit_mean", optional=True),
                    _text(o, "parent", optional=True))
    if found.rank_in_unit > found.people_in_unit or found.unit_rank > found.units:
        raise _bad("a rank is beyond its count")
    return found


# -- training classes -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MissingCourse:
    """A class's required course that does not count yet, and what it still misses."""

    course_id: str
    title: str
    missing: tuple[str, ...]  # of MISSING_PARTS

    def to_dict(self) -> dict[str, Any]:
        return {"course_id": self.course_id, "title": self.title, "missing": list(self.missing)}


@dataclass(frozen=True, slots=True)
class ClassResult:
    code: str
    name: str
    starts: str  # ISO date
    ends: str
    weights: tuple[Decimal, Decimal, Decimal]  # attendance, tests, exam
    pass_score: Decimal
    attendance: Decimal | None  # 0..100, one decimal; None: the class has no such component
    tests: Decimal | None
    exam: Decimal | None
    total: Decimal
    passed: bool
    to_pass: Decimal  # points still needed to reach the pass line (0 once passed)
    missing: tuple[MissingCourse, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"class_code": self.code, "name": self.name, "starts": self.starts, "ends": self.ends,
                "weights": {"attendance": plain(self.weights[0]), "tests": plain(self.weights[1]),
                            "exam": plain(self.weights[2])},
                "pass_score": plain(self.pass_score), "attendance": _optional_plain(self.attendance),
                "tests": _optional_plain(self.tests), "exam": _optional_plain(self.exam),
                "total": plain(self.total), "passed": self.passed, "to_pass": plain(self.to_pass),
                "missing": [m.to_dict() for m in self.missing]}


def _missing_course(obj: Any) -> MissingCourse:
    o = _object(obj, "a missing course")
    parts = _items(o, "missing")
    if not all(p in MISSING_PARTS for p in parts):
        raise _bad("missing names an unknown part")
    return MissingCourse(_text(o, "course_id") or "", _text(o, "title") or "", tuple(parts))


def class_from_dict(obj: Any) -> ClassResult:
    o = _object(obj, "a class")
    w = _object(o.get("weights"), "weights")
    passed = o.get("passed")
    if not isinstance(passed, bool):
        raise _bad("passed is not true or false")
    return ClassResult(_text(o, "class_code") or "", _text(o, "name") or "", _day(o, "starts"), _day(o, "ends"),
                       (figure(w, "attendance"), figure(w, "tests"), figure(w, "exam")), figure(o, "pass_score"),
                       _figure(o, "attendance", optional=True), _figure(o, "tests", optional=True),
                       _figure(o, "exam", optional=True), figure(o, "total"), passed, figure(o, "to_pass"),
                       tuple(_missing_course(m) for m in _items(o, "missing")))


# -- reminders --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Reminder:
    kind: ReminderKind
    short: Decimal | None = None  # behind_target: units still needed for the year's target
    unit: str | None = None  # behind_target: "hours" (学时) or "credits" (学分)
    course_id: str | None = None  # due_soon, overdue
    title: str | None = None
    due: str | None = None  # ISO date
    days: int | None = None  # days left on the server's day; negative: overdue by that many

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "behind_target":
            return {"kind": self.kind, "short": _optional_plain(self.short), "unit": self.unit}
        return {"kind": self.kind, "course_id": self.course_id, "title": self.title, "due": self.due,
                "days": self.days}


def reminder_from_dict(obj: Any) -> Reminder:
    o = _object(obj, "a reminder")
    kind = o.get("kind")
    if kind == "behind_target":
        unit = o.get("unit")
        if unit not in ("hours", "credits"):
            raise _bad("a reminder's unit is unknown")
        return Reminder("behind_target", short=figure(o, "short"), unit=unit)
    if kind in ("due_soon", "overdue"):
        days = o.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or not -100_000 <= days <= 100_000:
            raise _bad("a reminder's days is not a whole number")
        return Reminder(kind, course_id=_text(o, "course_id"), title=_text(o, "title"), due=_day(o, "due"),
                        days=days)
    raise _bad("a reminder's kind is unknown")


def classes_from_list(obj: Any) -> tuple[ClassResult, ...]:
    """The answer's ``classes`` (absent from older servers: none)."""
    return () if obj is None else tuple(class_from_dict(c) for c in _items({"classes": obj}, "classes"))


def reminders_from_list(obj: Any) -> tuple[Reminder, ...]:
    """The answer's ``reminders`` (absent from older servers: none)."""
    return () if obj is None else tuple(reminder_from_dict(r) for r in _items({"reminders": obj}, "reminders"))
