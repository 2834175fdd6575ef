"""The server's grade of every quiz and exam record, from the answer key it holds.

A quiz or exam record carries the learner's answers and the paper's seed; its score and
``passed`` are the client's estimate and are never read here. The server re-creates the paper
from the published (sealed) assessment of the version the record names and compares the
answers in clear with the key the publisher left in its key folder
(``sync.protocol.assessment.grade_authoritative``). The grade is stored once per record
(``attempt_grades``), inside the transaction that stores the record.

An attempt counts as passed only when its grade passed and it carries no reason. Reasons
(stable codes):

- ``unknown_assessment``: the course, its version or the quiz/exam the record names was never
  published here;
- ``ungradable``: the body is not an attempt, the answers do not fit the paper its seed draws,
  or this server holds no answer key for that version;
- ``redrawn``: the PC that submitted the attempt had drawn another paper (another seed) for
  the same attempt number: a paper thrown away to draw a better one (the open attempt deleted
  from the PC's database, or a modified client);
- ``over_attempts``: the person already used every attempt the assessment allows. Attempts are
  numbered by the papers drawn, in the order the server received them, across PCs and
  versions, as the client counts them: each ``paper`` record (signed when a PC draws a new
  attempt's paper) is one attempt, and a submission takes the number of the first paper of
  its PC with its seed not yet submitted, or a new number when there is none (attempts signed
  before papers were recorded). A paper drawn and never submitted is an attempt used.
- ``over_time``: a quiz or exam with a time limit submitted with more time used (the record's
  monotonic ``elapsed_ms``) than its time limit plus ``GRACE_S``.

Services only; no HTTP here. Imports only sync.protocol and the server's own storage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.person_year import forget
from server.publish import answer_key_path
from server.published import Published
from server.storage.tables import attempt_grades, records
from sync.protocol.assessment import (
    EXAM,
    EXAM_ID,
    PAPER_RECORD,
    QUIZ,
    AnswerKey,
    Assessment,
    AttemptBody,
    PaperDrawn,
    grade_authoritative,
)
from sync.protocol.errors import FormatError
from sync.storage.record_table import SIGNED_COLUMNS, record_from_row

GRACE_S = 30
"""Seconds past an exam's time limit still accepted (a slow PC saving the last answer)."""

ATTEMPT_TYPES = (QUIZ, EXAM)

REASON_TEXT = {
    "unknown_assessment": "the quiz or exam (or its course version) was never published here: not graded",
    "ungradable": "the answers cannot be graded against the published paper and its key",
    "redrawn": "another paper was drawn on this PC for the same attempt: this one does not count",
    "over_attempts": "more attempts than the quiz or exam allows: this one does not count",
    "over_time": f"the quiz or exam took longer than its time limit (+{GRACE_S} s): it does not count",
}


class AnswerKeys:
    """The clear answer keys in the server's key folder, read once per course version (never served)."""

    def __init__(self, answer_keys_dir: Path) -> None:
        self.dir = answer_keys_dir
        self._keys: dict[tuple[str, int], AnswerKey | None] = {}

    def get(self, course_id: str, version: int) -> AnswerKey | None:
        found = (course_id, version)
        if found not in self._keys:
            try:
                key = AnswerKey.parse(answer_key_path(self.dir, course_id, version).read_bytes())
                self._keys[found] = key if (key.course_id, key.version) == found else None
            except (OSError, FormatError):
                self._keys[found] = None
        return self._keys[found]


@dataclass(frozen=True, slots=True)
class AttemptGrade:
    """The server's grade of one attempt; ``score`` and ``max_score`` are None when it could not be graded."""

    kind: str
    assessment_id: str | None
    version: int | None
    attempt_no: int
    score: int | None
    max_score: int | None
    passed: bool
    reason: str | None

    @property
    def counts(self) -> bool:
        """Whether the attempt counts as passed."""
        return self.passed and self.reason is None


