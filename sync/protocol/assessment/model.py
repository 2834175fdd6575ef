"""Quizzes and the final exam: the format (the typed model shared by client and server) and
its validation.

An ``Assessment`` is a per-lesson quiz or the course's final exam: a bank of questions, how
many of them one attempt draws, the pass score in percent, the attempts allowed, the time
limit, whether passing it is required, and when the right answers may be shown. Question
kinds:

- ``single``: one right option out of 2-10; a learner answers with the option's index (int).
- ``multiple``: two or more right options; the answer is the set of indices (sorted tuple);
  only exactly the right set scores.
- ``true_false``: no options; the answer is a bool.
- ``fill``: one or more blanks, each marked in the text by ``BLANK_MARK`` (two or more
  underscores) and each with one or more accepted texts; the answer is one text per blank;
  every blank must match. Texts compare after ``normalise`` (NFKC, which also folds
  full-width letters, digits and spaces to half-width; case-fold; trimmed, inner whitespace
  runs as one space).

A question scores its points when entirely right and nothing otherwise. Option indices are
always those of the question as published, whatever order a paper shows them in.

Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sync.protocol.errors import FormatError
from sync.protocol.work_factor import DEFAULT_COST, MAX_COST, MIN_COST, valid_cost

SINGLE, MULTIPLE, TRUE_FALSE, FILL = "single", "multiple", "true_false", "fill"
KINDS = (SINGLE, MULTIPLE, TRUE_FALSE, FILL)
CHOICE_KINDS = (SINGLE, MULTIPLE)
QUIZ, EXAM = "quiz", "exam"
EXAM_ID = "exam"
REVEAL_NEVER, REVEAL_ALWAYS, REVEAL_FINAL = "never", "always", "final"
REVEALS = (REVEAL_NEVER, REVEAL_ALWAYS, REVEAL_FINAL)
"""When the right answers may be shown: never; after each attempt; once passed or out of attempts."""

MAX_QUESTIONS = 200
MAX_OPTIONS = 10
MAX_BLANKS = 10
MAX_ALTERNATIVES = 10
MAX_POINTS = 100
MAX_ATTEMPTS = 100
MAX_TIME_LIMIT_S = 600 * 60
MAX_TEXT_CHARS = 2000
MAX_OPTION_CHARS = 500
MAX_ANSWER_CHARS = 200
MAX_TITLE_CHARS = 200
LETTERS = "ABCDEFGHIJ"

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
BLANK_MARK = re.compile(r"_{2,}|＿+")
"""How a fill-in question's text marks each blank: two or more underscores, or full-width ones."""

Answer = int | bool | tuple[int, ...] | tuple[str, ...]
"""A learner's answer: single -> option index, multiple -> sorted indices, true_false -> bool,
fill -> one text per blank."""
RightAnswer = int | bool | tuple[int, ...] | tuple[tuple[str, ...], ...]
"""A right answer in the clear key: as ``Answer``, except fill -> the accepted texts per blank."""


