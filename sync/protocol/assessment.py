"""Quizzes and the final exam: the typed model shared by client and server, the seeded paper
draw, the sealed answer key, offline and authoritative grading, and the attempt record body.

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

The paper
---------
``draw_paper(assessment, seed)`` is a pure function of the assessment and a seed (an integer
in 0..2^53-1 the client draws per attempt and records), so the server re-creates the paper of
any attempt. The randomness is a stream of 64-bit big-endian words: block ``k`` is
sha256(b"studydesk-paper\\0" + canonical_bytes_v2([assessment id, seed, k])), cut into four
words in order. ``below(n)`` takes the next word w, skips it while w >= 2^64 - (2^64 mod n),
and returns w mod n. A shuffle of a list of length m is Fisher-Yates from the end: for i from
m-1 down to 1, swap item i with item below(i + 1). The paper shuffles the bank's indices
and keeps the first ``draw_count``; then, in paper order, each drawn choice question's
option indices are shuffled when ``shuffle_options`` is set.

The sealed key
--------------
The manifest is served to every learner, so it must not carry readable answers; yet the
client scores an attempt at once, offline. Each assessment carries a 32-byte ``salt`` (random
to anyone without the publisher's private key: the publisher derives it from its own
deterministic Ed25519 signature over the assessment, so republishing the same content gives
the same manifest) and each question a ``seal``:

- choice kinds: one digest, HMAC-SHA256 keyed with the salt over the question's context
  (assessment id, question id) and the right answer written as text ("2", "0,3", "true"),
  cut to 128 bits;
- fill: per blank, one digest per accepted text: scrypt (N = 2^cost, r = 8, p = 1; cost 14
  by default, ~16 MiB and tens of milliseconds a guess) of the normalised text, salted with
  the salt and the blank's context, 128 bits.

The client grades by computing the same digest of the learner's answer and comparing.

What a learner with a debugger can learn from the package, and why that is acceptable:

- Choice and true/false answers: everything. The answer space is tiny (at most 2^10 option
  subsets) and the digest is fast, so the right option set is found by trying them all; the
  client itself does this to show the right answers after an attempt. A salted hash cannot
  protect a handful of possibilities, and no offline design can: the client must be able
  to tell right from wrong without the server. It is acceptable because this is what a
  learner could also learn by answering: every attempt is a signed record, the attempts
  allowed are limited and counted by the server, and the server grades each attempt itself
  from its own key; the client's score is only an estimate shown on the spot.
- Fill-in answers: not readable. The digest is a salted, memory-hard hash of the normalised
  text; a learner can only guess candidate texts, each guess costing one scrypt, with no
  precomputed table (salt per assessment, context per blank). A short answer from a small
  vocabulary (a year, a four-character phrase) can be found by a determined guesser given
  hours of CPU; that is the same knowledge as looking it up, and the server still grades it.
- Structure: how many blanks, how many accepted texts each blank has, the points, the bank
  and the draw algorithm (a learner can compute every paper for any seed). Knowing the paper
  in advance helps only as much as knowing the bank, which the package shows anyway.
- The paper is chosen by whoever chooses the seed: a modified client can try seeds until it
  likes the draw. That matters only when ``draw`` takes part of the bank, and every paper
  comes from the same bank; a course that wants every question faced sets ``draw`` to 0.
- Nothing else: the key with answers in clear stays in the server's data folder, outside the
  folder it serves, and never enters a manifest or a response.

What a forged attempt gains: nothing. A record's ``score`` and ``passed`` are the client's
claim; ``grade_authoritative`` re-creates the paper from the recorded seed and grades the
recorded answers against the clear key, ignoring the claim.

The attempt record
------------------
A quiz or exam attempt is a protocol v2 record (integers only) of type ``quiz`` or ``exam``,
its ``lesson_id`` the quiz's lesson (none for the exam), its body an ``AttemptBody``:
``quiz_id``, ``version`` (the manifest version the paper came from), ``attempt`` (1, 2, …),
``seed``, ``answers`` (question id -> answer: int, list of ints, bool or list of texts),
``started_at`` / ``submitted_at`` (ISO 8601 UTC labels), ``elapsed_ms`` (time taken by the
monotonic clock), and the client's ``score`` / ``max_score`` (points) and ``passed``.

Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import secrets
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sync.protocol.canonical import MAX_SAFE_INTEGER, canonical_bytes, canonical_bytes_v2, parse_json_object
from sync.protocol.errors import FormatError
from sync.protocol.json_limits import JsonLimits

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
DEFAULT_COST, MIN_COST, MAX_COST = 14, 10, 16
"""scrypt work factor as log2(N): 2^14 costs ~16 MiB and tens of milliseconds a guess."""
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


def new_seed() -> int:
    """A fresh seed for one attempt's paper."""
    return secrets.randbelow(MAX_SAFE_INTEGER + 1)