def _assessment(published: Published, course_id: str | None, kind: str, body: AttemptBody) -> Assessment | None:
    if course_id is None:
        return None
    manifest = published.manifest(course_id, body.version)
    if manifest is None:
        return None
    if kind == EXAM:
        return manifest.exam if body.quiz_id == EXAM_ID else None
    return next((q for q in manifest.quizzes if q.id == body.quiz_id), None)


@dataclass(slots=True)
class _Drawn:
    device_id: str
    seed: int | None
    attempt: int | None  # the number its paper record gave it (None: no paper record)
    submitted: bool


def _number(conn: Connection, rid: int | None, user_id: str, course_id: str | None, kind: str,
             assessment_id: str | None, seed: int | None) -> tuple[int, list[_Drawn], str | None]:
    """The attempt number of the submission stored as ``rid`` (with ``seed``), the papers drawn
    before it and its device (see the module text)."""
    x = records.c
    if course_id is None or assessment_id is None:
        return 1, [], None
    query = (sa.select(x.rid, x.type, x.device_id, x.body)
             .where(x.user_id == user_id, x.course_id == course_id, x.type.in_((PAPER_RECORD, kind)))
             .order_by(x.rid))
    papers: list[_Drawn] = []
    current_device: str | None = None

    def take(device_id: str, found_seed: int | None) -> int:
        for index, drawn in enumerate(papers):
            if not drawn.submitted and drawn.device_id == device_id and drawn.seed == found_seed:
                drawn.submitted = True
                return index
        papers.append(_Drawn(device_id, found_seed, None, True))
        return len(papers) - 1

    for row_rid, row_type, device_id, body_text in conn.execute(query):
        try:
            body = json.loads(body_text)
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        if body.get("quiz_id") != assessment_id:
            continue
        if rid is not None and int(row_rid) == rid:
            current_device = device_id
            continue
        if rid is not None and int(row_rid) > rid:
            break
        if row_type == PAPER_RECORD:
            try:
                drawn = PaperDrawn.from_dict(body)
            except FormatError:
                continue
            papers.append(_Drawn(device_id, drawn.seed, drawn.attempt, False))
        else:
            found = body.get("seed")
            take(device_id, found if isinstance(found, int) and not isinstance(found, bool) else None)
    before = list(papers)
    number = take(current_device or "", seed) + 1 if current_device is not None else len(papers) + 1
    return number, before, current_device


def _redrawn(papers: list[_Drawn], device_id: str | None, attempt: AttemptBody) -> bool:
    """Whether the submitting PC drew another paper for the attempt number this one carries."""
    return any(p.device_id == device_id and p.attempt == attempt.attempt and p.seed != attempt.seed
               for p in papers)


def grade(conn: Connection, published: Published, keys: AnswerKeys, user_id: str, course_id: str | None,
          kind: str, body: Any, rid: int | None = None) -> AttemptGrade:
    """Grade one attempt record's ``body`` (untrusted JSON) against what was published; ``rid``:
    the row the record is stored as (its attempt number counts the papers drawn before it)."""
    try:
        attempt = AttemptBody.from_dict(body)
    except FormatError:
        quiz_id = body.get("quiz_id") if isinstance(body, dict) else None
        assessment_id = quiz_id if isinstance(quiz_id, str) and len(quiz_id) <= 100 else None
        number, _, _ = _number(conn, rid, user_id, course_id, kind, assessment_id, None)
        return AttemptGrade(kind, assessment_id, None, number, None, None, False, "ungradable")
    number, papers, device_id = _number(conn, rid, user_id, course_id, kind, attempt.quiz_id, attempt.seed)
    assessment = _assessment(published, course_id, kind, attempt)
    if assessment is None or course_id is None:
        return AttemptGrade(kind, attempt.quiz_id, attempt.version, number, None, None, False, "unknown_assessment")
    key = keys.get(course_id, attempt.version)
    try:
        if key is None:
            raise FormatError("no_key", f"no answer key for {course_id} v{attempt.version}")
        result = grade_authoritative(key, assessment, attempt)
    except FormatError:
        return AttemptGrade(kind, attempt.quiz_id, attempt.version, number, None, None, False, "ungradable")
    reason = None
    if _redrawn(papers, device_id, attempt):
        reason = "redrawn"
    elif assessment.attempts and number > assessment.attempts:
        reason = "over_attempts"
    elif assessment.time_limit_s and attempt.elapsed_ms > (assessment.time_limit_s + GRACE_S) * 1000:
        reason = "over_time"
    return AttemptGrade(kind, attempt.quiz_id, attempt.version, number, result.score, result.max_score,
                        result.passed, reason)


