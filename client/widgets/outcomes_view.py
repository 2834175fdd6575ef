"""What the server last said of the learner beyond the year's figures, on 我的学习: the reminders
(学习提醒: the yearly target, courses due soon or overdue) and the training classes with their
scores (我的培训班), each marked as of the last sync.

Both show a sync.records.server_view.ServerOutcomes kept on this PC, so they work offline. The
wording follows the PC's calendar: a course the server said is due soon reads as overdue once its
day has passed, and a course this PC counts as completed since is no longer reminded of. Names
from the server are text, never markup. GUI thread only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from client.messages import sentences
from client.widgets.sync_status import local_time_text
from sync.protocol.outcomes import ClassResult, Reminder
from sync.protocol.rules_file import plain
from sync.records.server_view import ServerOutcomes

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _restyle(widget: QWidget, role: str) -> None:
    if widget.property("role") != role:
        widget.setProperty("role", role)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class RemindersBanner(QFrame):
    """The reminders of the last sync, one sentence a line; hidden when there are none."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("reminders")
        self.setProperty("role", "reminders")
        self.server: ServerOutcomes | None = None
        self.completed: frozenset[str] = frozenset()
        self.today = date.min  # set with the outcomes: the site's day (sync.records.my_courses.site_today)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 10, 16, 10)
        box.setSpacing(4)
        self.title = QLabel()
        self.title.setProperty("role", "reminders-title")
        self.lines = QLabel()
        self.lines.setObjectName("reminder_lines")
        self.lines.setWordWrap(True)
        self.lines.setTextFormat(Qt.TextFormat.PlainText)
        self.as_of = QLabel()
        self.as_of.setProperty("role", "muted")
        for w in (self.title, self.lines, self.as_of):
            box.addWidget(w)
        self.hide()

    def set_outcomes(self, server: ServerOutcomes | None, completed: frozenset[str], today: date) -> None:
        """``completed``: the courses this PC counts as completed (no reminder for them any more);
        ``today``: the site's day by the server's clock (sync.records.my_courses.site_today), not
        this PC's date, which may be years off."""
        self.server, self.completed, self.today = server, completed, today
        self.retranslate()

    def shown(self) -> list[Reminder]:
        s = self.server
        if s is None:
            return []
        return [r for r in s.reminders
                if (r.kind == "behind_target" and s.year == self.today.year)
                or (r.kind != "behind_target" and r.course_id not in self.completed)]

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        texts = [self.reminder_text(r) for r in self.shown()]
        self.title.setText(self.tr("Reminders"))
        self.lines.setText("\n".join(t for t in texts if t))
        fetched = self.server.fetched_at if self.server is not None else ""
        self.as_of.setText(self.tr("(As of the last sync, %1.)").replace("%1", local_time_text(fetched)))
        self.setVisible(any(texts))

    def reminder_text(self, r: Reminder) -> str:
        if r.kind == "behind_target":
            short = plain(r.short or Decimal(0))
            if r.unit == "credits":
                return self.tr("%1 more credits are needed to reach this year's target; please plan your "
                               "study.").replace("%1", short)
            return self.tr("%1 more credit hours are needed to reach this year's target; please plan your "
                           "study.").replace("%1", short)
        try:
            due = date.fromisoformat(r.due or "")
        except ValueError:
            return ""
        title, day = r.title or r.course_id or "", day_text(due, due.year != self.today.year)
        if due < self.today:
            return self.tr("“%1” was due on %2; please complete it as soon as possible.").replace(
                "%1", title).replace("%2", day)
        if due == self.today:
            return self.tr("“%1” is due today; please complete it in time.").replace("%1", title)
        return self.tr("“%1” is due on %2; please complete it in time.").replace("%1", title).replace("%2", day)


def day_text(day: date, with_year: bool) -> str:
    """"10 Dec" or "10 Dec 2027", in the UI language (12月10日, 2027年12月10日)."""
    parts = {"day": day.day, "month": day.month, "month_name": _MONTHS[day.month - 1], "year": day.year}
    if not with_year:
        return QCoreApplication.translate("RemindersBanner", "{day} {month_name}").format(**parts)
    return QCoreApplication.translate("RemindersBanner", "{day} {month_name} {year}").format(**parts)


