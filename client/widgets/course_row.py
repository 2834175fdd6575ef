"""One assigned course in 我的学习: title, 必修/选修, due date, credit hours, progress, download.

Built from a sync.records.my_courses.CourseItem; the buttons emit signals only. GUI thread only.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy

from client.widgets.download_controls import DownloadControls
from sync.records.my_courses import CourseItem


class CourseRow(QFrame):
    open_clicked = Signal(str)  # course_id

    def __init__(self, item: CourseItem, today: date | None = None) -> None:
        super().__init__()
        self.setProperty("role", "card")
        self.setObjectName(f"course_{item.course_id}")
        self.item = item
        self._today = today or date.today()
        grid = QGridLayout(self)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        head = QHBoxLayout()
        head.setSpacing(10)
        self.title = QLabel(item.title)
        self.title.setProperty("role", "h3")
        self.title.setWordWrap(True)
        self.tag = QLabel()
        self.tag.setProperty("role", "tag-required" if item.required else "tag-elective")
        self.tag.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        head.addWidget(self.tag, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.title, 1)
        grid.addLayout(head, 0, 0, 1, 2)
        self.facts = QLabel()
        self.facts.setObjectName("facts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        grid.addWidget(self.facts, 1, 0, 1, 2)
        progress_row = QHBoxLayout()
        progress_row.setSpacing(10)
        self.progress_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setObjectName("coverage")
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(item.coverage * 1000))
        self.progress.setTextVisible(False)
        self.percent = QLabel(f"{item.coverage * 100:.0f}%")
        self.percent.setMinimumWidth(48)
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.percent)
        grid.addLayout(progress_row, 2, 0)
        self.open_button = QPushButton()
        self.open_button.setObjectName("open")
        self.open_button.setProperty("role", "primary")
        self.open_button.clicked.connect(lambda: self.open_clicked.emit(item.course_id))
        grid.addWidget(self.open_button, 2, 1, 2, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.download = DownloadControls()
        self.download.set_sizes(item.bytes_present, item.bytes_total)
        grid.addWidget(self.download, 3, 0)
        grid.setColumnStretch(0, 1)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        item = self.item
        self.tag.setText(self.tr("Required") if item.required else self.tr("Elective"))
        facts = []
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
        if item.pending_records:
            facts.append(self.tr("%n record(s) not yet synced", "", item.pending_records))
        self.facts.setText(" &nbsp;·&nbsp; ".join(facts))
        self.progress_label.setText(self.tr("Progress"))
        self.open_button.setText(self.tr("Study"))
