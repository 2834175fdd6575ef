"""Training classes (培训班): a name, dates, courses (required or elective), the people enrolled
(each by person, or everyone in a unit's subtree) and the class's scoring policy.

The policy is only stored here: weights for attendance, in-lesson tests and the final exam
(3:3:4 unless the class says otherwise) and a pass line out of 100. Computing a person's class
score from it is the rules engine's job.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from server.org.tree import in_subtree
from sync.protocol.errors import FormatError

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_NAME = 200
MAX_WEIGHT = 100
MAX_POLICY_BYTES = 1024


def check_class_code(code: str) -> str:
    if not _CODE.match(code or ""):
        raise FormatError("bad_class_code", f"class code {code!r} is not 1-64 letters, digits, '.', '_' or '-'")
    return code


@dataclass(frozen=True, slots=True)
class ScoringPolicy:
    """Weights attendance : tests : exam (whole numbers, at least one above zero) and the pass line
    (0-100) a person's weighted score must reach."""

    attendance: int = 3
    tests: int = 3
    exam: int = 4
    pass_line: int = 60

    def __post_init__(self) -> None:
        weights = (self.attendance, self.tests, self.exam)
        if any(type(w) is not int or not 0 <= w <= MAX_WEIGHT for w in weights) or sum(weights) == 0:
            raise FormatError("bad_policy", f"the weights are whole numbers 0-{MAX_WEIGHT}, not all zero "
                              f"(got {self.attendance}:{self.tests}:{self.exam})")
        if type(self.pass_line) is not int or not 0 <= self.pass_line <= 100:
            raise FormatError("bad_policy", f"the pass line is a whole number 0-100 (got {self.pass_line!r})")

    @property
    def weights(self) -> str:
        return f"{self.attendance}:{self.tests}:{self.exam}"

    @classmethod
    def parse_weights(cls, text: str, pass_line: int = 60) -> ScoringPolicy:
        """From "3:3:4" (attendance:tests:exam)."""
        parts = text.replace("：", ":").split(":")
        if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
            raise FormatError("bad_policy", f"weights are three whole numbers like 3:3:4, not {text!r}")
        a, t, e = (int(p) for p in parts)
        return cls(a, t, e, pass_line)

    def to_json(self) -> str:
        return json.dumps({"attendance": self.attendance, "tests": self.tests, "exam": self.exam,
                           "pass_line": self.pass_line}, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ScoringPolicy:
        if len(text) > MAX_POLICY_BYTES:
            raise FormatError("bad_policy", "a scoring policy is a short JSON object")
        try:
            data: Any = json.loads(text)
        except ValueError as exc:
            raise FormatError("bad_policy", f"a scoring policy is JSON: {exc}") from exc
        keys = {"attendance", "tests", "exam", "pass_line"}
        if not isinstance(data, dict) or set(data) != keys:
            raise FormatError("bad_policy", f"a scoring policy has exactly the keys {sorted(keys)}")
        return cls(data["attendance"], data["tests"], data["exam"], data["pass_line"])


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
    policy: ScoringPolicy = field(default_factory=ScoringPolicy)
    courses: tuple[ClassCourse, ...] = ()
    enrolments: tuple[Enrolment, ...] = ()

    def __post_init__(self) -> None:
        check_class_code(self.code)
        name = self.name.strip()
        if not name or len(name) > MAX_NAME or any(ch in name for ch in "\r\n\t"):
            raise FormatError("bad_class_name", f"a class name is 1-{MAX_NAME} characters on one line")
        if self.ends < self.starts:
            raise FormatError("bad_date", f"class {self.code!r} ends ({self.ends}) before it starts ({self.starts})")
        ids = [c.course_id for c in self.courses]
        if len(set(ids)) != len(ids):
            raise FormatError("bad_class_courses", f"class {self.code!r} lists a course twice")

    def required_courses(self) -> list[str]:
        return [c.course_id for c in self.courses if c.required]


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise FormatError("bad_date", f"{text!r} is not a date YYYY-MM-DD") from None


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
