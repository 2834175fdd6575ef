"""The sealed answer key a package carries (no answer in readable form) and the clear key the
server keeps.

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

Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sync.protocol.assessment.model import (
    FILL,
    SINGLE,
    TRUE_FALSE,
    Answer,
    Assessment,
    Question,
    RightAnswer,
    _bad,
    _is_int,
    normalise,
)
from sync.protocol.canonical import canonical_bytes, canonical_bytes_v2, parse_json_object
from sync.protocol.errors import FormatError
from sync.protocol.json_limits import JsonLimits
from sync.protocol.work_factor import DEFAULT_COST, MAXMEM, P, R


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
                          n=2**cost, r=R, p=P, maxmem=MAXMEM, dklen=16).hex()


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