class ClassCard(QFrame):
    """One training class: name, passed or not, dates, weights and pass line, the total and each
    component's score, and what is still missing."""

    def __init__(self, result: ClassResult) -> None:
        super().__init__()
        self.setProperty("role", "card")
        self.setObjectName(f"class_{result.code}")
        self.result = result
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 10, 16, 10)
        box.setSpacing(4)
        head = QHBoxLayout()
        self.name = QLabel(result.name)
        self.name.setProperty("role", "h3")
        self.name.setWordWrap(True)
        self.name.setTextFormat(Qt.TextFormat.PlainText)
        self.tag = QLabel()
        self.tag.setObjectName("passed")
        self.tag.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        head.addWidget(self.name, 1)
        head.addWidget(self.tag, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(head)
        self.facts = QLabel()
        self.facts.setObjectName("class_facts")
        self.facts.setProperty("role", "muted")
        self.facts.setWordWrap(True)
        box.addWidget(self.facts)
        scores = QHBoxLayout()
        scores.setSpacing(12)
        self.total = QLabel()
        self.total.setObjectName("class_total")
        self.total.setProperty("role", "score")
        self.parts = QLabel()
        self.parts.setObjectName("class_parts")
        self.parts.setWordWrap(True)
        scores.addWidget(self.total, 0, Qt.AlignmentFlag.AlignBaseline)
        scores.addWidget(self.parts, 1, Qt.AlignmentFlag.AlignBaseline)
        box.addLayout(scores)
        self.todo = QLabel()
        self.todo.setObjectName("class_todo")
        self.todo.setWordWrap(True)
        self.todo.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(self.todo)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        r = self.result
        self.tag.setText(self.tr("Passed") if r.passed else self.tr("Not passed yet"))
        _restyle(self.tag, "tag-passed" if r.passed else "tag-elective")

        def day(text: str) -> str:
            try:
                return day_text(date.fromisoformat(text), True)
            except ValueError:
                return text

        weights = ":".join(plain(w) for w in r.weights)
        self.facts.setText(self.tr("%1 to %2 · weights attendance : tests : exam = %3 · pass mark %4")
                           .replace("%1", day(r.starts)).replace("%2", day(r.ends)).replace("%3", weights)
                           .replace("%4", plain(r.pass_score)))
        self.total.setText(self.tr("Total %1").replace("%1", plain(r.total)))
        parts = [(self.tr("Attendance %1"), r.attendance), (self.tr("In-lesson tests %1"), r.tests),
                 (self.tr("Final exam %1"), r.exam)]
        self.parts.setText("   ·   ".join(text.replace("%1", plain(value)) for text, value in parts
                                           if value is not None))
        self.todo.setText(self._todo_text())
        _restyle(self.todo, "ok" if r.passed and not r.missing else "")

    def _todo_text(self) -> str:
        r = self.result
        out = []
        if not r.passed:
            out.append(self.tr("%1 more points to pass.").replace("%1", plain(r.to_pass)))
        names = {"videos": self.tr("videos"), "quizzes": self.tr("quizzes"), "exam": self.tr("final exam")}
        for course in r.missing:
            what = self.tr(", ").join(names[m] for m in course.missing if m in names)
            out.append(self.tr("Still to do in “%1”: %2.").replace("%1", course.title or course.course_id)
                       .replace("%2", what))
        if not out:
            out.append(self.tr("Every required course is complete."))
        return sentences(*out)


class ClassesPanel(QWidget):
    """我的培训班: a heading and one card per class of the last sync; hidden when there is none."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("classes")
        self.server: ServerOutcomes | None = None
        self.cards: list[ClassCard] = []
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 4, 0, 4)
        box.setSpacing(8)
        head = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setProperty("role", "h2")
        self.as_of = QLabel()
        self.as_of.setProperty("role", "muted")
        head.addWidget(self.heading)
        head.addSpacing(12)
        head.addWidget(self.as_of, 1, Qt.AlignmentFlag.AlignBottom)
        box.addLayout(head)
        self.list = QVBoxLayout()
        self.list.setSpacing(8)
        box.addLayout(self.list)
        self.hide()
        self.retranslate()

    def set_outcomes(self, server: ServerOutcomes | None) -> None:
        self.server = server
        results = server.classes if server is not None else ()
        if [c.result for c in self.cards] != list(results):
            for card in self.cards:
                card.setParent(None)
                card.deleteLater()
            self.cards = [ClassCard(r) for r in results]
            for card in self.cards:
                self.list.addWidget(card)
        self.setVisible(bool(self.cards))
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("My classes"))
        fetched = self.server.fetched_at if self.server is not None else ""
        self.as_of.setText(self.tr("(As of the last sync, %1.)").replace("%1", local_time_text(fetched)))
