"""The quiz after a lesson: opened when the lesson's playback completes, or from the course page.

It opens straight on the questions (an attempt left open by a crash goes on with the same
questions and answers), says which attempt this is and how many are allowed, scores at once on
submitting, shows the mistakes with the right answers when the quiz allows it, and offers to
take it again while attempts are left. A quiz with a time limit counts down like the exam
(``AssessmentWindow``) and is submitted when the time is up. Each submitted attempt is a signed "quiz" record in the
outbox. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from client.tasks import Lanes
from client.widgets.assessment_text import minutes_text
from client.windows.assessment_window import AssessmentWindow
from client.workers.context import ProfileSession
from sync.content.store import ContentStore


class QuizDialog(AssessmentWindow):
    """One lesson's quiz. GUI thread only."""

    def __init__(self, course_id: str, quiz_id: str, *, store: ContentStore, lanes: Lanes, session: ProfileSession,
                 parent: QWidget | None = None) -> None:
        super().__init__(course_id, quiz_id, store=store, lanes=lanes, session=session, parent=parent)
        self.setObjectName("quiz_dialog")
        self.retranslate()
        self.start()

    def retranslate(self) -> None:
        sitting = self.sitting
        self.setWindowTitle(self.tr("Quiz"))
        if sitting is None:
            self.heading.setText(self.tr("Quiz"))
            self.subheading.setText("")
            return
        lesson = sitting.lesson_title
        self.heading.setText(self.tr("Quiz: %1").replace("%1", lesson) if lesson else self.tr("Quiz"))
        allowed = sitting.assessment.attempts
        attempt = (self.tr("Attempt %1 of %2").replace("%1", str(sitting.used)).replace("%2", str(allowed))
                   if allowed else self.tr("Attempt %1").replace("%1", str(sitting.used)))
        pass_mark = self.tr("Pass mark %1%").replace("%1", str(sitting.assessment.pass_score))
        count = self.tr("Questions: %1").replace("%1", str(len(sitting.paper.items)))
        facts = [attempt, pass_mark, count]
        if sitting.assessment.time_limit_s:
            facts.append(self.tr("Time allowed: %1").replace("%1", minutes_text(sitting.assessment.time_limit_s)))
        self.subheading.setText(" · ".join(facts))
