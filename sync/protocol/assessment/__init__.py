"""Quizzes and the final exam, by role:

- ``model``: the format (``Assessment``, ``Question``, the question kinds and bounds) and its
  validation;
- ``paper``: the seeded draw of one attempt's paper (``draw_paper``, ``new_seed``);
- ``sealing``: the sealed key a package carries and the clear ``AnswerKey`` the server keeps,
  with what a learner with a debugger can learn from the package and why that is acceptable;
- ``grading``: the PC's grade from the sealed key and the server's from the clear key;
- ``attempt``: the body of the record an attempt ends in.

Every public name is importable from this package as well. Must not import Qt, client/,
player/ or server/.
"""

from sync.protocol.assessment.attempt import (
    MAX_ELAPSED_MS,
    MAX_STAMP_CHARS,
    AttemptBody,
    attempt_body,
)
from sync.protocol.assessment.grading import (
    Grade,
    QuestionResult,
    grade_authoritative,
    grade_offline,
)
from sync.protocol.assessment.model import (
    BLANK_MARK,
    CHOICE_KINDS,
    EXAM,
    EXAM_ID,
    FILL,
    KINDS,
    LETTERS,
    MAX_ALTERNATIVES,
    MAX_ANSWER_CHARS,
    MAX_ATTEMPTS,
    MAX_BLANKS,
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    MAX_POINTS,
    MAX_QUESTIONS,
    MAX_TEXT_CHARS,
    MAX_TIME_LIMIT_S,
    MAX_TITLE_CHARS,
    MULTIPLE,
    QUIZ,
    REVEAL_ALWAYS,
    REVEAL_FINAL,
    REVEAL_NEVER,
    REVEALS,
    SINGLE,
    TRUE_FALSE,
    Answer,
    Assessment,
    Question,
    RightAnswer,
    normalise,
)
from sync.protocol.assessment.paper import (
    MAX_ATTEMPT_NUMBER,
    PAPER_RECORD,
    Paper,
    PaperDrawn,
    PaperItem,
    draw_paper,
    new_seed,
)
from sync.protocol.assessment.sealing import (
    KEY_FORMAT,
    KEY_LIMITS,
    AnswerKey,
    right_answers,
    seal,
)
from sync.protocol.work_factor import DEFAULT_COST, MAX_COST, MIN_COST

__all__ = [
    "BLANK_MARK",
    "CHOICE_KINDS",
    "DEFAULT_COST",
    "EXAM",
    "EXAM_ID",
    "FILL",
    "KEY_FORMAT",
    "KEY_LIMITS",
    "KINDS",
    "LETTERS",
    "MAX_ALTERNATIVES",
    "MAX_ANSWER_CHARS",
    "MAX_ATTEMPTS",
    "MAX_ATTEMPT_NUMBER",
    "MAX_BLANKS",
    "MAX_COST",
    "MAX_ELAPSED_MS",
    "MAX_OPTIONS",
    "MAX_OPTION_CHARS",
    "MAX_POINTS",
    "MAX_QUESTIONS",
    "MAX_STAMP_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_TIME_LIMIT_S",
    "MAX_TITLE_CHARS",
    "MIN_COST",
    "MULTIPLE",
    "PAPER_RECORD",
    "QUIZ",
    "REVEALS",
    "REVEAL_ALWAYS",
    "REVEAL_FINAL",
    "REVEAL_NEVER",
    "SINGLE",
    "TRUE_FALSE",
    "Answer",
    "AnswerKey",
    "Assessment",
    "AttemptBody",
    "Grade",
    "Paper",
    "PaperDrawn",
    "PaperItem",
    "Question",
    "QuestionResult",
    "RightAnswer",
    "attempt_body",
    "draw_paper",
    "grade_authoritative",
    "grade_offline",
    "new_seed",
    "normalise",
    "right_answers",
    "seal",
]
