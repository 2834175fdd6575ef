"""The record an attempt ends in: its body, bounded as every reader checks it.

A quiz or exam attempt is a protocol v2 record (integers only) of type ``quiz`` or ``exam``,
its ``lesson_id`` the quiz's lesson (none for the exam), its body an ``AttemptBody``:
``quiz_id``, ``version`` (the manifest version the paper came from), ``attempt`` (1, 2, …),
``seed``, ``answers`` (question id -> answer: int, list of ints, bool or list of texts),
``started_at`` / ``submitted_at`` (ISO 8601 UTC labels), ``elapsed_ms`` (time taken by the
monotonic clock), and the client's ``score`` / ``max_score`` (points) and ``passed``.


Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.protocol.assessment.grading import Grade, _check_answers, grade_offline
from sync.protocol.assessment.model import (
    _ID,
    MAX_ANSWER_CHARS,
    MAX_BLANKS,
    MAX_OPTIONS,
    MAX_POINTS,
    MAX_QUESTIONS,
    Answer,
    Assessment,
    _is_int,
)
from sync.protocol.assessment.paper import MAX_ATTEMPT_NUMBER, Paper, _check_seed
from sync.protocol.canonical import MAX_SAFE_INTEGER
from sync.protocol.errors import FormatError

MAX_STAMP_CHARS = 40
MAX_ELAPSED_MS = 24 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class AttemptBody:
    """The body of a ``quiz`` or ``exam`` record (see the module text); integers only (v2)."""

    quiz_id: str
    version: int
    attempt: int
    seed: int
    answers: Mapping[str, Answer]
    started_at: str
    submitted_at: str
    elapsed_ms: int
    score: int  # the client's grade: a claim the server does not believe
    max_score: int
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"quiz_id": self.quiz_id, "version": self.version, "attempt": self.attempt, "seed": self.seed,
                "answers": {q: list(a) if isinstance(a, tuple) else a for q, a in self.answers.items()},
                "started_at": self.started_at, "submitted_at": self.submitted_at, "elapsed_ms": self.elapsed_ms,
                "score": self.score, "max_score": self.max_score, "passed": self.passed}

    @classmethod
    def from_dict(cls, obj: Any) -> AttemptBody:
        """A body from an untrusted record; FormatError("bad_field") names what is wrong. Answers
        are checked for their shape here and against the questions when graded."""
        if not isinstance(obj, dict):
            raise FormatError("bad_field", "attempt: the body must be an object")
        fields = {"quiz_id", "version", "attempt", "seed", "answers", "started_at", "submitted_at", "elapsed_ms",
                  "score", "max_score", "passed"}
        if set(obj) != fields:
            raise FormatError("bad_field", f"attempt: the body's fields must be exactly {sorted(fields)}")
        if not isinstance(obj["quiz_id"], str) or not _ID.match(obj["quiz_id"]):
            raise FormatError("bad_field", "attempt: quiz_id is not a valid id")
        bounds = {"version": (1, MAX_SAFE_INTEGER), "attempt": (1, MAX_ATTEMPT_NUMBER),
                  "elapsed_ms": (0, MAX_ELAPSED_MS),
                  "score": (0, MAX_POINTS * MAX_QUESTIONS), "max_score": (0, MAX_POINTS * MAX_QUESTIONS)}
        for key, (low, high) in bounds.items():
            if not _is_int(obj[key]) or not low <= obj[key] <= high:
                raise FormatError("bad_field", f"attempt: {key} must be a whole number from {low} to {high}")
        seed = _check_seed(obj["seed"])
        for key in ("started_at", "submitted_at"):
            if not isinstance(obj[key], str) or not 0 < len(obj[key]) <= MAX_STAMP_CHARS:
                raise FormatError("bad_field", f"attempt: {key} must be an ISO 8601 time")
        if not isinstance(obj["passed"], bool):
            raise FormatError("bad_field", "attempt: passed must be true or false")
        answers = obj["answers"]
        if not isinstance(answers, dict) or len(answers) > MAX_QUESTIONS:
            raise FormatError("bad_field", f"attempt: answers must map at most {MAX_QUESTIONS} question ids")
        return cls(quiz_id=obj["quiz_id"], version=obj["version"], attempt=obj["attempt"], seed=seed,
                   answers={q: _answer_shape(q, a) for q, a in answers.items()},
                   started_at=obj["started_at"], submitted_at=obj["submitted_at"], elapsed_ms=obj["elapsed_ms"],
                   score=obj["score"], max_score=obj["max_score"], passed=obj["passed"])


def _answer_shape(question_id: Any, value: Any) -> Answer:
    """One recorded answer as an ``Answer``, bounded; FormatError when it has no answer's shape."""
    if not isinstance(question_id, str) or not _ID.match(question_id):
        raise FormatError("bad_field", "attempt: an answer's question id is not a valid id")
    if isinstance(value, bool) or (_is_int(value) and 0 <= value < MAX_OPTIONS):
        return value  # type: ignore[no-any-return]
    if isinstance(value, list) and len(value) <= MAX_OPTIONS and all(
            _is_int(v) and 0 <= v < MAX_OPTIONS for v in value):
        return tuple(value)
    if isinstance(value, list) and 0 < len(value) <= MAX_BLANKS and all(
            isinstance(v, str) and len(v) <= MAX_ANSWER_CHARS for v in value):
        return tuple(value)
    raise FormatError("bad_field", f"attempt: the answer to {question_id} has no valid shape")


def attempt_body(assessment: Assessment, version: int, paper: Paper, answers: Mapping[str, Any], *, attempt: int,
                 started_at: str, submitted_at: str, elapsed_ms: int) -> tuple[AttemptBody, Grade]:
    """The record body of a submitted attempt with the client's own grade in it, and that grade."""
    grade = grade_offline(assessment, paper, answers)
    checked = _check_answers(assessment, paper, answers)
    body = AttemptBody(quiz_id=assessment.id, version=version, attempt=attempt, seed=paper.seed, answers=checked,
                       started_at=started_at, submitted_at=submitted_at, elapsed_ms=max(0, elapsed_ms),
                       score=grade.score, max_score=grade.max_score, passed=grade.passed)
    AttemptBody.from_dict(body.to_dict())  # the bounds every reader checks
    return body, grade