# -- the model --------------------------------------------------------------------------------
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
            (_is_int(self.cost) and MIN_COST <= self.cost <= MAX_COST, f"cost must be {MIN_COST} to {MAX_COST}"),
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


# -- the paper --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PaperItem:
    question_id: str
    option_order: tuple[int, ...] = ()  # the question's option indices in the order shown


@dataclass(frozen=True, slots=True)
class Paper:
    assessment_id: str
    seed: int
    items: tuple[PaperItem, ...]

    def question_ids(self) -> tuple[str, ...]:
        return tuple(item.question_id for item in self.items)


class _Stream:
    """The paper's random words (see the module text)."""

    def __init__(self, assessment_id: str, seed: int) -> None:
        self._assessment_id, self._seed = assessment_id, seed
        self._block = 0
        self._words: list[int] = []

    def _next(self) -> int:
        if not self._words:
            digest = hashlib.sha256(b"studydesk-paper\0" + canonical_bytes_v2(
                [self._assessment_id, self._seed, self._block])).digest()
            self._block += 1
            self._words = [int.from_bytes(digest[i:i + 8], "big") for i in (24, 16, 8, 0)]
        return self._words.pop()

    def below(self, n: int) -> int:
        limit = 2**64 - (2**64 % n)
        while (word := self._next()) >= limit:
            pass
        return word % n

    def shuffle(self, m: int) -> list[int]:
        items = list(range(m))
        for i in range(m - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
        return items


def _check_seed(seed: Any) -> int:
    if not _is_int(seed) or not 0 <= seed <= MAX_SAFE_INTEGER:
        raise FormatError("bad_field", "seed must be a whole number from 0 to 2^53 - 1")
    return int(seed)


def draw_paper(assessment: Assessment, seed: int) -> Paper:
    """The paper of the attempt with ``seed``: the same on every machine (see the module text)."""
    stream = _Stream(assessment.id, _check_seed(seed))
    chosen = stream.shuffle(len(assessment.questions))[:assessment.draw_count]
    items = []
    for index in chosen:
        q = assessment.questions[index]
        order: tuple[int, ...] = ()
        if q.kind in CHOICE_KINDS:
            shown = stream.shuffle(len(q.options)) if assessment.shuffle_options else range(len(q.options))
            order = tuple(shown)
        items.append(PaperItem(q.id, order))
    return Paper(assessment.id, seed, tuple(items))


# -- sealing ----------------------------------------------------------------------------------
def _context(assessment_id: str, question_id: str, blank: int) -> bytes:
    return canonical_bytes_v2([assessment_id, question_id, blank])


def _texts(answer: Answer) -> tuple[str, ...]:
    """A fill-in answer (checked by ``Question.check_answer``) as its texts."""
    return cast(tuple[str, ...], answer)


def _accepted(right: RightAnswer) -> tuple[tuple[str, ...], ...]:
    """A fill-in right answer (checked by ``Question.check_right_answer``) as its accepted texts."""
    return cast(tuple[tuple[str, ...], ...], right)


def _choice_text(kind: str, answer: Answer | RightAnswer) -> str:
    if kind == TRUE_FALSE:
        return "true" if answer is True else "false"
    if kind == SINGLE:
        return str(answer)
    return ",".join(str(i) for i in sorted(cast(tuple[int, ...], answer)))


def _choice_digest(salt: bytes, assessment_id: str, q: Question, answer: Answer | RightAnswer) -> str:
    message = b"choice\0" + _context(assessment_id, q.id, 0) + b"\0" + _choice_text(q.kind, answer).encode()
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]


def _blank_digest(salt: bytes, cost: int, assessment_id: str, question_id: str, blank: int, text: str) -> str:
    return hashlib.scrypt(normalise(text).encode("utf-8"), salt=salt + _context(assessment_id, question_id, blank),
                          n=2**cost, r=8, p=1, maxmem=2**28, dklen=16).hex()


