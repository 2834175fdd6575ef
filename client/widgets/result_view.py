"""The result of a submitted quiz or exam: passed or not, the score against the pass mark, the
attempts left, then the mistakes with the right answers when the assessment's reveal policy
allows (else why they are not shown). GUI thread only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from client.widgets.assessment_text import answer_text, attempts_left_text
from sync.protocol.assessment import FILL, REVEAL_FINAL, Assessment, Grade, Paper


class ResultView(QWidget):
    """Score, attempts left and mistakes of one submitted attempt. GUI thread only."""

    retake_clicked = Signal()
    close_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verdict = QLabel(self)
        self.score = QLabel(self)
        self.score.setWordWrap(True)
        self.score.setProperty("role", "h3")
        self.attempts = QLabel(self)
        self.attempts.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setProperty("role", "muted")
        self.mistakes_title = QLabel(self)
        self.mistakes_title.setProperty("role", "h3")
        self._mistakes = QWidget()
        self._mistakes_layout = QVBoxLayout(self._mistakes)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._mistakes)
        self.retake_button = QPushButton(self)
        self.retake_button.setObjectName("retake")
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("close")
        self.close_button.setProperty("role", "primary")
        self.retake_button.clicked.connect(self.retake_clicked)
        self.close_button.clicked.connect(self.close_clicked)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.retake_button)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        for widget in (self.verdict, self.score, self.attempts, self.note, self.mistakes_title):
            layout.addWidget(widget)
        layout.addWidget(scroll, 1)
        layout.addLayout(row)
        self.mistake_labels: list[QLabel] = []
        self.revealed = False

    def show_result(self, assessment: Assessment, paper: Paper, answers: Mapping[str, Any], grade: Grade,
                    used: int, note: str = "") -> None:
        """Fill in one attempt's result (``used``: attempts used, this one included); ``note`` adds a
        line (the exam's word on the server grade)."""
        left = assessment.attempts_left(used)
        self.verdict.setText(self.tr("Passed") if grade.passed else self.tr("Not passed"))
        self.verdict.setProperty("role", "done" if grade.passed else "big")
        self.verdict.style().unpolish(self.verdict)
        self.verdict.style().polish(self.verdict)
        self.score.setText(self.tr("Your score: %1 of %2 (%3%). The pass mark is %4%.")
                           .replace("%1", f"{grade.score:g}").replace("%2", f"{grade.max_score:g}")
                           .replace("%3", str(grade.percent)).replace("%4", str(assessment.pass_score)))
        self.attempts.setText("" if grade.passed else attempts_left_text(left))
        self.attempts.setVisible(not grade.passed)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.retake_button.setText(self.tr("Take it again"))
        self.retake_button.setVisible(not grade.passed and (left is None or left > 0))
        self.close_button.setText(self.tr("Close"))
        self._show_mistakes(assessment, paper, answers, grade, used)
        self.close_button.setFocus()

    def _show_mistakes(self, assessment: Assessment, paper: Paper, answers: Mapping[str, Any], grade: Grade,
                       used: int) -> None:
        while (old := self._mistakes_layout.takeAt(0)) is not None:
            if (widget := old.widget()) is not None:
                widget.deleteLater()
        self.mistake_labels.clear()
        wrong = [(n, item, r) for n, (item, r) in enumerate(zip(paper.items, grade.results, strict=True), start=1)
                 if not r.correct]
        self.revealed = assessment.may_reveal(grade.passed, used)
        if not wrong:
            self.mistakes_title.setText(self.tr("Every answer is right."))
            return
        self.mistakes_title.setText(self.tr("Your mistakes") if self.revealed else
                                    self.tr("Answers not right: %1").replace("%1", str(len(wrong))))
        if not self.revealed:
            why = self.tr("The right answers are shown once you pass or have used every attempt.") \
                if assessment.reveal == REVEAL_FINAL else self.tr("The right answers are not shown for this test.")
            self._add_line(why, "muted")
            return
        for number, item, result in wrong:
            question = assessment.question(item.question_id)
            order = item.option_order or tuple(range(len(question.options)))
            right = self.tr("The accepted answers are not kept on this PC.") if question.kind == FILL else \
                answer_text(question, order, result.right)
            text = (f"{number}. {question.text}\n" +
                    self.tr("Your answer: %1").replace("%1", answer_text(question, order, answers.get(question.id)))
                    + "\n" + self.tr("Right answer: %1").replace("%1", right))
            label = self._add_line(text, "mistake")
            self.mistake_labels.append(label)
        self._mistakes_layout.addStretch(1)

    def _add_line(self, text: str, role: str) -> QLabel:
        label = QLabel(text, self._mistakes)
        label.setWordWrap(True)
        if role:
            label.setProperty("role", role)
        label.setFrameShape(QFrame.Shape.NoFrame)
        self._mistakes_layout.addWidget(label)
        return label
