"""Response models of the learner's API routes: what each answer holds, checked on the way out.

Figures of credit (学时/学分) are exact decimal strings ("0.25"), as in the rules' JSON form.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class LessonOut(BaseModel):
    lesson_id: str
    credited_s: float
    set_aside_s: float
    set_aside: dict[str, float]
    last_position_s: float | None
    records: int


class AttemptOut(BaseModel):
    """A quiz or exam record and the server's grade of it (``graded`` false: not graded yet)."""

    record_id: str
    lesson_id: str | None
    quiz_id: str | None
    created_at: str
    graded: bool
    score: int | None
    max_score: int | None
    passed: bool | None  # counts as passed
    attempt: int | None
    reason: str | None  # over_attempts, over_time, unknown_assessment, ungradable


class CourseRecordsOut(BaseModel):
    course_id: str
    records: int
    lessons: list[LessonOut]
    quizzes: list[AttemptOut]
    exams: list[AttemptOut]
    set_aside: dict[str, float]
    credited_s: float
    set_aside_s: float


class GapOut(BaseModel):
    device_id: str
    missing_seq: int


class CourseOutcomeOut(BaseModel):
    course_id: str
    title: str
    required: bool
    covered: float
    videos_done: bool
    quizzes_passed: int
    quizzes_total: int
    exam_required: bool
    exam_passed: bool
    credited: bool
    credit: str
    counts_on: str | None
    year: int | None
    missing: list[str]


class TargetOut(BaseModel):
    required: str
    elective: str
    total: str


class YearOut(BaseModel):
    year: int
    level: str
    unit: str  # hours (学时) or credits (学分)
    required: str
    elective: str
    carried_in: str
    total: str
    target: TargetOut
    standing: str  # met, on_track, behind, no_target


class RankingOut(BaseModel):
    unit: str
    rank_in_unit: int
    people_in_unit: int
    unit_rank: int
    units: int
    unit_mean: str


class OutcomesOut(BaseModel):
    as_of: str
    courses: list[CourseOutcomeOut]
    year: YearOut
    ranking: RankingOut


class TranscriptOut(BaseModel):
    user_id: str
    records: int
    courses: list[CourseRecordsOut]
    gaps: list[GapOut]
    outcomes: OutcomesOut | None = None


class AssignmentOut(BaseModel):
    course_id: str
    title: str
    required: bool
    due: str | None
    credit_hours: float | None
    latest_version: int | None
    size_bytes: int | None
    quizzes: int | None
    exam: bool | None
    class_name: str | None = None  # the training class the course is assigned through; absent when none


class AssignmentsWithRulesOut(BaseModel):
    assignments: list[AssignmentOut]
    rules: dict[str, Any]  # the site's rules in their JSON form (sync.protocol.rules_file.rules_to_dict)


class CertificateOut(BaseModel):
    """One of the learner's certificates; ``text`` is the signed text its QR code carries."""

    serial: str
    kind: str  # hours (学时证明) or class (结业证书)
    title: str
    year: int | None
    class_code: str | None
    class_name: str | None
    hours: str
    score: str | None
    issued_at: str
    revoked_at: str | None
    text: str
