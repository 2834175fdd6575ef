"""What the quiz dialog and the exam window share: an attempt drawn on the SQLite lane, the paper
one question per page, every answer saved as it is given, submitting (graded on this PC, signed
into the outbox) and the result with the way to take it again.

Pages: a message (loading, or why it cannot be taken), the paper, the result. The subclasses add
their own first page. A quiz or exam with a time limit shows a countdown on the monotonic clock
(``ExamClock``: changing the PC's clock changes nothing) and is submitted automatically when the
time is up; the time used is saved every few seconds and at every answer, and recorded.

Closing while an attempt is open asks first: the answers are saved, the clock pauses while the
window is closed (the time away does not count), and the attempt continues later with the same
questions and the time left; closing submits nothing and uses no attempt.

All database work runs on the SQLite lane through client.workers.assessments, with this
window's own connection (``AttemptHolder``), closed on that lane when the window closes. GUI
thread only. Must not do file or DB I/O here.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from client.messages import describe
from client.tasks import Lanes, TaskContext, run_task
from client.widgets.assessment_text import clock_text
from client.widgets.paper_view import PaperView
from client.widgets.result_view import ResultView
from client.workers.assessments import AttemptHolder, AttemptsExhausted, Outcome, Sitting, begin, checkpoint, submit
from client.workers.context import ProfileSession
from sync.content.store import ContentStore
from sync.records.attempts import CHECKPOINT_S, ExamClock, OpenAttempt

if TYPE_CHECKING:
    from sync.protocol.assessment import Assessment

LOW_TIME_S = 300.0
"""Below this the countdown turns red."""


class AssessmentWindow(QDialog):
    """One quiz or exam of one course, attempt after attempt. GUI thread only."""

    sitting_ready = Signal()  # a paper is on screen
    saved = Signal(object)  # OpenAttempt: an answer or a checkpoint reached the database
    submitted = Signal(object)  # Outcome: the record is signed and the result is on screen
    failed = Signal(str)  # translated message
    time_up = Signal()  # the time ran out: the answers are being submitted

    def __init__(self, course_id: str, assessment_id: str, *, store: ContentStore, lanes: Lanes,
                 session: ProfileSession, clock: Callable[[], float] = time.monotonic,
                 checkpoint_s: float = CHECKPOINT_S, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.course_id, self.assessment_id = course_id, assessment_id
        self._store, self._lanes = store, lanes
        self._holder = AttemptHolder(session)
        self.sitting: Sitting | None = None
        self.attempt: OpenAttempt | None = None
        self.outcome: Outcome | None = None
        self.paper: PaperView | None = None
        self._closed = False
        self._submitting = False
        self._close_confirmed = False
        self._mono = clock
        self.clock: ExamClock | None = None
        self.timed_out = False
        self.close_box: QMessageBox | None = None  # the question asked before closing an open attempt
        self.countdown = QLabel(self)
        self.countdown.setObjectName("countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.countdown.hide()
        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._on_tick)
        self._save_timer = QTimer(self)
        self._save_timer.setInterval(int(checkpoint_s * 1000))
        self._save_timer.timeout.connect(self.save_attempt)
        self.heading = QLabel(self)
        self.heading.setProperty("role", "h1")
        self.heading.setWordWrap(True)
        self.subheading = QLabel(self)
        self.subheading.setWordWrap(True)
        self.subheading.setProperty("role", "muted")
        self.pages = QStackedWidget(self)
        self.message = QLabel(self.pages)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setProperty("role", "h3")
        self.pages.addWidget(self.message)
        self.result_view = ResultView(self.pages)
        self.result_view.retake_clicked.connect(self.start)
        self.result_view.close_clicked.connect(self.close)
        self.pages.addWidget(self.result_view)
        self.top = QVBoxLayout()
        self.top.addWidget(self.countdown)
        self.top.addWidget(self.heading)
        self.top.addWidget(self.subheading)
        layout = QVBoxLayout(self)
        layout.addLayout(self.top)
        layout.addWidget(self.pages, 1)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(900, 640)

    # -- an attempt --------------------------------------------------------------------------
    def start(self) -> None:
        """Take up the open attempt or open a new one (on the SQLite lane), then show its paper."""
        self.show_message(self.tr("Preparing the questions…"))
        store, holder, cid, aid = self._store, self._holder, self.course_id, self.assessment_id

        def work(ctx: TaskContext) -> Sitting:
            return begin(store, holder, cid, aid)

        run_task(self._lanes.db, work, self._on_sitting, self._on_begin_failed, name="assessment-begin")

    def _on_sitting(self, sitting: Sitting) -> None:
        if self._closed:
            return
        self.sitting, self.attempt, self.outcome = sitting, sitting.attempt, None
        self._submitting = False
        if self.paper is not None:
            self.pages.removeWidget(self.paper)
            self.paper.deleteLater()
        self.paper = PaperView(sitting.assessment, sitting.paper, sitting.attempt.answers, self.pages)
        self.paper.answer_changed.connect(self._on_answer)
        self.paper.submit_requested.connect(self.submit)
        self.pages.addWidget(self.paper)
        self.pages.setCurrentWidget(self.paper)
        self.paper.go(0)
        self.retranslate()
        self.sitting_started(sitting)
        self.sitting_ready.emit()

    # -- the clock -----------------------------------------------------------------------------
    def sitting_started(self, sitting: Sitting) -> None:
        """A paper is on screen: the clock starts (counting down when there is a time limit)."""
        limit = sitting.assessment.time_limit_s
        self.clock = ExamClock(float(limit) if limit else None, sitting.attempt.used_ms, self._mono)
        self.clock.start()
        self.timed_out = False
        self.countdown.setVisible(bool(limit))
        self._on_tick()
        self._tick.start()
        self._save_timer.start()
        self.save_attempt()  # the resume is on record at once

    def sitting_ending(self) -> None:
        """The attempt is being submitted or the window closed: the clock stops."""
        self._tick.stop()
        self._save_timer.stop()
        if self.clock is not None:
            self.clock.stop()

    def _on_tick(self) -> None:
        clock = self.clock
        if clock is None or clock.remaining_s is None:
            return
        left = clock.remaining_s
        self.countdown.setText(self.tr("Time left %1").replace("%1", clock_text(left)))
        role = "error" if left <= LOW_TIME_S else "h2"
        if self.countdown.property("role") != role:
            self.countdown.setProperty("role", role)
            self.countdown.style().unpolish(self.countdown)
            self.countdown.style().polish(self.countdown)
        if self.close_box is not None:  # the question shows the time left as it runs down
            self.close_box.setInformativeText(self.close_consequences())
        if clock.expired and not self.timed_out and self.attempt is not None:
            self.timed_out = True
            if self.close_box is not None:
                self.close_box.close()
            self.time_up.emit()
            self.submit()

    def _on_begin_failed(self, error: BaseException) -> None:
        if self._closed:
            return
        if isinstance(error, AttemptsExhausted):
            text = self.tr("You have used every attempt at this test. Your training administrator can tell you "
                           "what to do next.")
        else:
            text = describe(error)
        self.show_message(text)
        self.failed.emit(text)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.pages.setCurrentWidget(self.message)

    def _on_answer(self, question_id: str, answer: Any) -> None:
        if self.attempt is None or self._submitting:
            return
        self.attempt = self.attempt.with_answer(question_id, answer)
        self.save_attempt()

    def current_attempt(self) -> OpenAttempt | None:
        """The attempt as it stands now, with the time used."""
        if self.attempt is None:
            return None
        return replace(self.attempt, used_ms=self.clock.used_ms) if self.clock is not None else self.attempt

    def save_attempt(self) -> None:
        attempt, holder = self.current_attempt(), self._holder
        if attempt is None:
            return
        run_task(self._lanes.db, lambda ctx: checkpoint(holder, attempt), lambda _r: self._on_saved(attempt),
                 self._on_save_failed, name="assessment-save")

    def _on_saved(self, attempt: OpenAttempt) -> None:
        with contextlib.suppress(RuntimeError):  # the last save can land after the window is gone
            self.saved.emit(attempt)

    def _on_save_failed(self, error: BaseException) -> None:
        with contextlib.suppress(RuntimeError):
            self.failed.emit(describe(error))

    def submit(self) -> None:
        """Grade on this PC and sign the attempt (SQLite lane); then show the result."""
        attempt, sitting, holder = self.current_attempt(), self.sitting, self._holder
        if attempt is None or sitting is None or self._submitting:
            return
        self._submitting = True
        if self.paper is not None:
            self.paper.lock()
        self.sitting_ending()

        def work(ctx: TaskContext) -> Outcome:
            return submit(holder, sitting, attempt)

        run_task(self._lanes.db, work, self._on_submitted, self._on_submit_failed, name="assessment-submit")

    def _on_submitted(self, outcome: Outcome) -> None:
        self.countdown.hide()
        self.outcome = outcome
        self.attempt = None
        if self._closed or self.sitting is None:
            self.submitted.emit(outcome)
            return
        s = self.sitting
        self.result_view.show_result(s.assessment, s.paper, outcome.record.body.get("answers", {}), outcome.grade,
                                outcome.used, self.result_note(outcome))
        self.pages.setCurrentWidget(self.result_view)
        self.submitted.emit(outcome)

    def result_note(self, outcome: Outcome) -> str:
        if self.timed_out:
            return self.tr("The time was up: your answers were submitted automatically.")
        return ""

    def _on_submit_failed(self, error: BaseException) -> None:
        self._submitting = False
        text = self.tr("Your answers could not be saved: %1").replace("%1", describe(error))
        if self.paper is not None:
            self.paper.setEnabled(True)
            for w in (self.paper.pages, self.paper.submit_button):
                w.setEnabled(True)
        self.failed.emit(text)
        self.show_message(text)

    # -- text and closing ------------------------------------------------------------------------
    def assessment(self) -> Assessment | None:
        return self.sitting.assessment if self.sitting is not None else None

    def retranslate(self) -> None:
        """Subclasses set the headings."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _gone(self) -> None:
        with contextlib.suppress(RuntimeError):  # already deleted with its parent (or by a test)
            self.deleteLater()

    # -- closing -------------------------------------------------------------------------------
    def attempt_open(self) -> bool:
        """Whether a paper is on screen, not submitted yet."""
        return self.attempt is not None and not self._submitting and not self._closed

    def reject(self) -> None:
        """The close button or Escape: with an attempt open, ask first (``close_box``)."""
        if self.attempt_open() and not self._close_confirmed:
            self.ask_to_close()
            return
        super().reject()

    def ask_to_close(self) -> None:
        """Ask whether to close while an attempt is open, saying what happens to the time."""
        if self.close_box is not None:
            self.close_box.raise_()
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.close_title(), self.close_question(),
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("close_attempt_box")
        box.setInformativeText(self.close_consequences())
        close = box.addButton(self.tr("Close, continue later"), QMessageBox.ButtonRole.AcceptRole)
        stay = box.addButton(self.tr("Keep answering"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)
        box.setEscapeButton(stay)
        box.setWindowModality(Qt.WindowModality.WindowModal)

        def answered() -> None:
            self.close_box = None
            if box.clickedButton() is close and self.attempt_open():
                self._close_confirmed = True
                self.reject()

        box.finished.connect(lambda _r: answered())
        self.close_box = box
        box.open()

    def close_title(self) -> str:
        return self.tr("Close the quiz?")

    def close_question(self) -> str:
        return self.tr("Close the quiz now? Your answers are not submitted.")

    def close_consequences(self) -> str:
        """What closing now does to the answers, the time and the attempts."""
        a = self.sitting.assessment if self.sitting is not None else None
        left = self.clock.remaining_s if self.clock is not None else None
        if a is not None and a.time_limit_s and left is not None:
            return self.tr(
                "Your answers so far are saved. The clock pauses while this window is closed: the time away does "
                "not count. When you open it again, it continues with the same questions, your answers and the "
                "%1 you have left. Closing does not use another attempt.").replace("%1", clock_text(left))
        return self.tr("Your answers so far are saved. When you open it again, it continues with the same "
                       "questions and your answers. Closing does not use another attempt.")

    def done(self, result: int) -> None:
        """Closing (the close button, Escape, Close on the result): save what is open, then let the
        SQLite lane close this window's connection before the window goes."""
        if not self._closed:
            self._closed = True
            self.sitting_ending()
            if self.attempt is not None and not self._submitting:
                self.save_attempt()  # the answers and time so far; the attempt resumes next time
            holder = self._holder
            run_task(self._lanes.db, lambda ctx: holder.close(), lambda _r: self._gone(),
                     lambda _e: self._gone(), name="assessment-close")
        super().done(result)
