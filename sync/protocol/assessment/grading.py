"""Grading an attempt: on the PC from the sealed key (an estimate shown at once) and on the
server from the clear key (the grade that counts).

What a forged attempt gains: nothing. A record's ``score`` and ``passed`` are the client's
claim; ``grade_authoritative`` re-creates the paper from the recorded seed and grades the
recorded answers against the clear key, ignoring the claim.

Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sync.protocol.assessment.model import (
    FILL,
    SINGLE,
    TRUE_FALSE,
    Answer,
    Assessment,
    Question,
    RightAnswer,
    normalise,
)
from sync.protocol.assessment.paper import Paper, draw_paper
from sync.protocol.assessment.sealing import AnswerKey, _accepted, _blank_digest, _choice_digest, _texts
from sync.protocol.errors import FormatError

if TYPE_CHECKING:
    from sync.protocol.assessment.attempt import AttemptBody


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question_id: str
    correct: bool
    points: int  # earned: max_points or 0
    max_points: int
    right: RightAnswer | None = None  # None where the grader cannot know it (fill-in, offline)


@dataclass(frozen=True, slots=True)
class Grade:
    score: int  # points earned
    max_score: int  # points of the paper
    pass_score: int  # percent needed
    results: tuple[QuestionResult, ...]

    @property
    def passed(self) -> bool:
        return self.score * 100 >= self.pass_score * self.max_score

    @property
    def percent(self) -> int:
        """The score in whole percent, rounded down."""
        return self.score * 100 // self.max_score if self.max_score else 0

    def mistakes(self) -> tuple[QuestionResult, ...]:
        return tuple(r for r in self.results if not r.correct)


def _paper_questions(assessment: Assessment, paper: Paper) -> Iterator[Question]:
    if paper != draw_paper(assessment, paper.seed):
        raise FormatError("bad_paper", f"{assessment.describe()}: the paper is not the one its seed draws")
    for item in paper.items:
        yield assessment.question(item.question_id)


def _check_answers(assessment: Assessment, paper: Paper, answers: Mapping[str, Any]) -> dict[str, Answer]:
    on_paper = set(paper.question_ids())
    stray = sorted(set(answers) - on_paper)
    if stray:
        raise FormatError("bad_answer", f"{assessment.describe()}: answers to questions not on the paper: "
                                        f"{', '.join(stray[:5])}")
    return {qid: assessment.question(qid).check_answer(a, f"{assessment.describe()}, question {qid}")
            for qid, a in answers.items()}


def _reveal_choice(salt: bytes, assessment: Assessment, q: Question) -> RightAnswer | None:
    """A choice or true/false answer found by trying every possibility against its seal."""
    candidates: Iterator[RightAnswer]
    if q.kind == TRUE_FALSE:
        candidates = iter((True, False))
    elif q.kind == SINGLE:
        candidates = iter(range(len(q.options)))
    else:
        candidates = (c for k in range(2, len(q.options) + 1)
                      for c in itertools.combinations(range(len(q.options)), k))
    for candidate in candidates:
        if _choice_digest(salt, assessment.id, q, candidate) == q.seal[0][0]:
            return candidate
    return None


def grade_offline(assessment: Assessment, paper: Paper, answers: Mapping[str, Any]) -> Grade:
    """The client's grade of an attempt from the sealed assessment alone: the score, and the
    right answer of each choice and true/false question (fill-in ones it cannot know).
    An unanswered question is wrong; an answer of the wrong shape is FormatError("bad_answer")."""
    if not assessment.sealed:
        raise FormatError("not_sealed", f"{assessment.describe()} has no sealed key")
    checked = _check_answers(assessment, paper, answers)
    salt = bytes.fromhex(assessment.salt)
    results = []
    for q in _paper_questions(assessment, paper):
        answer = checked.get(q.id)
        if q.kind == FILL:
            right: RightAnswer | None = None
            correct = answer is not None and all(
                bool(normalise(text)) and _blank_digest(salt, assessment.cost, assessment.id, q.id, i, text) in accepted
                for i, (text, accepted) in enumerate(zip(_texts(answer), q.seal, strict=True)))
        else:
            right = _reveal_choice(salt, assessment, q)
            correct = answer is not None and _choice_digest(salt, assessment.id, q, answer) == q.seal[0][0]
        results.append(QuestionResult(q.id, correct, q.points if correct else 0, q.points, right))
    return _grade(assessment, results)


def _grade(assessment: Assessment, results: list[QuestionResult]) -> Grade:
    return Grade(sum(r.points for r in results), sum(r.max_points for r in results), assessment.pass_score,
                 tuple(results))


def _right_clear(q: Question, right: RightAnswer, answer: Answer | None) -> bool:
    if answer is None:
        return False
    if q.kind == FILL:
        return all(bool(normalise(text)) and normalise(text) in {normalise(t) for t in accepted}
                   for text, accepted in zip(_texts(answer), _accepted(right), strict=True))
    if q.kind == TRUE_FALSE:
        return answer is right
    return answer == right


def grade_authoritative(key: AnswerKey, assessment: Assessment, body: AttemptBody) -> Grade:
    """The server's grade of a recorded attempt: the paper re-created from its seed, its answers
    compared in clear with the key. The body's own score and ``passed`` are not read."""
    if body.quiz_id != assessment.id:
        raise FormatError("bad_answer", f"the attempt is for {body.quiz_id!r}, not {assessment.describe()}")
    if body.version != key.version:
        raise FormatError("bad_answer", f"the attempt is on version {body.version}, the key is for {key.version}")
    rights = key.for_assessment(assessment)
    paper = draw_paper(assessment, body.seed)
    checked = _check_answers(assessment, paper, body.answers)
    results = []
    for q in _paper_questions(assessment, paper):
        if q.id not in rights:
            raise FormatError("no_key", f"{assessment.describe()}: no key for question {q.id!r}")
        right = q.check_right_answer(rights[q.id], f"{assessment.describe()}, question {q.id}")
        correct = _right_clear(q, right, checked.get(q.id))
        results.append(QuestionResult(q.id, correct, q.points if correct else 0, q.points, right))
    return _grade(assessment, results)

