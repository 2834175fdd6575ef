"""The course's final exam: a first page that says what starting means, then the paper with a
countdown, then the result.

The first page states the time allowed, the attempts left and the pass mark, and that time away
does not count; "Start the exam" is the confirmation. An exam left open by a crash, a kill or a
power cut goes on with the same questions, the answers given and the time it had left
(``sync.records.attempts``: the countdown runs on the monotonic clock, so changing the PC's
clock changes nothing). The open attempt is saved every few seconds and at every answer. When the
time is up the answers are submitted automatically. The result shows at once with this PC's
score; the server's grade comes after sync and stands if it differs (the course page says so).
Closing the window mid-exam asks first and says that the clock pauses while it is closed
(``AssessmentWindow.ask_to_close``). GUI thread only.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from client.messages import describe
from client.tasks import Lanes, TaskContext, run_task
from client.widgets.assessment_text import attempts_left_text, clock_text, minutes_text
from client.windows.assessment_window import AssessmentWindow
from client.workers.assessments import Outcome, Peek, peek
from client.workers.context import ProfileSession
from sync.content.store import ContentStore
from sync.records.attempts import CHECKPOINT_S


class ExamWindow(AssessmentWindow):
    """The final exam of one course. GUI thread only."""

    def __init__(self, course_id: str, *, store: ContentStore, lanes: Lanes, session: ProfileSession,
                 clock: Callable[[], float] = time.monotonic, checkpoint_s: float = CHECKPOINT_S,
                 assessment_id: str = "exam", parent: QWidget | None = None) -> None:
        super().__init__(course_id, assessment_id, store=store, lanes=lanes, session=session, clock=clock,
                         checkpoint_s=checkpoint_s, parent=parent)
        self.setObjectName("exam_window")
        self.info: Peek | None = None
        self.intro = QWidget(self.pages)
        self.intro_text = QLabel(self.intro)
        self.intro_text.setWordWrap(True)
        self.intro_text.setProperty("role", "h3")
        self.rules_text = QLabel(self.intro)
        self.rules_text.setWordWrap(True)
        self.start_button = QPushButton(self.intro)
        self.start_button.setObjectName("start_exam")
        self.start_button.setProperty("role", "primary")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self.intro)
        self.cancel_button.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.start_button)
        box = QVBoxLayout(self.intro)
        box.addWidget(self.intro_text)
        box.addWidget(self.rules_text)
        box.addStretch(1)
        box.addLayout(row)
        self.pages.addWidget(self.intro)
        self.retranslate()
        self._load_intro()

    # -- before the start ----------------------------------------------------------------------
    def _load_intro(self) -> None:
        self.show_message(self.tr("Loading the exam…"))
        store, holder, cid, aid = self._store, self._holder, self.course_id, self.assessment_id

        def work(ctx: TaskContext) -> Peek:
            return peek(store, holder, cid, aid)

        run_task(self._lanes.db, work, self._on_peek, lambda e: self.show_message(describe(e)), name="exam-peek")

    def _on_peek(self, info: Peek) -> None:
        self.info = info
        self.retranslate()
        if info.open is None and info.left == 0:
            self.show_message(self.tr("You have used every attempt at this exam."))
            return
        self.pages.setCurrentWidget(self.intro)
        self.start_button.setFocus()

    # -- the result ------------------------------------------------------------------------------
    def close_title(self) -> str:
        return self.tr("Close the exam?")

    def close_question(self) -> str:
        return self.tr("Close the exam now? Your answers are not submitted.")

    def result_note(self, outcome: Outcome) -> str:
        lines = [super().result_note(outcome)] if self.timed_out else []
        lines.append(self.tr("This score was worked out on this PC. The server grades your answers once they are "
                             "synced; if its grade differs, the server's grade counts, and the course page shows it."))
        return "\n".join(lines)

    # -- text ------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Final exam"))
        info = self.info
        title = (info.course_title if info else "") or (self.sitting.course_title if self.sitting else "")
        self.heading.setText(self.tr("Final exam: %1").replace("%1", title) if title else self.tr("Final exam"))
        self.start_button.setText(self.tr("Continue the exam") if info and info.open else self.tr("Start the exam"))
        self.cancel_button.setText(self.tr("Not now"))
        if info is None:
            return
        a = info.assessment
        facts = [self.tr("Questions: %1").replace("%1", str(a.draw_count)),
                 self.tr("Pass mark %1%").replace("%1", str(a.pass_score)),
                 self.tr("Time allowed: %1").replace("%1", minutes_text(a.time_limit_s)) if a.time_limit_s
                 else self.tr("No time limit")]
        self.subheading.setText(" · ".join(facts))
        if info.open is not None:
            left = max(0.0, (a.time_limit_s or 0) - info.open.used_ms / 1000)
            self.intro_text.setText(self.tr(
                "Your exam was interrupted. It continues with the same questions and the answers you gave, "
                "with %1 left.").replace("%1", clock_text(left) if a.time_limit_s else self.tr("no time limit")))
        else:
            self.intro_text.setText(self.tr("Ready to start? %1").replace("%1", attempts_left_text(info.left)))
        self.rules_text.setText(self.tr(
            "Once you start, the clock runs until you submit; when the time is up, your answers are submitted "
            "automatically. Your answers are saved as you go. If the PC stops (a crash or a power cut) or you close "
            "this window, the exam continues later with the same questions and the time you had left: time while "
            "the exam is closed does not count. The server sees when the exam started and ended and how long it "
            "was open. Each new exam uses one attempt."))