def right_answers(assessment: Assessment, right: Mapping[str, Any]) -> dict[str, RightAnswer]:
    """The clear ``right`` answers (question id -> answer) checked against ``assessment`` and in
    their canonical form; FormatError names the assessment and the question (by its place in
    the bank) that is wrong."""
    assessment.check()
    out: dict[str, RightAnswer] = {}
    for number, q in enumerate(assessment.questions, start=1):
        where = f"{assessment.describe()}, question {number}"
        if q.id not in right:
            raise _bad(where, "has no answer")
        out[q.id] = q.check_right_answer(right[q.id], where)
    return out


def seal(assessment: Assessment, right: Mapping[str, RightAnswer], salt: bytes,
         cost: int = DEFAULT_COST) -> Assessment:
    """``assessment`` with its salt and each question's seal, from the clear ``right`` answers
    (question id -> right answer, checked against its question; FormatError names a bad one)."""
    if len(salt) != 32:
        raise ValueError("the salt is 32 bytes")
    base = replace(assessment, salt=salt.hex(), cost=cost)
    checked = right_answers(base, right)
    questions = []
    for q in base.questions:
        r = checked[q.id]
        if q.kind == FILL:
            sealed = tuple(tuple(sorted({_blank_digest(salt, cost, base.id, q.id, i, t) for t in accepted}))
                           for i, accepted in enumerate(_accepted(r)))
        else:
            sealed = ((_choice_digest(salt, base.id, q, r),),)
        questions.append(replace(q, seal=sealed))
    return replace(base, questions=tuple(questions))


# -- the clear key (server only) -------------------------------------------------------------
KEY_FORMAT = 1
KEY_LIMITS = JsonLimits(max_bytes=16 * 1024 * 1024, max_values=2 * 1024 * 1024, max_string_bytes=64 * 1024)


@dataclass(frozen=True, slots=True)
class AnswerKey:
    """The right answers in clear for one published course version: assessment id -> question id
    -> right answer. Written by the publisher into the server's data folder, never served."""

    course_id: str
    version: int
    answers: Mapping[str, Mapping[str, RightAnswer]] = field(default_factory=dict)

    def for_assessment(self, assessment: Assessment) -> Mapping[str, RightAnswer]:
        found = self.answers.get(assessment.id)
        if found is None:
            raise FormatError("no_key", f"{self.course_id} v{self.version}: no key for {assessment.describe()}")
        return found

    def to_bytes(self) -> bytes:
        def plain(value: RightAnswer) -> Any:
            if isinstance(value, tuple):
                return [list(v) if isinstance(v, tuple) else v for v in value]
            return value

        return canonical_bytes({"format": KEY_FORMAT, "course_id": self.course_id, "version": self.version,
                                "answers": {a: {q: plain(r) for q, r in qs.items()} for a, qs in self.answers.items()}})

    @classmethod
    def parse(cls, data: bytes) -> AnswerKey:
        obj = parse_json_object(data, "answer key", KEY_LIMITS)
        if obj.get("format") != KEY_FORMAT:
            raise FormatError("unknown_format", f"answer key format {obj.get('format')!r} is not supported")
        course_id, version, answers = obj.get("course_id"), obj.get("version"), obj.get("answers")
        if (not isinstance(course_id, str) or not isinstance(version, int) or isinstance(version, bool)
                or not isinstance(answers, dict)):
            raise FormatError("bad_field", "answer key: course_id, version and answers are required")

        def right(value: Any) -> RightAnswer:
            if isinstance(value, bool) or _is_int(value):
                return value  # type: ignore[no-any-return]
            if isinstance(value, list) and all(_is_int(v) for v in value):
                return tuple(value)
            if isinstance(value, list) and all(isinstance(v, list) and all(isinstance(t, str) for t in v)
                                               for v in value):
                return tuple(tuple(v) for v in value)
            raise FormatError("bad_field", "answer key: a right answer has an unknown shape")

        if not all(isinstance(qs, dict) for qs in answers.values()):
            raise FormatError("bad_field", "answer key: answers must map assessments to questions")
        return cls(course_id, version, {a: {q: right(r) for q, r in qs.items()} for a, qs in answers.items()})


# -- grading ----------------------------------------------------------------------------------
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


# -- the attempt record body -------------------------------------------------------------------
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
        bounds = {"version": (1, MAX_SAFE_INTEGER), "attempt": (1, 10_000), "elapsed_ms": (0, MAX_ELAPSED_MS),
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