def _bad(where: str, message: str) -> FormatError:
    return FormatError("bad_question", f"{where}: {message}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def normalise(text: str) -> str:
    """The form a fill-in text is compared in: NFKC (full-width to half-width), case-folded,
    trimmed, inner whitespace runs as one space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: str
    text: str
    options: tuple[str, ...] = ()  # choice kinds only
    points: int = 1
    blanks: int = 0  # fill only: how many blanks (>= 1)
    seal: tuple[tuple[str, ...], ...] = ()
    """Choice kinds and true_false: ((digest,),); fill: per blank, the digests of its accepted texts."""

    def check(self, where: str) -> None:
        """FormatError("bad_question") naming ``where`` unless the question is well formed (the
        right answer aside: see ``check_right_answer``)."""
        if not _ID.match(self.id):
            raise _bad(where, f"id {self.id!r} must be 1-100 letters, digits, '.', '_' or '-'")
        if self.kind not in KINDS:
            raise _bad(where, f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if not self.text.strip() or len(self.text) > MAX_TEXT_CHARS:
            raise _bad(where, f"text is required (at most {MAX_TEXT_CHARS} characters)")
        if not _is_int(self.points) or not 1 <= self.points <= MAX_POINTS:
            raise _bad(where, f"points must be a whole number from 1 to {MAX_POINTS}")
        if self.kind in CHOICE_KINDS:
            self._check_options(where)
        elif self.options:
            raise _bad(where, f"{self.kind} takes no options")
        if self.kind == FILL and not 1 <= self.blanks <= MAX_BLANKS:
            raise _bad(where, f"fill-in-the-blank needs 1 to {MAX_BLANKS} blanks")
        if self.kind == FILL and len(BLANK_MARK.findall(self.text)) != self.blanks:
            raise _bad(where, f"the text marks {len(BLANK_MARK.findall(self.text))} blank(s) with ____ but "
                              f"the answer fills {self.blanks}")
        if self.kind != FILL and self.blanks:
            raise _bad(where, "only fill-in-the-blank has blanks")

    def _check_options(self, where: str) -> None:
        label = "single choice" if self.kind == SINGLE else "multiple choice"
        if not 2 <= len(self.options) <= MAX_OPTIONS:
            raise _bad(where, f"{label} needs 2 to {MAX_OPTIONS} options")
        if any(not o.strip() or len(o) > MAX_OPTION_CHARS for o in self.options):
            raise _bad(where, f"every option needs text (at most {MAX_OPTION_CHARS} characters)")
        if len({normalise(o) for o in self.options}) != len(self.options):
            raise _bad(where, "two options read the same")

    def check_right_answer(self, right: Any, where: str) -> RightAnswer:
        """The right answer in its canonical form (sorted indices, trimmed texts); FormatError
        naming ``where`` when it does not fit the question."""
        if self.kind == SINGLE:
            if not _is_int(right) or not 0 <= right < len(self.options):
                raise _bad(where, "single choice needs exactly one right option")
            return int(right)
        if self.kind == MULTIPLE:
            return self._right_multiple(right, where)
        if self.kind == TRUE_FALSE:
            if not isinstance(right, bool):
                raise _bad(where, "true/false needs answer = true or false")
            return right
        return self._right_fill(right, where)

    def _right_multiple(self, right: Any, where: str) -> tuple[int, ...]:
        if not isinstance(right, tuple | list) or not all(_is_int(i) for i in right):
            raise _bad(where, "multiple choice needs its right options")
        if any(not 0 <= i < len(self.options) for i in right):
            raise _bad(where, "a right option names no option")
        if len(set(right)) < 2:
            raise _bad(where, "multiple choice needs at least two right options")
        if len(set(right)) != len(right):
            raise _bad(where, "a right option is named twice")
        return tuple(sorted(right))

    def _right_fill(self, right: Any, where: str) -> tuple[tuple[str, ...], ...]:
        if not isinstance(right, tuple | list) or len(right) != self.blanks:
            raise _bad(where, f"fill-in-the-blank needs one answer per blank ({self.blanks})")
        out: list[tuple[str, ...]] = []
        for number, accepted in enumerate(right, start=1):
            if not isinstance(accepted, tuple | list) or not 1 <= len(accepted) <= MAX_ALTERNATIVES:
                raise _bad(where, f"blank {number} needs 1 to {MAX_ALTERNATIVES} accepted answers")
            texts = tuple(a.strip() for a in accepted if isinstance(a, str))
            if len(texts) != len(accepted) or any(not normalise(t) or len(t) > MAX_ANSWER_CHARS for t in texts):
                raise _bad(where, f"blank {number} has an empty or over-long answer (at most {MAX_ANSWER_CHARS})")
            out.append(texts)
        return tuple(out)

    def check_answer(self, answer: Any, where: str) -> Answer:
        """A learner's answer in its canonical form; FormatError("bad_answer") when its shape does
        not fit the question (a wrong answer of the right shape is just wrong)."""
        def bad(message: str) -> FormatError:
            return FormatError("bad_answer", f"{where}: {message}")

        if self.kind == SINGLE:
            if not _is_int(answer) or not 0 <= answer < len(self.options):
                raise bad("a single choice answer is one option index")
            return int(answer)
        if self.kind == MULTIPLE:
            if (not isinstance(answer, tuple | list) or not all(_is_int(i) for i in answer)
                    or any(not 0 <= i < len(self.options) for i in answer) or len(set(answer)) != len(answer)):
                raise bad("a multiple choice answer is a list of distinct option indices")
            return tuple(sorted(answer))
        if self.kind == TRUE_FALSE:
            if not isinstance(answer, bool):
                raise bad("a true/false answer is true or false")
            return answer
        if (not isinstance(answer, tuple | list) or len(answer) != self.blanks
                or not all(isinstance(t, str) and len(t) <= MAX_ANSWER_CHARS for t in answer)):
            raise bad(f"a fill-in answer is {self.blanks} text(s) of at most {MAX_ANSWER_CHARS} characters")
        return tuple(answer)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "text": self.text, "points": self.points,
                               "seal": [list(s) for s in self.seal]}
        if self.kind in CHOICE_KINDS:
            out["options"] = list(self.options)
        if self.kind == FILL:
            out["blanks"] = self.blanks
        return out

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> Question:
        """A sealed question as the manifest carries it."""
        if not isinstance(obj, dict):
            raise FormatError("bad_field", f"{where}: a question must be an object")
        unknown = set(obj) - {"id", "kind", "text", "points", "seal", "options", "blanks"}
        if unknown:
            raise FormatError("bad_field", f"{where}: unknown fields {sorted(unknown)}")
        options, blanks, seal = obj.get("options", []), obj.get("blanks", 0), obj.get("seal")
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise FormatError("bad_field", f"{where}: options must be a list of texts")
        if not _is_int(blanks):
            raise FormatError("bad_field", f"{where}: blanks must be a whole number")
        if (not isinstance(seal, list) or not all(isinstance(s, list) for s in seal)
                or not all(isinstance(h, str) and _HEX32.match(h) for s in seal for h in s)):
            raise FormatError("bad_field", f"{where}: seal must be lists of 32-digit hex digests")
        q = cls(id=_text(obj, "id", where), kind=_text(obj, "kind", where), text=_text(obj, "text", where),
                options=tuple(options), points=obj.get("points"),  # type: ignore[arg-type]  # checked below
                blanks=blanks, seal=tuple(tuple(s) for s in seal))
        q.check(where)
        if q.kind == FILL:
            if len(q.seal) != q.blanks or any(not 1 <= len(s) <= MAX_ALTERNATIVES for s in q.seal):
                raise FormatError("bad_field", f"{where}: a fill-in seal holds 1-{MAX_ALTERNATIVES} digests per blank")
        elif len(q.seal) != 1 or len(q.seal[0]) != 1:
            raise FormatError("bad_field", f"{where}: a choice or true/false seal is one digest")
        return q


@dataclass(frozen=True, slots=True)
class Assessment:
    kind: str  # QUIZ or EXAM
    id: str  # a quiz's id (by default its lesson's); EXAM_ID for the exam
    title: str
    questions: tuple[Question, ...]
    lesson: str | None = None  # the lesson a quiz belongs to
    draw: int = 0  # questions per attempt; 0 = the whole bank
    pass_score: int = 60  # percent of the paper's points
    attempts: int = 0  # 0 = unlimited
    time_limit_s: int = 0  # 0 = none (an exam always has one)
    required: bool = True  # must be passed for its lesson (the exam: the course) to count
    reveal: str = REVEAL_FINAL
    shuffle_options: bool = True
    salt: str = ""  # 64 hex digits once sealed
    cost: int = DEFAULT_COST

    @property
    def name(self) -> str:
        """What passing it is called in "my courses": ``quiz:<id>`` or ``exam``."""
        return EXAM_ID if self.kind == EXAM else f"quiz:{self.id}"

    @property
    def draw_count(self) -> int:
        return self.draw or len(self.questions)

    @property
    def sealed(self) -> bool:
        return bool(self.salt) and all(q.seal for q in self.questions)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise FormatError("bad_answer", f"{self.describe()}: no question {question_id!r}")

    def describe(self) -> str:
        """How messages name it: "quiz q2 of lesson l3", "quiz q2", "the exam"."""
        if self.kind == EXAM:
            return "the exam"
        return f"quiz {self.id} of lesson {self.lesson}" if self.lesson else f"quiz {self.id}"

    def check(self) -> None:
        """FormatError naming the assessment (and the question, by its place in the bank) unless well formed."""
        where = self.describe()
        if self.kind not in (QUIZ, EXAM):
            raise FormatError("bad_field", f"{where}: kind must be quiz or exam")
        if not _ID.match(self.id) or (self.kind == EXAM) != (self.id == EXAM_ID):
            raise FormatError("bad_field", f"{where}: id {self.id!r} is not a valid quiz id")
        if self.lesson is not None and (self.kind == EXAM or not _ID.match(self.lesson)):
            raise FormatError("bad_field", f"{where}: lesson {self.lesson!r} is not a valid lesson id")
        if len(self.title) > MAX_TITLE_CHARS:
            raise FormatError("bad_field", f"{where}: the title is longer than {MAX_TITLE_CHARS} characters")
        if not 1 <= len(self.questions) <= MAX_QUESTIONS:
            raise FormatError("bad_field", f"{where}: needs 1 to {MAX_QUESTIONS} questions")
        for number, q in enumerate(self.questions, start=1):
            q.check(f"{where}, question {number}")
        seen: set[str] = set()
        for number, q in enumerate(self.questions, start=1):
            if q.id in seen:
                raise _bad(f"{where}, question {number}", f"id {q.id!r} is used twice")
            seen.add(q.id)
        checks = [
            (_is_int(self.draw) and 0 <= self.draw <= len(self.questions),
             f"draw must be 0 (all) to {len(self.questions)}, the questions in its bank"),
            (_is_int(self.pass_score) and 0 <= self.pass_score <= 100, "pass_score must be a percent from 0 to 100"),
            (_is_int(self.attempts) and 0 <= self.attempts <= MAX_ATTEMPTS,
             f"attempts must be 0 (unlimited) to {MAX_ATTEMPTS}"),
            (_is_int(self.time_limit_s) and 0 <= self.time_limit_s <= MAX_TIME_LIMIT_S,
             f"the time limit must be 0 to {MAX_TIME_LIMIT_S // 60} minutes"),
            (self.kind != EXAM or self.time_limit_s > 0, "the exam needs a time limit"),
            (isinstance(self.required, bool) and isinstance(self.shuffle_options, bool),
             "required and shuffle_options are true or false"),
            (self.reveal in REVEALS, f"reveal must be one of {', '.join(REVEALS)}"),
            (valid_cost(self.cost), f"cost must be {MIN_COST} to {MAX_COST}"),
            (not self.salt or bool(_HEX64.match(self.salt)), "salt must be 64 hex digits"),
        ]
        for ok, message in checks:
            if not ok:
                raise FormatError("bad_field", f"{where}: {message}")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "title": self.title, "lesson": self.lesson, "draw": self.draw,
                "pass_score": self.pass_score, "attempts": self.attempts, "time_limit_s": self.time_limit_s,
                "required": self.required, "reveal": self.reveal, "shuffle_options": self.shuffle_options,
                "salt": self.salt, "cost": self.cost, "questions": [q.to_dict() for q in self.questions]}

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> Assessment:
        """A sealed assessment as the manifest carries it; strict (FormatError names the fault)."""
        if not isinstance(obj, dict):
            raise FormatError("bad_field", f"{where} must be an object")
        expected = {"kind", "id", "title", "lesson", "draw", "pass_score", "attempts", "time_limit_s", "required",
                    "reveal", "shuffle_options", "salt", "cost", "questions"}
        if set(obj) != expected:
            raise FormatError("bad_field", f"{where}: fields must be exactly {sorted(expected)}")
        questions = obj["questions"]
        if not isinstance(questions, list) or len(questions) > MAX_QUESTIONS:
            raise FormatError("bad_field", f"{where}: questions must be a list of at most {MAX_QUESTIONS}")
        lesson = obj["lesson"]
        if lesson is not None and not isinstance(lesson, str):
            raise FormatError("bad_field", f"{where}: lesson must be a lesson id or null")
        for key in ("draw", "pass_score", "attempts", "time_limit_s", "cost"):
            if not _is_int(obj[key]):
                raise FormatError("bad_field", f"{where}: {key} must be a whole number")
        for key in ("required", "shuffle_options"):
            if not isinstance(obj[key], bool):
                raise FormatError("bad_field", f"{where}: {key} must be true or false")
        a = cls(kind=_text(obj, "kind", where), id=_text(obj, "id", where), title=_text(obj, "title", where),
                questions=tuple(Question.from_dict(q, f"{where}, question {i}")
                                for i, q in enumerate(questions, start=1)),
                lesson=lesson, draw=obj["draw"], pass_score=obj["pass_score"], attempts=obj["attempts"],
                time_limit_s=obj["time_limit_s"], required=obj["required"], reveal=_text(obj, "reveal", where),
                shuffle_options=obj["shuffle_options"], salt=_text(obj, "salt", where), cost=obj["cost"])
        a.check()
        if not a.sealed:
            raise FormatError("bad_field", f"{where}: not sealed")
        return a

    # -- attempts and reveal -----------------------------------------------------------------
    def attempts_left(self, used: int) -> int | None:
        """Attempts still allowed after ``used`` (None: unlimited)."""
        return None if self.attempts == 0 else max(0, self.attempts - used)

    def may_reveal(self, passed: bool, used: int) -> bool:
        """Whether the right answers may be shown after ``used`` attempts (``passed``: one passed)."""
        if self.reveal == REVEAL_ALWAYS:
            return True
        if self.reveal == REVEAL_FINAL:
            return passed or self.attempts_left(used) == 0
        return False


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise FormatError("bad_field", f"{where}: {key} must be text")
    return value

