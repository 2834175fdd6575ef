"""A person's learning archive (学习档案) as the admin web shows it, past what the transcript
(server.transcript) lists course by course: their stored years (server.person_year), each quiz and
exam attempt with the server's own grade, their training classes' scores (attendance : tests :
exam, server.class_scores.class_result, the same as the class's page and the learner's own answer)
and their flagged records with the reasons. Services only; no HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.admin.reports import flagged as flagged_records
from server.class_scores import learner_classes
from server.outcomes import Outcomes
from server.published import Published
from server.storage.tables import person_year
from server.users import User
from sync.protocol.outcomes import ClassResult
from sync.protocol.rules import Rules

MAX_FLAGGED = 200
"""At most this many flagged records are listed, the newest first."""


@dataclass(frozen=True, slots=True)
class StoredYear:
    year: int
    required: float
    elective: float
    carried: float
    courses_done: int
    required_assigned: int
    required_done: int
    study_hours: float

    @property
    def total(self) -> float:
        return round(self.required + self.elective + self.carried, 2)


def years(conn: Connection, user_id: str) -> list[StoredYear]:
    """The person's stored years, the latest first."""
    p = person_year.c
    rows = conn.execute(sa.select(p.year, p.required_x100, p.elective_x100, p.carried_x100, p.courses_done,
                                  p.required_assigned, p.required_done, p.study_ms)
                        .where(p.user_id == user_id).order_by(p.year.desc()))
    return [StoredYear(int(year), int(req) / 100, int(ele) / 100, int(car) / 100, int(done), int(assigned),
                       int(req_done), round(int(ms) / 3_600_000, 2))
            for year, req, ele, car, done, assigned, req_done, ms in rows]


@dataclass(frozen=True, slots=True)
class Attempt:
    course_id: str
    kind: str
    """quiz or exam"""
    quiz_id: str | None
    attempt: int | None
    created_at: str
    graded: bool
    score: int | None
    max_score: int | None
    passed: bool | None
    """The attempt counts as passed (None: not graded yet)."""
    reason: str | None


def attempts(record: dict[str, Any]) -> list[Attempt]:
    """Every quiz and exam attempt of a transcript (server.transcript), course by course, oldest first."""
    return [Attempt(c["course_id"], kind, a["quiz_id"], a["attempt"], a["created_at"], a["graded"], a["score"],
                    a["max_score"], a["passed"], a["reason"])
            for c in record["courses"] for kind, key in (("quiz", "quizzes"), ("exam", "exams")) for a in c[key]]


def classes(conn: Connection, user: User, published: Published, rules: Rules) -> list[ClassResult]:
    """The person's training classes with their score in each (the latest to start first)."""
    engine = Outcomes(conn, published, rules)
    return learner_classes(conn, user, engine, engine.evidence(user))


@dataclass(frozen=True, slots=True)
class FlaggedRecord:
    created_at: str
    course_id: str | None
    lesson_id: str | None
    credited_s: float
    set_aside_s: float
    reasons: tuple[str, ...]


def flagged(conn: Connection, user_id: str) -> list[FlaggedRecord]:
    """The person's records whose credit was (partly) set aside, the newest first (MAX_FLAGGED)."""
    return [FlaggedRecord(f.created_at, f.course_id, f.lesson_id, round(f.credited_s, 1), round(f.set_aside_s, 1),
                          tuple(sorted(f.reasons)))
            for f in flagged_records(conn, None, limit=MAX_FLAGGED, user_id=user_id)]
