"""The paper of one attempt: the seeded draw from an assessment's bank.

``draw_paper(assessment, seed)`` is a pure function of the assessment and a seed (an integer
in 0..2^53-1 the client draws per attempt and records), so the server re-creates the paper of
any attempt. The randomness is a stream of 64-bit big-endian words: block ``k`` is
sha256(b"studydesk-paper\\0" + canonical_bytes_v2([assessment id, seed, k])), cut into four
words in order. ``below(n)`` takes the next word w, skips it while w >= 2^64 - (2^64 mod n),
and returns w mod n. A shuffle of a list of length m is Fisher-Yates from the end: for i from
m-1 down to 1, swap item i with item below(i + 1). The paper shuffles the bank's indices
and keeps the first ``draw_count``; then, in paper order, each drawn choice question's
option indices are shuffled when ``shuffle_options`` is set.

Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sync.protocol.assessment.model import _ID, CHOICE_KINDS, Assessment, _is_int
from sync.protocol.canonical import MAX_SAFE_INTEGER, canonical_bytes_v2
from sync.protocol.errors import FormatError


def new_seed() -> int:
    """A fresh seed for one attempt's paper."""
    return secrets.randbelow(MAX_SAFE_INTEGER + 1)


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



MAX_ATTEMPT_NUMBER = 10_000
"""The highest attempt number a record may carry."""


# -- the drawn paper's record -----------------------------------------------------------------
PAPER_RECORD = "paper"
"""The record type a PC signs when it draws the paper of a new attempt, before showing it."""


@dataclass(frozen=True, slots=True)
class PaperDrawn:
    """The body of a ``paper`` record: which attempt of which quiz or exam drew which seed.

    A drawn paper is an attempt used, submitted or not: the server counts attempts by the papers
    drawn and refuses a submission whose attempt number already drew another paper on the same
    PC (a paper thrown away to draw a better one). Integers only (v2)."""

    quiz_id: str
    version: int
    attempt: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return {"quiz_id": self.quiz_id, "version": self.version, "attempt": self.attempt, "seed": self.seed}

    @classmethod
    def from_dict(cls, obj: Any) -> PaperDrawn:
        """A body from an untrusted record; FormatError("bad_field") when it is not one."""
        if not isinstance(obj, dict) or set(obj) != {"quiz_id", "version", "attempt", "seed"}:
            raise FormatError("bad_field", "paper: the body's fields must be exactly attempt, quiz_id, seed, version")
        quiz_id, version, attempt = obj["quiz_id"], obj["version"], obj["attempt"]
        if not isinstance(quiz_id, str) or not _ID.match(quiz_id):
            raise FormatError("bad_field", "paper: quiz_id is not a valid id")
        if not _is_int(version) or not 1 <= version <= MAX_SAFE_INTEGER:
            raise FormatError("bad_field", "paper: version must be a whole number from 1")
        if not _is_int(attempt) or not 1 <= attempt <= MAX_ATTEMPT_NUMBER:
            raise FormatError("bad_field", f"paper: attempt must be a whole number from 1 to {MAX_ATTEMPT_NUMBER}")
        return cls(quiz_id, version, attempt, _check_seed(obj["seed"]))
