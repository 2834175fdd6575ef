"""A paper, one question per page: the question, then Previous / Next / Submit, and how many
questions are answered. Keyboard: Page Down or Alt+Right for the next question, Page Up or
Alt+Left for the previous one, Enter on the last page submits, Tab moves through the choices.
Submitting with questions left unanswered asks first and names them. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from client.widgets.question_view import QuestionView
from sync.protocol.assessment import Assessment, Paper


class PaperView(QWidget):
    """The questions of one paper and the way through them. GUI thread only."""

    answer_changed = Signal(str, object)  # question id, answer (None: cleared)
    submit_requested = Signal()  # confirmed: every question answered, or the learner said so

    def __init__(self, assessment: Assessment, paper: Paper, answers: Mapping[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pages = QStackedWidget(self)
        self.views: list[QuestionView] = []
        for number, item in enumerate(paper.items, start=1):
            question = assessment.question(item.question_id)
            view = QuestionView(question, item, number, len(paper.items), self.pages)
            if answers and question.id in answers:
                view.set_answer(answers[question.id])
            view.answered.connect(self._on_answered)
            self.pages.addWidget(view)
            self.views.append(view)
        self.status = QLabel(self)
        self.status.setProperty("role", "muted")
        self.previous_button = QPushButton(self)
        self.next_button = QPushButton(self)
        self.submit_button = QPushButton(self)
        self.submit_button.setObjectName("submit")
        self.submit_button.setProperty("role", "primary")
        self.previous_button.clicked.connect(lambda: self.go(self.pages.currentIndex() - 1))
        self.next_button.clicked.connect(lambda: self.go(self.pages.currentIndex() + 1))
        self.submit_button.clicked.connect(self.request_submit)
        for keys, step in ((("PgDown", "Alt+Right"), 1), (("PgUp", "Alt+Left"), -1)):
            for key in keys:
                QShortcut(QKeySequence(key), self, lambda s=step: self.go(self.pages.currentIndex() + s))
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        for button in (self.previous_button, self.next_button, self.submit_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(row)
        self.confirm_box: QMessageBox | None = None
        self.retranslate()
        self.go(0)

    # -- the way through ---------------------------------------------------------------------
    def go(self, index: int) -> None:
        if not self.views:
            return
        index = max(0, min(index, len(self.views) - 1))
        self.pages.setCurrentIndex(index)
        last = index == len(self.views) - 1
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(not last)
        self.next_button.setDefault(not last)
        self.submit_button.setDefault(last)
        self.views[index].focus_first()
        self._show_status()

    @property
    def current(self) -> int:
        return self.pages.currentIndex()

    def answers(self) -> dict[str, Any]:
        return {v.question.id: a for v in self.views if (a := v.answer()) is not None}

    def unanswered(self) -> list[int]:
        """The numbers (from 1) of the questions without an answer."""
        return [n for n, v in enumerate(self.views, start=1) if v.answer() is None]

    def request_submit(self) -> None:
        """Submit; with questions unanswered, ask first (and go to the first of them on "no")."""
        missing = self.unanswered()
        if not missing:
            self.submit_requested.emit()
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Submit your answers"),
                          self.tr("Not answered yet: question %1. Unanswered questions score nothing. "
                                  "Submit anyway?").replace(
                                      "%1", ", ".join(str(n) for n in missing)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Submit"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Go back to the questions"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setObjectName("confirm_submit")
        self.confirm_box = box

        def done(result: int) -> None:
            self.confirm_box = None
            if result == QMessageBox.StandardButton.Yes:
                self.submit_requested.emit()
            else:
                self.go(missing[0] - 1)

        box.finished.connect(done)
        box.open()

    def lock(self) -> None:
        """No more answers (submitted, or the time is up)."""
        for widget in (self.pages, self.previous_button, self.next_button, self.submit_button):
            widget.setEnabled(False)
        if self.confirm_box is not None:
            box, self.confirm_box = self.confirm_box, None
            box.finished.disconnect()
            box.reject()

    # -- text --------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.previous_button.setText(self.tr("Previous"))
        self.next_button.setText(self.tr("Next"))
        self.submit_button.setText(self.tr("Submit"))
        for view in self.views:
            view.retranslate()
        self._show_status()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _show_status(self) -> None:
        done = len(self.views) - len(self.unanswered())
        self.status.setText(self.tr("Answered %1 of %2").replace("%1", str(done)).replace("%2", str(len(self.views))))

    def _on_answered(self, question_id: str, answer: object) -> None:
        self._show_status()
        self.answer_changed.emit(question_id, answer)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.current == len(self.views) - 1:
                self.request_submit()
            else:
                self.go(self.current + 1)
            return
        super().keyPressEvent(event)
