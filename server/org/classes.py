"""Training classes (培训班): a name, dates, courses (required or elective), the people enrolled
(each by person, or everyone in a unit's subtree) and the class's scoring settings.

The settings are the rules engine's (sync.protocol.rules.ClassScoring: weights for attendance,
in-lesson tests and the final exam, and a pass score out of 100), read as strictly as the rules
file's ``[class_score]`` table; computing a person's class score from them is the rules engine's job.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from server.org.tree import in_subtree
from sync.protocol.errors import FormatError
from sync.protocol.rules import ClassScoring
from sync.protocol.rules_file import FORMAT as RULES_FORMAT
from sync.protocol.rules_file import rules_from_dict

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_NAME = 200
MAX_SCORING_BYTES = 1024


def check_class_code(code: str) -> str:
    if not _CODE.match(code or ""):
        raise FormatError.worded("bad_class_code", "class code %(code)r is not 1-64 letters, digits, '.', '_' or '-'",
                                 code=code)
    return code


def scoring_from_dict(obj: Any) -> ClassScoring:
    """Class scoring settings as the rules file's ``[class_score]`` table states them (weights for
    attendance, tests and exam, and ``pass_score``; a missing key: the default), strictly checked;
    FormatError("bad_scoring")."""
    if not isinstance(obj, dict):
        raise FormatError.worded("bad_scoring", "class scoring settings are a table of weights and a pass score")
    try:
        return rules_from_dict({"format": RULES_FORMAT, "class_score": obj}, "class scoring").class_score
    except FormatError as exc:
        raise FormatError("bad_scoring", exc.detail) from None


def parse_scoring(weights: str | None = None, pass_score: str | None = None) -> ClassScoring:
    """From "3:3:4" (attendance:tests:exam; full-width colons too) and a pass score out of 100."""
    obj: dict[str, str] = {}
    if weights is not None:
        parts = [p.strip() for p in weights.replace("\uff1a", ":").split(":")]
        if len(parts) != 3:
            raise FormatError.worded("bad_scoring", "weights are three numbers like 3:3:4, not %(weights)r",
                                     weights=weights)
        obj.update(zip(("attendance", "tests", "exam"), parts, strict=True))
    if pass_score is not None:
        obj["pass_score"] = pass_score.strip()
    return scoring_from_dict(obj)


def scoring_to_json(scoring: ClassScoring) -> str:
    return json.dumps({k: str(getattr(scoring, k)) for k in ("attendance", "tests", "exam", "pass_score")},
                      sort_keys=True, separators=(",", ":"))


def scoring_from_json(text: str) -> ClassScoring:
    if len(text) > MAX_SCORING_BYTES:
        raise FormatError.worded("bad_scoring", "class scoring settings are a short JSON object")
    try:
        obj: Any = json.loads(text)
    except ValueError as exc:
        raise FormatError.worded("bad_scoring", "class scoring settings are JSON: %(error)s", error=str(exc)) from None
    return scoring_from_dict(obj)


@dataclass(frozen=True, slots=True)
class ClassCourse:
    course_id: str
    required: bool


class EnrolKind(Enum):
    PERSON = "person"
    UNIT = "unit"


@dataclass(frozen=True, slots=True)
class Enrolment:
    """One person (by user name) or everyone in a unit's subtree (by unit code)."""

    kind: EnrolKind
    target: str


@dataclass(frozen=True, slots=True)
class TrainingClass:
    code: str
    name: str
    starts: dt.date
    ends: dt.date
    owner_unit: str | None = None
    """The organising unit (its admins manage the class); None: a site-wide class."""
    scoring: ClassScoring | None = None
    """None: the site's rules (Rules.class_score)."""
    courses: tuple[ClassCourse, ...] = ()
    enrolments: tuple[Enrolment, ...] = ()

    def __post_init__(self) -> None:
        check_class_code(self.code)
        name = self.name.strip()
        if not name or len(name) > MAX_NAME or any(ch in name for ch in "\r\n\t"):
            raise FormatError.worded("bad_class_name", "a class name is 1-%(most)s characters on one line",
                                     most=MAX_NAME)
        if self.ends < self.starts:
            raise FormatError.worded("bad_date", "class %(code)r ends (%(ends)s) before it starts (%(starts)s)",
                                     code=self.code, ends=str(self.ends), starts=str(self.starts))
        ids = [c.course_id for c in self.courses]
        if len(set(ids)) != len(ids):
            raise FormatError.worded("bad_class_courses", "class %(code)r lists a course twice", code=self.code)

    def required_courses(self) -> list[str]:
        return [c.course_id for c in self.courses if c.required]


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise FormatError.worded("bad_date", "%(text)r is not a date YYYY-MM-DD", text=text) from None


def members(enrolments: Iterable[Enrolment], people: Mapping[str, str], unit_paths: Mapping[str, str]) -> set[str]:
    """Who a class's enrolments reach: ``people`` maps each person (user name) to the path of their
    unit, ``unit_paths`` each unit code to its path. A unit enrolment reaches everyone in its subtree
    at the time of asking; an unknown person or unit reaches no one."""
    out: set[str] = set()
    tops = [unit_paths[e.target] for e in enrolments if e.kind is EnrolKind.UNIT and e.target in unit_paths]
    for e in enrolments:
        if e.kind is EnrolKind.PERSON and e.target in people:
            out.add(e.target)
    if tops:
        out.update(p for p, path in people.items() if any(in_subtree(path, top) for top in tops))
    return out