def store_grade(conn: Connection, rid: int, user_id: str, course_id: str | None, found: AttemptGrade) -> None:
    conn.execute(attempt_grades.insert().values(
        rid=rid, user_id=user_id, course_id=course_id, kind=found.kind, assessment_id=found.assessment_id,
        version=found.version, attempt_no=found.attempt_no, score=found.score, max_score=found.max_score,
        passed=int(found.passed), reason=found.reason))


def grade_record(conn: Connection, published: Published, keys: AnswerKeys, rid: int, user_id: str,
                 course_id: str | None, kind: str, body: Any) -> AttemptGrade:
    """Grade a stored quiz or exam record and store its grade, inside the caller's transaction."""
    found = grade(conn, published, keys, user_id, course_id, kind, body, rid)
    store_grade(conn, rid, user_id, course_id, found)
    return found


_x = records.c
_UNGRADED = (sa.select(*(_x[name] for name in SIGNED_COLUMNS), _x.rid)
             .join_from(records, attempt_grades, attempt_grades.c.rid == _x.rid, isouter=True)
             .where(attempt_grades.c.rid.is_(None), _x.type.in_(ATTEMPT_TYPES)))
_UNGRADED_OF = _UNGRADED.where(_x.user_id == sa.bindparam("user_id"))
_UNGRADED_QUERIES = {(False, False): _UNGRADED, (False, True): _UNGRADED_OF,
                     (True, False): _UNGRADED.order_by(_x.rid), (True, True): _UNGRADED_OF.order_by(_x.rid)}
"""``ungraded``'s statements by (in order, of one person), built once: ingest runs one before every batch."""


def ungraded(user_id: str | None = None, *, in_order: bool = False) -> tuple[sa.Select[Any], dict[str, str]]:
    """Stored quiz and exam records without a grade (``user_id``'s only, when given): signed columns
    and rid (``in_order``: in the order they arrived). The statement, built once, and its parameters."""
    return _UNGRADED_QUERIES[(in_order, bool(user_id))], {"user_id": user_id} if user_id else {}


def grade_missing(conn: Connection, published: Published, keys: AnswerKeys, user_id: str | None = None) -> int:
    """Grade the stored attempts that have no grade yet (stored before the server graded, or
    through a path that did not grade), in the order they arrived. Inside the caller's transaction."""
    query, params = ungraded(user_id, in_order=True)
    rows = conn.execute(query, params).all()
    people = set()
    for row in rows:
        r = record_from_row(row)
        grade_record(conn, published, keys, int(row[-1]), r.user_id, r.course_id, r.type, dict(r.body))
        people.add(r.user_id)
    if people:
        forget(conn, people)  # their stored years are worked out again in full
    return len(rows)


def grades_by_record(conn: Connection, user_id: str) -> dict[int, AttemptGrade]:
    """The person's stored grades by record row (rid)."""
    g = attempt_grades.c
    rows = conn.execute(sa.select(g.rid, g.kind, g.assessment_id, g.version, g.attempt_no, g.score, g.max_score,
                                  g.passed, g.reason).where(g.user_id == user_id))
    return {int(rid): AttemptGrade(kind, aid, version, int(number), score, top, bool(passed), reason)
            for rid, kind, aid, version, number, score, top, passed, reason in rows}
