"""One question of a paper, on a page of its own: its text in large type, then its choices
(round buttons for one answer, boxes for several, 对/错 for true or false, a line to type in for
each blank), each reachable with the keyboard: Tab and the arrow keys, or the digit keys 1-9 for
the choices in the order shown.

Choices show in the paper's order for this attempt; the answer is kept in the form the
assessment model grades, with the options' published indices: one index for a single choice,
the sorted indices for a multiple choice, True/False, or one text per blank (None when not
answered). GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from client.widgets.assessment_text import choice_label, kind_hint
from sync.protocol.assessment import FILL, MAX_ANSWER_CHARS, MULTIPLE, TRUE_FALSE, PaperItem, Question


class QuestionView(QWidget):
    """One question and its answer widgets. GUI thread only."""

    answered = Signal(str, object)  # question id, the answer (None: cleared)

    def __init__(self, question: Question, item: PaperItem, number: int, total: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self._number, self._total = number, total
        # the option index behind each button, in the order shown
        self.order: tuple[int, ...] = item.option_order or tuple(range(len(question.options)))
        self.buttons: list[QAbstractButton] = []
        self.lines: list[QLineEdit] = []
        self._group = QButtonGroup(self)
        self._group.setExclusive(question.kind != MULTIPLE)
        self.counter = QLabel(self)
        self.counter.setProperty("role", "muted")
        self.hint = QLabel(self)
        self.hint.setProperty("role", "muted")
        self.text = QLabel(question.text, self)
        self.text.setWordWrap(True)
        self.text.setProperty("role", "h2")  # large readable text
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout = QVBoxLayout(self)
        layout.addWidget(self.counter)
        layout.addWidget(self.text)
        layout.addWidget(self.hint)
        layout.addSpacing(self.fontMetrics().height() // 2)
        if question.kind == FILL:
            for _blank in range(question.blanks):
                line = QLineEdit(self)
                line.setObjectName("blank")
                line.setMaxLength(MAX_ANSWER_CHARS)
                line.textChanged.connect(lambda _t: self._emit())
                layout.addWidget(line)
                self.lines.append(line)
        else:
            for index in range(len(self._choices())):
                button: QAbstractButton = QCheckBox(self) if question.kind == MULTIPLE else QRadioButton(self)
                button.setProperty("role", "choice")
                self._group.addButton(button, index)
                self.buttons.append(button)
                layout.addWidget(button)
            self._group.idToggled.connect(lambda _i, _on: self._emit())
        layout.addStretch(1)
        self.retranslate()

    def _choices(self) -> list[str]:
        """The choices' texts in the order shown."""
        if self.question.kind == TRUE_FALSE:
            return [self.tr("True"), self.tr("False")]
        return [self.question.options[i] for i in self.order]

    def retranslate(self) -> None:
        self.counter.setText(self.tr("Question %1 of %2").replace("%1", str(self._number))
                             .replace("%2", str(self._total)))
        self.hint.setText(kind_hint(self.question.kind))
        for index, (button, text) in enumerate(zip(self.buttons, self._choices(), strict=True)):
            button.setText(choice_label(index, text, self.question.kind))
        for number, line in enumerate(self.lines, start=1):
            line.setPlaceholderText(self.tr("Blank %1: type your answer here").replace("%1", str(number))
                                    if len(self.lines) > 1 else self.tr("Type your answer here"))

    def answer(self) -> Any:
        """The answer as the model grades it, or None when nothing is chosen or typed."""
        kind = self.question.kind
        if kind == FILL:
            texts = [line.text().strip() for line in self.lines]
            return texts if any(texts) else None
        shown = [i for i, b in enumerate(self.buttons) if b.isChecked()]
        if not shown:
            return None
        if kind == TRUE_FALSE:
            return shown[0] == 0
        chosen = sorted(self.order[i] for i in shown)
        return chosen if kind == MULTIPLE else chosen[0]

    def set_answer(self, answer: Any) -> None:
        """Show a saved answer (a resumed attempt) without announcing it as new."""
        self.blockSignals(True)
        try:
            kind = self.question.kind
            if kind == FILL:
                texts = answer if isinstance(answer, list) else []
                for number, line in enumerate(self.lines):
                    text = texts[number] if number < len(texts) else ""
                    line.setText(text if isinstance(text, str) else "")
                return
            if kind == TRUE_FALSE:
                shown = set() if not isinstance(answer, bool) else {0 if answer else 1}
            else:
                indices = answer if isinstance(answer, list) else [answer]
                shown = {self.order.index(i) for i in indices
                         if isinstance(i, int) and not isinstance(i, bool) and i in self.order}
            for position, button in enumerate(self.buttons):
                button.setChecked(position in shown)
        finally:
            self.blockSignals(False)

    def focus_first(self) -> None:
        checked = [b for b in self.buttons if b.isChecked()]
        targets: list[QWidget] = [*self.lines[:1], *checked[:1], *self.buttons[:1]]
        if targets:
            targets[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Digit keys pick the choice with that number (toggle it for a multiple choice)."""
        key = event.key()
        if self.buttons and Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            index = key - Qt.Key.Key_1
            if index < len(self.buttons):
                button = self.buttons[index]
                button.setChecked(not button.isChecked() if self.question.kind == MULTIPLE else True)
                button.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return
        super().keyPressEvent(event)

    def _emit(self) -> None:
        self.answered.emit(self.question.id, self.answer())
