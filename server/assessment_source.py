"""Quizzes and the exam as course.toml writes them, turned into sealed assessments and the clear key.

::

    [[quizzes]]
    lesson = "lesson-1"          # the lesson it belongs to; its id is the lesson's unless id = "..."
    title = "第一课测验"          # optional
    pass_score = 60              # percent of the paper's points (default 60)
    attempts = 3                 # 0 = unlimited (default)
    draw = 5                     # questions per attempt; 0 = the whole bank (default)
    required = true              # must be passed for the lesson to count (default true)
    reveal = "final"             # right answers shown: "never", "always" (after each attempt),
                                 # "final" (once passed or out of attempts; default)
    time_limit_min = 10          # optional for a quiz
    shuffle_options = true       # default true
    cost = 14                    # scrypt work factor of the fill-in seals, log2 N: 10 to 16 (default 14)
    [[quizzes.questions]]
    id = "q1"                    # optional: q1, q2, … by place
    kind = "single"              # single | multiple | true_false | fill
    text = "..."
    options = ["...", "..."]     # single and multiple: 2 to 10
    answer = "B"                 # single: one letter; multiple: letters, "ACD"; true_false: true/false;
                                 # fill: "text", or one entry per blank, each a text or a list of
                                 # accepted texts: ["1921", ["上海", "上海市"]]
    points = 1                   # default 1

    [exam]                       # the same keys (no lesson, id or required); time_limit_min is required
    [[exam.questions]]

Every error names the assessment and the question by its place: "quiz q2 of lesson l3,
question 4: multiple choice needs at least two right options".

Each assessment's salt is derived from the publisher's own Ed25519 signature (deterministic)
over the course id, the assessment and its answers: unpredictable without the private key, and
the same for the same content, so publishing an unchanged course changes nothing.
Imports only sync/ formats.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace
from typing import Any

from sync.protocol.assessment import (
    EXAM,
    EXAM_ID,
    FILL,
    LETTERS,
    MULTIPLE,
    QUIZ,
    REVEAL_FINAL,
    SINGLE,
    AnswerKey,
    Assessment,
    Question,
    RightAnswer,
    right_answers,
    seal,
)
from sync.protocol.canonical import canonical_bytes
from sync.protocol.errors import FormatError
from sync.protocol.keys import PrivateKey
from sync.protocol.work_factor import DEFAULT_COST, check_cost

_ASSESSMENT_KEYS = {"id", "lesson", "title", "pass_score", "attempts", "draw", "required", "reveal",
                    "time_limit_min", "shuffle_options", "cost", "questions"}
_QUESTION_KEYS = {"id", "kind", "text", "options", "answer", "points"}


@dataclass(frozen=True, slots=True)
class CourseAssessments:
    quizzes: tuple[Assessment, ...]
    exam: Assessment | None
    answers: dict[str, dict[str, RightAnswer]]  # assessment id -> question id -> right answer

    def key(self, course_id: str, version: int) -> AnswerKey:
        return AnswerKey(course_id, version, self.answers)

    @property
    def empty(self) -> bool:
        return not self.quizzes and self.exam is None


def _int(raw: dict[str, Any], key: str, default: int, where: str) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormatError.worded("bad_field", "%(where)s: %(key)s must be a whole number", where=where, key=key)
    return value


def _bool(raw: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise FormatError.worded("bad_field", "%(where)s: %(key)s must be true or false", where=where, key=key)
    return value


def _str(raw: dict[str, Any], key: str, default: str, where: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise FormatError.worded("bad_field", "%(where)s: %(key)s must be text", where=where, key=key)
    return value.strip()


def _letters(answer: Any, options: int, where: str) -> list[int]:
    """A choice answer's letters ("B", "ACD", "A, C") as option indices."""
    if not isinstance(answer, str) or not answer.strip():
        raise FormatError.worded("bad_question", "%(where)s: answer must be the letters of the right options, "
                                 "e.g. \"B\"", where=where)
    letters = [c for c in answer.upper() if c not in ", "]
    shown = LETTERS[:max(1, min(options, len(LETTERS)))]
    for c in letters:
        if c not in shown:
            raise FormatError.worded("bad_question", "%(where)s: answer %(letter)r names no option (the options are "
                                     "%(first)s to %(last)s)", where=where, letter=c, first=shown[0], last=shown[-1])
    return [LETTERS.index(c) for c in letters]


