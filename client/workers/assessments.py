"""The quiz dialog's and the exam window's work off the GUI thread: drawing the paper of a new
or resumed attempt, saving the open attempt, grading and signing the submitted one.

Each window owns one ``AttemptHolder``: its profile database connection is opened, used and
closed on the SQLite lane only (one owner per connection). Every function here runs on that
lane and touches no widget. Must not import windows or widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from client.workers.context import ProfileSession
from sync.content.store import ContentStore
from sync.protocol.assessment import Assessment, Grade, Paper, attempt_body, draw_paper
from sync.protocol.errors import SyncError
from sync.protocol.manifest import Manifest
from sync.records.attempts import OpenAttempt

if TYPE_CHECKING:
    from sync.protocol.records import Record
    from sync.records.outbox import Outbox


class AttemptsExhausted(SyncError):
    """Every allowed attempt was used."""


@dataclass(frozen=True, slots=True)
class Sitting:
    """An attempt ready to show: the paper drawn from its seed and how many attempts it is."""

    course_id: str
    assessment: Assessment
    paper: Paper
    attempt: OpenAttempt
    used: int  # attempts used, this one included
    course_title: str = ""
    lesson_title: str = ""  # the lesson a quiz follows ("" for the exam)

    version: int = 1  # the course version the paper comes from


@dataclass(frozen=True, slots=True)
class Outcome:
    """A submitted attempt: the score on this PC and its signed record."""

    grade: Grade
    record: Record
    used: int  # attempts used, this one included


class AttemptHolder:
    """One window's outbox connection, opened and closed on the SQLite lane only."""

    def __init__(self, session: ProfileSession) -> None:
        self._session = session
        self._outbox: Outbox | None = None

    def get(self) -> Outbox:
        if self._outbox is None:
            self._outbox = self._session.outbox()
        return self._outbox

    def close(self) -> None:
        if self._outbox is not None:
            self._outbox.conn.close()
        self._outbox = None


def assessments_of(manifest: Manifest) -> tuple[Assessment, ...]:
    """The course's quizzes, then its exam."""
    return (*manifest.quizzes, *((manifest.exam,) if manifest.exam is not None else ()))


def find_assessment(store: ContentStore, course_id: str, assessment_id: str) -> tuple[Manifest, Assessment]:
    manifest = store.manifest(course_id)
    found = next((a for a in assessments_of(manifest) if a.id == assessment_id), None) if manifest else None
    if manifest is None or found is None:
        raise SyncError("not_found", f"{course_id} has no quiz or exam {assessment_id!r} on this PC")
    return manifest, found


def quiz_after_lesson(store: ContentStore, holder: AttemptHolder, course_id: str, lesson_id: str) -> str | None:
    """SQLite lane: the id of the quiz that follows ``lesson_id``, when it is still to be passed and
    an attempt is left; else None."""
    from sync.records.attempts import attempts_used
    from sync.records.outbox import passed_assessments

    manifest = store.manifest(course_id)
    quiz = next((q for q in manifest.quizzes if q.lesson == lesson_id), None) if manifest else None
    if quiz is None:
        return None
    conn = holder.get().conn
    if quiz.name in passed_assessments(conn).get(course_id, set()):
        return None
    if quiz.attempts_left(attempts_used(conn, course_id, quiz.id, quiz.kind)) == 0:
        return None
    return quiz.id


def begin(store: ContentStore, holder: AttemptHolder, course_id: str, assessment_id: str) -> Sitting:
    """SQLite lane: take up the open attempt (same seed, answers and time used), or open a new one
    when an attempt is left (AttemptsExhausted otherwise)."""
    from sync.records.attempts import attempts_used, open_attempt, start_attempt

    manifest, assessment = find_assessment(store, course_id, assessment_id)
    lesson_title = next((e.title for e in manifest.lessons if e.id == assessment.lesson), "")
    conn = holder.get().conn
    used = attempts_used(conn, course_id, assessment.id, assessment.kind)
    if open_attempt(conn, course_id, assessment.id) is None:
        if assessment.attempts_left(used) == 0:
            raise AttemptsExhausted("attempts_used", f"all {assessment.attempts} attempts used")
        used += 1
    attempt = start_attempt(conn, course_id, assessment.id, assessment.kind, outbox=holder.get(),
                            lesson_id=assessment.lesson, version=manifest.version, number=used)
    return Sitting(course_id, assessment, draw_paper(assessment, attempt.seed), attempt, used, manifest.title,
                   lesson_title, manifest.version)


@dataclass(frozen=True, slots=True)
class Peek:
    """What the exam window says before the exam starts."""

    assessment: Assessment
    course_title: str
    open: OpenAttempt | None  # an attempt left open (interrupted)
    left: int | None  # attempts not used yet, the open one counted as used (None: no limit)


def peek(store: ContentStore, holder: AttemptHolder, course_id: str, assessment_id: str) -> Peek:
    """SQLite lane: the assessment, an attempt left open, and the attempts left."""
    from sync.records.attempts import attempts_used, open_attempt

    manifest, assessment = find_assessment(store, course_id, assessment_id)
    conn = holder.get().conn
    used = attempts_used(conn, course_id, assessment.id, assessment.kind)
    return Peek(assessment, manifest.title, open_attempt(conn, course_id, assessment.id),
                assessment.attempts_left(used))


def checkpoint(holder: AttemptHolder, attempt: OpenAttempt) -> None:
    """SQLite lane: save the open attempt's answers and time used."""
    from sync.records.attempts import save_attempt

    save_attempt(holder.get().conn, attempt)


def submit(holder: AttemptHolder, sitting: Sitting, attempt: OpenAttempt) -> Outcome:
    """SQLite lane: grade on this PC, sign the record (seed, answers, this PC's score, time used)
    and close the attempt, in one transaction."""
    from sync.protocol.records import utc_now
    from sync.records.attempts import submit_attempt

    body, grade = attempt_body(sitting.assessment, sitting.version, sitting.paper, attempt.answers,
                               attempt=sitting.used, started_at=attempt.started_at, submitted_at=utc_now(),
                               elapsed_ms=attempt.used_ms)
    record = submit_attempt(holder.get(), attempt, sitting.assessment.lesson, body.to_dict())
    return Outcome(grade, record, sitting.used)
