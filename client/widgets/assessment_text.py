"""The words quizzes and exams are shown with, shared by the quiz dialog, the exam window and
the course page: choice labels, what each kind of question asks, answers written out, times,
attempts left. GUI thread only (they are translated when called)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication

from sync.protocol.assessment import FILL, MULTIPLE, TRUE_FALSE, Question

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def choice_label(index: int, text: str, kind: str) -> str:
    """"A. text" with the keyboard digit that picks it: "A. text  (1)"."""
    letter = _LETTERS[index] if index < len(_LETTERS) else str(index + 1)
    key = f"  ({index + 1})" if index < 9 and kind != TRUE_FALSE else ""
    return f"{letter}. {text}{key}" if kind != TRUE_FALSE else f"{text}  ({index + 1})"


def kind_hint(kind: str) -> str:
    if kind == MULTIPLE:
        return QCoreApplication.translate("AssessmentText", "Choose every right answer (press 1-9 to tick or untick).")
    if kind == TRUE_FALSE:
        return QCoreApplication.translate("AssessmentText", "True or false? Press 1 for true, 2 for false.")
    if kind == FILL:
        return QCoreApplication.translate("AssessmentText", "Type the missing words.")
    return QCoreApplication.translate("AssessmentText", "Choose one answer (press 1-9).")


def answer_text(question: Question, order: Sequence[int], answer: Any) -> str:
    """An answer written out for the list of mistakes: the letters and texts of the choices as
    this paper showed them (``order``: the option indices in the order shown)."""
    if answer is None or answer == [] or answer == () or answer == "":
        return QCoreApplication.translate("AssessmentText", "(no answer)")
    if question.kind == TRUE_FALSE:
        if answer is True:
            return QCoreApplication.translate("AssessmentText", "True")
        return QCoreApplication.translate("AssessmentText", "False")
    if question.kind == FILL:
        texts = [str(t) for t in answer] if isinstance(answer, list | tuple) else [str(answer)]
        return " / ".join(t or "…" for t in texts)
    indices = sorted(answer) if isinstance(answer, list | tuple) else [answer]
    parts = []
    for index in indices:
        if isinstance(index, int) and index in order:
            position = list(order).index(index)
            parts.append(f"{_LETTERS[position] if position < len(_LETTERS) else position + 1}. "
                         f"{question.options[index]}")
    joiner = QCoreApplication.translate("AssessmentText", "; ")
    return joiner.join(sorted(parts)) or QCoreApplication.translate("AssessmentText", "(no answer)")


def clock_text(seconds: float) -> str:
    """A countdown as 1:05:09 or 04:09."""
    whole = max(0, int(seconds + 0.999))  # 0.2 s left still shows 00:01
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def minutes_text(seconds: float) -> str:
    return QCoreApplication.translate("AssessmentText", "%1 min").replace("%1", str(max(1, round(seconds / 60))))


def attempts_left_text(left: int | None) -> str:
    """None: no limit."""
    if left is None:
        return QCoreApplication.translate("AssessmentText", "You may take it as often as you like.")
    if left <= 0:
        return QCoreApplication.translate("AssessmentText", "No attempts left.")
    return QCoreApplication.translate("AssessmentText", "Attempts left: %1").replace("%1", str(left))