def _question(raw: Any, number: int, where: str) -> tuple[Question, Any]:
    """One [[…questions]] table as a question and its right answer in the model's form."""
    if not isinstance(raw, dict):
        raise FormatError.worded("bad_question", "%(where)s: a question must be a table", where=where)
    unknown = sorted(set(raw) - _QUESTION_KEYS)
    if unknown:
        raise FormatError.worded("bad_question", "%(where)s: unknown keys %(unknown)s", where=where,
                                 unknown=str(unknown))
    kind = _str(raw, "kind", "", where)
    options = raw.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise FormatError.worded("bad_question", "%(where)s: options must be a list of texts", where=where)
    answer = raw.get("answer")
    if answer is None:
        raise FormatError.worded("bad_question", "%(where)s: an answer is required", where=where)
    right: Any = answer
    blanks = 0
    if kind == SINGLE:
        indices = _letters(answer, len(options), where)
        right = indices[0] if len(indices) == 1 else indices
    elif kind == MULTIPLE:
        right = _letters(answer, len(options), where)
    elif kind == FILL:
        entries = [answer] if isinstance(answer, str) else answer
        if not isinstance(entries, list):
            raise FormatError.worded("bad_question", "%(where)s: a fill-in answer is a text or a list, one entry "
                                     "per blank", where=where)
        right = [[e] if isinstance(e, str) else e for e in entries]
        blanks = len(right)
    question = Question(id=_str(raw, "id", f"q{number}", where), kind=kind, text=_str(raw, "text", "", where),
                        options=tuple(o.strip() for o in options), points=_int(raw, "points", 1, where),
                        blanks=blanks)
    question.check(where)
    return question, right


def _assessment(raw: Any, kind: str, where: str, lesson_ids: set[str]) -> tuple[Assessment, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise FormatError.worded("bad_field", "%(where)s must be a table", where=where)
    allowed = _ASSESSMENT_KEYS - ({"id", "lesson", "required"} if kind == EXAM else set())
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise FormatError.worded("bad_field", "%(where)s: unknown keys %(unknown)s", where=where, unknown=str(unknown))
    lesson: str | None = None
    if kind == QUIZ:
        lesson = _str(raw, "lesson", "", where) or None
        if lesson is not None and lesson not in lesson_ids:
            raise FormatError.worded("bad_field", "%(where)s: lesson %(lesson)r is not a lesson of this course",
                                     where=where, lesson=lesson)
        assessment_id = _str(raw, "id", lesson or "", where)
        if not assessment_id:
            raise FormatError.worded("bad_field", "%(where)s: a quiz without a lesson needs an id", where=where)
    else:
        assessment_id = EXAM_ID
    draft = Assessment(kind=kind, id=assessment_id, title=_str(raw, "title", "", where), questions=(), lesson=lesson,
                       draw=_int(raw, "draw", 0, where), pass_score=_int(raw, "pass_score", 60, where),
                       attempts=_int(raw, "attempts", 0, where),
                       time_limit_s=_int(raw, "time_limit_min", 0, where) * 60,
                       required=_bool(raw, "required", True, where), reveal=_str(raw, "reveal", REVEAL_FINAL, where),
                       shuffle_options=_bool(raw, "shuffle_options", True, where))
    where = draft.describe()
    draft = replace(draft, cost=check_cost(raw.get("cost", DEFAULT_COST), where))
    questions = raw.get("questions")
    if not isinstance(questions, list) or not questions:
        raise FormatError.worded("bad_field", "%(where)s: needs [[questions]]", where=where)
    parsed = [_question(q, n, f"{where}, question {n}") for n, q in enumerate(questions, start=1)]
    return replace(draft, questions=tuple(q for q, _ in parsed)), {q.id: right for q, right in parsed}


def _salt(key: PrivateKey, course_id: str, assessment: Assessment, right: dict[str, RightAnswer]) -> bytes:
    signed = key.sign(canonical_bytes(["studydesk assessment salt", course_id, assessment.to_dict(), right]))
    return hashlib.sha256(base64.b64decode(signed)).digest()


def read_assessments(doc: dict[str, Any], course_id: str, lesson_ids: set[str], key: PrivateKey) -> CourseAssessments:
    """course.toml's ``[[quizzes]]`` and ``[exam]``, every question checked, sealed with salts
    derived from ``key``; FormatError names the first bad question."""
    raw_quizzes, raw_exam = doc.get("quizzes", []), doc.get("exam")
    if not isinstance(raw_quizzes, list):
        raise FormatError.worded("bad_field", "course.toml: [[quizzes]] must be a list of tables")
    drafts = [_assessment(q, QUIZ, f"course.toml: quiz {n}", lesson_ids) for n, q in enumerate(raw_quizzes, start=1)]
    if raw_exam is not None:
        drafts.append(_assessment(raw_exam, EXAM, "course.toml: [exam]", lesson_ids))
    seen: set[str] = set()
    sealed: list[Assessment] = []
    answers: dict[str, dict[str, RightAnswer]] = {}
    for draft, raw_right in drafts:
        if draft.id in seen:
            raise FormatError.worded("bad_field", "%(what)s: another quiz has the id %(id)r (give it an id)",
                                     what=draft.describe(), id=draft.id)
        seen.add(draft.id)
        right = right_answers(draft, raw_right)
        sealed.append(seal(draft, right, _salt(key, course_id, draft, right), draft.cost))
        answers[draft.id] = right
    exam = sealed.pop() if raw_exam is not None else None
    return CourseAssessments(tuple(sealed), exam, answers)
