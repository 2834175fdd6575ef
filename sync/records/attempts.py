"""Quiz and exam attempts on this PC: the exam clock, the open attempt kept across crashes, and
the signed record every attempt ends in.

An attempt starts with a random seed (the paper drawn from the bank is ``draw_paper(assessment,
seed)``, so the same seed gives the same paper on the server and after a restart here). While it
is open, ``open_attempts`` keeps its seed, the answers so far and the time used; the exam window
saves that every few seconds and at every answer. Submitting signs the attempt's record into
the outbox AND removes the open row in ONE transaction (``Outbox.append(..., also=...)``), so an
attempt is either open or signed, never both, never lost.

Time: ``ExamClock`` counts on the monotonic clock (``time.monotonic``), so changing the PC's
clock changes nothing. Time away does not count: after a crash, a kill or a power cut the attempt
resumes with the time it had used at its last save (at most ``CHECKPOINT_S`` more is given back),
because a PC that lost power is not the learner's doing. The record carries the time used and how
many times the attempt was resumed, so the server sees both.

A new attempt's paper is signed into the outbox (a ``paper`` record: attempt number and seed)
in the transaction that opens it, before the paper is shown. Attempts used are counted from the
papers drawn (and from submitted attempts signed before papers were recorded; refused records do
not count), so deleting the open attempt to draw another paper uses an attempt here, and the
server, which counts the same way, refuses a second paper drawn for the same attempt number.

The final exam opens once every lesson is completed and
every required quiz passed (``exam_missing`` says what is left).

The score an attempt's record carries is this PC's estimate. The server grades every attempt
itself; its transcript gives the grade of each record it graded (``store_server_grades``), and
that grade stands: ``graded_attempts`` shows both and whether they differ, and a record the server
graded as not passed does not count as passed here either (``sync.records.outbox.passed_assessments``).
Not thread-safe: one connection per thread (the client's SQLite lane).
Must not import Qt, client/, player/ (except its pure kernel) or server/.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sync.protocol.assessment import EXAM, PAPER_RECORD, QUIZ, PaperDrawn, new_seed
from sync.protocol.errors import FormatError
from sync.protocol.records import V2, utc_now
from sync.storage.sqlite import transaction

if TYPE_CHECKING:
    from sync.protocol.assessment import Assessment
    from sync.protocol.manifest import Manifest
    from sync.protocol.records import Record
    from sync.records.outbox import Outbox
    from sync.records.progress import LessonProgress

CHECKPOINT_S = 5.0
"""An open exam attempt is saved at least this often (and at every answer)."""

class ExamClock:
    """The time one attempt has used, in milliseconds: what it had used before this run plus the
    monotonic time since ``start``. ``limit_s`` is the time allowed (None: no limit). Any thread;
    holds no lock (one owner)."""

    def __init__(self, limit_s: float | None, used_before_ms: int = 0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if used_before_ms < 0:
            raise ValueError("used_before_ms must be >= 0")
        self.limit_s = limit_s
        self._before_ms = used_before_ms
        self._clock = clock
        self._started: float | None = None

    def start(self) -> None:
        if self._started is None:
            self._started = self._clock()

    def stop(self) -> None:
        """Freeze the time used (the attempt was submitted)."""
        self._before_ms = self.used_ms
        self._started = None

    @property
    def running(self) -> bool:
        return self._started is not None

    @property
    def used_ms(self) -> int:
        run_s = max(0.0, self._clock() - self._started) if self._started is not None else 0.0
        used = self._before_ms + int(run_s * 1000)
        if self.limit_s is not None:
            used = min(used, int(self.limit_s * 1000))
        return used

    @property
    def remaining_s(self) -> float | None:
        if self.limit_s is None:
            return None
        return max(0.0, self.limit_s - self.used_ms / 1000)

    @property
    def expired(self) -> bool:
        remaining = self.remaining_s
        return remaining is not None and remaining <= 0


@dataclass(frozen=True, slots=True)
class OpenAttempt:
    """One attempt under way: the paper's seed, the answers so far (question id -> answer as the
    question kind holds it) and the time used before this run."""

    course_id: str
    assessment_id: str  # the quiz's id, or "exam"
    kind: str  # QUIZ or EXAM
    attempt_id: str
    seed: int
    answers: Mapping[str, Any] = field(default_factory=dict)
    used_ms: int = 0
    resumes: int = 0  # how many times it was taken up again after the app stopped
    started_at: str = ""

    def with_answer(self, question_id: str, answer: Any) -> OpenAttempt:
        answers = dict(self.answers)
        if answer is None:
            answers.pop(question_id, None)
        else:
            answers[question_id] = answer
        return replace(self, answers=answers)


def _row(row: sqlite3.Row) -> OpenAttempt:
    answers = json.loads(row["answers"])
    if not isinstance(answers, dict):
        raise FormatError("bad_field", "an open attempt's answers are not an object")
    return OpenAttempt(row["course_id"], row["assessment_id"], row["kind"], row["attempt_id"], int(row["seed"]),
                       answers, int(row["elapsed_ms"]), int(row["resumes"]), row["started_at"])


def open_attempt(conn: sqlite3.Connection, course_id: str, assessment_id: str) -> OpenAttempt | None:
    row = conn.execute("SELECT * FROM open_attempts WHERE course_id = ? AND assessment_id = ?",
                       (course_id, assessment_id)).fetchone()
    return _row(row) if row is not None else None


def start_attempt(conn: sqlite3.Connection, course_id: str, assessment_id: str, kind: str,
                  seed: int | None = None, *, outbox: Outbox | None = None, lesson_id: str | None = None,
                  version: int = 1, number: int = 1) -> OpenAttempt:
    """Open a new attempt (a fresh seed), or take up the one already open (counted as resumed).

    With ``outbox`` (whose connection ``conn`` is), a new attempt's paper is signed into it as a
    ``paper`` record (attempt ``number`` of course ``version``, the quiz's ``lesson_id``) in the
    same transaction that opens it: a paper drawn is an attempt used, even if the open row is lost."""
    if kind not in (QUIZ, EXAM):
        raise ValueError(f"kind must be {QUIZ} or {EXAM}")
    now = utc_now()
    with transaction(conn):
        found = open_attempt(conn, course_id, assessment_id)
        if found is not None:
            conn.execute("UPDATE open_attempts SET resumes = resumes + 1, updated_at = ? "
                         "WHERE course_id = ? AND assessment_id = ?", (now, course_id, assessment_id))
            return replace(found, resumes=found.resumes + 1)
    attempt = OpenAttempt(course_id, assessment_id, kind, str(uuid.uuid4()),
                          new_seed() if seed is None else seed, {}, 0, 0, now)

    def insert(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO open_attempts (course_id, assessment_id, kind, attempt_id, seed, answers, "
                  "elapsed_ms, resumes, started_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                  (course_id, assessment_id, kind, attempt.attempt_id, attempt.seed, "{}", 0, 0, now, now))

    if outbox is None:
        with transaction(conn):
            insert(conn)
    else:
        drawn = PaperDrawn(assessment_id, version, number, attempt.seed)
        outbox.append(PAPER_RECORD, course_id, lesson_id, drawn.to_dict(), also=insert, v=V2)
    return attempt


def save_attempt(conn: sqlite3.Connection, attempt: OpenAttempt) -> None:
    """Checkpoint the answers and the time used. The time never goes down (a late save of an
    older state cannot give time back); an attempt already submitted is not brought back."""
    with transaction(conn):
        conn.execute(
            "UPDATE open_attempts SET answers = ?, elapsed_ms = MAX(elapsed_ms, ?), updated_at = ? "
            "WHERE attempt_id = ?",
            (json.dumps(dict(attempt.answers), ensure_ascii=False, sort_keys=True), int(attempt.used_ms),
             utc_now(), attempt.attempt_id))


def submit_attempt(outbox: Outbox, attempt: OpenAttempt, lesson_id: str | None, body: dict[str, Any]) -> Record:
    """Sign the attempt's record (type quiz or exam, protocol v2, ``body`` as the assessment
    model's ``AttemptBody.to_dict()`` writes it) and close the open attempt, in one transaction."""

    def close(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM open_attempts WHERE attempt_id = ?", (attempt.attempt_id,))

    return outbox.append(attempt.kind, attempt.course_id, lesson_id, body, also=close, v=V2)


def attempts_used(conn: sqlite3.Connection, course_id: str, assessment_id: str, kind: str) -> int:
    """Attempts this person has used: the papers drawn (``paper`` records), the submitted attempts
    whose paper was not recorded (signed before papers were), and the one open now if its paper
    was not recorded; records the server refused do not count."""
    rows = conn.execute(
        "SELECT r.type, r.lesson_id, r.body FROM outbox_records r LEFT JOIN outbox_delivery d ON d.record_id = r.id "
        "WHERE r.type IN (?, ?) AND r.course_id = ? AND d.state IS NOT 'rejected'",
        (kind, PAPER_RECORD, course_id)).fetchall()
    drawn: set[int] = set()
    submitted: list[Any] = []
    for record_type, lesson_id, body_text in rows:
        if (kind == EXAM and record_type == kind) or _quiz_of(lesson_id, body_text) == assessment_id:
            seed = _seed_of(body_text)
            if record_type == PAPER_RECORD:
                if seed is not None:
                    drawn.add(seed)
            else:
                submitted.append(seed)
    used = len(drawn) + sum(1 for seed in submitted if seed not in drawn)
    found = open_attempt(conn, course_id, assessment_id)
    return used + (1 if found is not None and found.seed not in drawn else 0)


def exam_missing(manifest: Manifest, progress: Mapping[str, LessonProgress],
                 passed: set[str] | frozenset[str]) -> list[tuple[str, str]]:
    """What stands between this person and the course's final exam, in course order:
    ("lesson", id) for each lesson not completed, ("quiz", id) for each required quiz not passed
    (``passed`` names passed quizzes ``quiz:<id>``, as ``passed_assessments`` does). Empty: the
    exam is open."""
    by_lesson: dict[str | None, list[Assessment]] = {}
    for quiz in manifest.quizzes:
        by_lesson.setdefault(quiz.lesson, []).append(quiz)
    missing: list[tuple[str, str]] = []
    for entry in manifest.lessons:
        lesson = progress.get(entry.id)
        if lesson is None or not lesson.completed:
            missing.append(("lesson", entry.id))
        missing += [("quiz", q.id) for q in by_lesson.pop(entry.id, []) if q.required and q.name not in passed]
    missing += [("quiz", q.id) for rest in by_lesson.values() for q in rest if q.required and q.name not in passed]
    return missing


@dataclass(frozen=True, slots=True)
class GradedAttempt:
    """One submitted attempt: this PC's score and, once synced and graded, the server's."""

    record_id: str
    assessment_id: str
    created_at: str
    score: int
    max_score: int
    passed: bool
    server: tuple[int, int, bool] | None = None  # the server's (score, max score, passed)

    @property
    def differs(self) -> bool:
        return self.server is not None and self.server != (self.score, self.max_score, self.passed)

    @property
    def final_passed(self) -> bool:
        """Passed by the grade that counts: the server's when it graded, else this PC's."""
        return self.server[2] if self.server is not None else self.passed


def store_server_grades(conn: sqlite3.Connection, transcript: Mapping[str, Any]) -> int:
    """Keep the grades the server's transcript gives (its courses' ``quizzes`` and ``exams``
    entries with ``graded: true``, their ``record_id``, ``score``, ``max_score`` and ``passed``);
    entries without a grade or not about one of this profile's records are passed over. Returns
    how many were stored."""
    entries = []
    courses = transcript.get("courses")
    for course in courses if isinstance(courses, list) else []:
        if isinstance(course, dict):
            for key in ("quizzes", "exams"):
                found = course.get(key)
                entries += [e for e in (found if isinstance(found, list) else []) if isinstance(e, dict)]
    now = utc_now()
    stored = 0
    with transaction(conn):
        for e in entries:
            rid, score, top, passed = e.get("record_id"), e.get("score"), e.get("max_score"), e.get("passed")
            if (e.get("graded") is not True or not isinstance(rid, str) or not isinstance(passed, bool)
                    or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (score, top))):
                continue
            if conn.execute("SELECT 1 FROM outbox_records WHERE id = ?", (rid,)).fetchone() is None:
                continue
            conn.execute("INSERT INTO server_grades (record_id, score, max_score, passed, updated_at) "
                         "VALUES (?,?,?,?,?) ON CONFLICT (record_id) DO UPDATE SET score = excluded.score, "
                         "max_score = excluded.max_score, passed = excluded.passed, updated_at = excluded.updated_at",
                         (rid, score, top, int(passed), now))
            stored += 1
    return stored


def awaiting_grades(conn: sqlite3.Connection) -> int:
    """Quiz and exam records the server acknowledged but whose grade this PC has not seen yet."""
    row = conn.execute(
        "SELECT COUNT(*) FROM outbox_records r JOIN outbox_delivery d ON d.record_id = r.id "
        "LEFT JOIN server_grades g ON g.record_id = r.id "
        "WHERE r.type IN ('quiz', 'exam') AND d.state = 'acked' AND g.record_id IS NULL").fetchone()
    return int(row[0])


def graded_attempts(conn: sqlite3.Connection, course_id: str) -> list[GradedAttempt]:
    """Every submitted quiz and exam attempt of one course, oldest first, with the server's grade
    where it has one (refused records left out)."""
    rows = conn.execute(
        "SELECT r.id, r.lesson_id, r.body, r.created_at, g.score, g.max_score, g.passed FROM outbox_records r "
        "LEFT JOIN outbox_delivery d ON d.record_id = r.id LEFT JOIN server_grades g ON g.record_id = r.id "
        "WHERE r.type IN ('quiz', 'exam') AND r.course_id = ? AND d.state IS NOT 'rejected' "
        "ORDER BY r.created_at, r.seq", (course_id,)).fetchall()
    out = []
    for rid, lesson_id, body_text, created_at, g_score, g_max, g_passed in rows:
        body = json.loads(body_text)
        if not isinstance(body, dict):
            continue
        name = _quiz_of(lesson_id, body_text) or ""
        score, top = body.get("score"), body.get("max_score")
        server = (int(g_score), int(g_max), bool(g_passed)) if g_score is not None else None
        out.append(GradedAttempt(rid, name, created_at, score if isinstance(score, int) else 0,
                                 top if isinstance(top, int) else 0, body.get("passed") is True, server))
    return out


def _seed_of(body_text: str) -> int | None:
    body = json.loads(body_text)
    seed = body.get("seed") if isinstance(body, dict) else None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def _quiz_of(lesson_id: str | None, body_text: str) -> str | None:
    body = json.loads(body_text)
    name = body.get("quiz_id") if isinstance(body, dict) else None
    return name if isinstance(name, str) else lesson_id
