"""One assigned course in 我的学习: title, 必修/选修, the training class (培训班) it is assigned
through, due date, credit hours, what is left to complete it, the study progress bar, the
download bar and one primary action.

The primary action is 下载 while nothing of the course is on this PC (and no download runs),
then 进入学习; the size to download is in the line under the download bar. Built from a
sync.records.my_courses.CourseItem and updated in place (``set_item``, ``show_download``) so
the list does not jump; the buttons emit signals only. GUI thread only.
"""

from __future__ import annotations

import html
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy

from client.widgets.download_controls import DownloadControls
from client.workers import downloads as d
from sync.records.my_courses import CourseItem

if TYPE_CHECKING:
    from sync.content.downloader import DownloadProgress


class CourseRow(QFrame):
    open_clicked = Signal(str)  # course_id
    download_clicked = Signal(str)  # course_id: the primary action started the download

    def __init__(self, item: CourseItem, today: date | None = None) -> None:
        super().__init__()
        self._align_later = QTimer(self)  # a child: it goes with the card
        self._align_later.setSingleShot(True)
        self._align_later.setInterval(0)
        self.setProperty("role", "card")
        self.setObjectName(f"course_{item.course_id}")
        self.item = item
        self._today = today or date.today()
        grid = QGridLayout(self)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        head = QHBoxLayout()
        head.setSpacing(10)
        self.title = QLabel()
        self.title.setProperty("role", "h3")
        self.title.setWordWrap(True)
        self.tag = QLabel()
        self.tag.setProperty("role", "tag-required" if item.required else "tag-elective")
        self.tag.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        head.addWidget(self.tag, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.title, 1)
        grid.addLayout(head, 0, 0, 1, 4)
        self.facts = QLabel()
        self.facts.setObjectName("facts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        grid.addWidget(self.facts, 1, 0, 1, 4)
        self.todo = QLabel()  # what is still missing before the course counts as complete
        self.todo.setObjectName("todo")
        self.todo.setWordWrap(True)
        grid.addWidget(self.todo, 2, 0, 1, 4)
        self.progress_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setObjectName("coverage")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.percent = QLabel()
        self.percent.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.progress_label, 3, 0)
        grid.addWidget(self.progress, 3, 1)
        grid.addWidget(self.percent, 3, 2)
        self.open_button = QPushButton()
        self.open_button.setObjectName("open")
        self.open_button.setProperty("role", "primary")
        self.open_button.clicked.connect(self._on_primary)
        grid.addWidget(self.open_button, 3, 3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # the download's parts go into this grid, so both bars line up and its state text gets the card's width
        self.download = DownloadControls(own_layout=False)
        self.download.setParent(self)
        self.download.hide()
        dl = self.download
        grid.addWidget(dl.caption, 4, 0)
        grid.addWidget(dl.bar, 4, 1)
        grid.addWidget(dl.percent, 4, 2)
        grid.addWidget(dl.label, 5, 0, 1, 3)
        grid.addWidget(dl.buttons, 5, 3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(dl.error, 6, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        self._grid = grid
        self._align_later.timeout.connect(self._align)
        self.download.set_sizes(item.bytes_present, item.bytes_total)
        self.set_item(item)

    # ---- what the page tells the row
    def set_item(self, item: CourseItem, today: date | None = None) -> None:
        """Show fresh figures for the same course (after a reload), without rebuilding the card;
        ``today``: the site's day they were loaded on (sync.records.my_courses.site_today)."""
        self.item = item
        self._today = today or self._today
        self.progress.setValue(int(item.coverage * 1000))
        self.percent.setText(f"{item.coverage * 100:.0f}%")
        if self.download.state not in (d.RUNNING, d.WAITING_NETWORK) or self.download.progress is None:
            self.download.set_sizes(item.bytes_present, item.bytes_total)
        self.retranslate()

    def show_download(self, state: str, error_text: str = "") -> None:
        self.download.set_state(state, error_text)
        self._update_primary()

    def show_progress(self, progress: DownloadProgress) -> None:
        self.download.set_progress(progress)

    @property
    def offers_download(self) -> bool:
        """True while the primary action downloads the course (nothing of it on this PC, nothing running)."""
        idle = self.download.state in (d.IDLE, d.FAILED)
        return idle and not self.item.on_this_pc and not self.download.present

    def _on_primary(self) -> None:
        if self.offers_download:
            self.download_clicked.emit(self.item.course_id)
        else:
            self.open_clicked.emit(self.item.course_id)

    @property
    def unpublished(self) -> bool:
        """True while the server has not published the course and nothing of it is on this PC:
        a download could only fail, so the primary action is off."""
        return not self.item.published and not self.item.on_this_pc and not self.download.present

    def _update_primary(self) -> None:
        offers = self.offers_download
        self.download.offer_start = not offers
        self.download.retranslate()
        waiting = offers and self.unpublished
        if waiting:
            self.open_button.setText(self.tr("Not published yet"))
            self.open_button.setToolTip(self.tr("This course cannot be downloaded until it is published."))
        else:
            self.open_button.setText(self.tr("Download") if offers else self.tr("Study"))
            self.open_button.setToolTip("")
        self.open_button.setEnabled(not waiting)
        # nothing can be downloaded yet: no empty download bar, only the line saying why
        parts_shown = not (waiting and self.download.state == d.IDLE)
        dl = self.download
        for part in (dl.caption, dl.bar, dl.percent, dl.label):
            part.setVisible(parts_shown)
        self._grid.setRowMinimumHeight(5, dl.start_button.sizeHint().height() if parts_shown else 0)
        role = "" if waiting else "primary"  # a plain grey button: nothing to press yet
        if self.open_button.property("role") != role:
            self.open_button.setProperty("role", role)
            self.open_button.style().unpolish(self.open_button)
            self.open_button.style().polish(self.open_button)

    # ---- text
    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.retranslate()
            self._align_later.start()  # once every child has its new font too
        super().changeEvent(event)

    def _align(self) -> None:
        """The right column is as wide as its widest content in any state (the primary button, or
        pause and cancel), so the bars keep their length when a download starts or ends; the row of
        the download's state keeps a button's height when no button shows."""
        fm = self.progress_label.fontMetrics()
        percent = fm.horizontalAdvance("100%") + 4
        for label in (self.percent, self.download.percent):
            label.setMinimumWidth(percent)
        dl = self.download
        spacing = 8
        right = max(self.open_button.sizeHint().width(),
                    dl.pause_button.sizeHint().width() + dl.cancel_button.sizeHint().width() + spacing,
                    dl.resume_button.sizeHint().width() + dl.cancel_button.sizeHint().width() + spacing)
        self.open_button.setMinimumWidth(right)
        self._grid.setColumnMinimumWidth(3, right)
        self._grid.setRowMinimumHeight(5, dl.start_button.sizeHint().height() if dl.label.isVisibleTo(self) else 0)

    def retranslate(self) -> None:
        item = self.item
        title = item.title
        if not item.published and title == item.course_id:
            title = self.tr("Course %1").replace("%1", item.course_id)
        self.title.setText(title)
        self.tag.setText(self.tr("Required") if item.required else self.tr("Elective"))
        facts = []
        if item.class_name:
            facts.append(self.tr("Class: %1").replace("%1", html.escape(item.class_name)))
        if item.due is not None:
            due = self.tr("Due %1").replace("%1", item.due.isoformat())
            if item.overdue(self._today):
                overdue = self.tr("Overdue")
                due = f"<span style='color:#c9302c;font-weight:bold'>{due} · {overdue}</span>"
            facts.append(due)
        else:
            facts.append(self.tr("No due date"))
        facts.append(self.tr("%1 credit hours").replace("%1", f"{item.credit_hours:g}"))
        status = {"completed": self.tr("Completed"), "in_progress": self.tr("In progress"),
                  "not_started": self.tr("Not started")}[item.status]
        facts.append(status)
        if item.server_credited:
            facts.append(self.tr("Credited by the server"))
        if item.pending_records:
            facts.append(self.tr("%n study progress update(s) waiting to sync", "", item.pending_records))
        self.facts.setText(" &nbsp;·&nbsp; ".join(facts))
        self.todo.setText(self._todo_text())
        self.todo.setProperty("role", "muted")
        self.todo.setVisible(bool(self.todo.text()))
        self.progress_label.setText(self.tr("Study progress"))
        self.download.retranslate()
        self._update_primary()
        self._align()

    def _todo_text(self) -> str:
        item = self.item
        if not item.published and not item.on_this_pc:
            return self.tr("This course has not been published yet, so it cannot be downloaded. "
                           "Ask your training administrator when it will be available.")
        if item.completed or not (item.quizzes_total or item.exam_required):
            return ""
        parts = []
        if "videos" in item.missing:
            parts.append(self.tr("watch the videos"))
        if "quizzes" in item.missing:
            parts.append(self.tr("pass %n quiz(zes)", "", item.quizzes_total - item.quizzes_passed))
        if "exam" in item.missing:
            parts.append(self.tr("pass the final exam"))
        return self.tr("Still to do: %1. The credit hours count once all of it is done.").replace(
            "%1", self.tr(", ").join(parts))
