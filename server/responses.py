"""Response models of the learner's API routes: what each answer holds, checked on the way out.

Figures of credit (学时/学分) are exact decimal strings ("0.25"), as in the rules' JSON form.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class PersonOut(BaseModel):
    """Who is signed in (GET /api/auth/me)."""

    user_id: str
    username: str
    display_name: str
    unit: str


class SessionOut(PersonOut):
    """A sign-in or a refresh: the person and a new pair of tokens."""

    access_token: str
    refresh_token: str
    expires_in: float


class DeviceOut(BaseModel):
    device_id: str
    user_id: str
    created: bool  # false: this device was enrolled before, with the same key


class HealthOut(BaseModel):
    status: str


class PublisherKeyOut(BaseModel):
    key_id: str
    public_key: str


class PublisherKeysOut(BaseModel):
    keys: list[PublisherKeyOut]


class RecordResultOut(BaseModel):
    """What became of one record of an uploaded batch (fields absent when they do not apply)."""

    id: str | None
    status: Literal["stored", "duplicate", "rejected"]
    reason: str | None = None
    detail: str | None = None
    flags: list[str] | None = None


class BatchOut(BaseModel):
    results: list[RecordResultOut]


class RevokedOut(BaseModel):
    serial: str
    at: str  # when it was revoked, ISO 8601 UTC


class RevocationsOut(BaseModel):
    """The issuer's signed revocation list (sync.protocol.certificates.Revocations), served as the
    signed bytes themselves so that any verifier can check the signature."""

    format: str
    issued_at: str
    key_id: str
    revoked: list[RevokedOut]
    signature: str


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
    reason: str | None  # redrawn, over_attempts, over_time, unknown_assessment, ungradable


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
    """sync.protocol.outcomes.Ranking: the place in one's unit, and the unit's among its siblings."""

    unit: str
    rank_in_unit: int
    people_in_unit: int
    unit_rank: int
    units: int  # the sibling units ranked (under the same parent), one's own included
    unit_mean: str | None
    parent: str | None  # the siblings' parent unit's name; null: the top units


class ClassWeightsOut(BaseModel):
    attendance: str
    tests: str
    exam: str


class MissingCourseOut(BaseModel):
    course_id: str
    title: str
    missing: list[str]  # of videos, quizzes, exam


class ClassOut(BaseModel):
    """sync.protocol.outcomes.ClassResult: one training class the person is enrolled in."""

    class_code: str
    name: str
    starts: str
    ends: str
    weights: ClassWeightsOut
    pass_score: str
    attendance: str | None  # 0..100; null: the class has no such component
    tests: str | None
    exam: str | None
    total: str
    passed: bool
    to_pass: str  # points still needed to pass
    missing: list[MissingCourseOut]  # required courses that do not count yet


class ReminderOut(BaseModel):
    """sync.protocol.outcomes.Reminder: behind_target (short, unit) or due_soon / overdue (course_id,
    title, due, days: days left, negative when overdue)."""

    kind: str
    short: str | None = None
    unit: str | None = None
    course_id: str | None = None
    title: str | None = None
    due: str | None = None
    days: int | None = None


class OutcomesOut(BaseModel):
    as_of: str
    courses: list[CourseOutcomeOut]
    year: YearOut
    ranking: RankingOut
    classes: list[ClassOut]
    reminders: list[ReminderOut]


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

