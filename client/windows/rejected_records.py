"""Records the server refused, with its reason; and exporting records to a file for air-gapped sites.

Both read the person's outbox on the SQLite lane through client.workers.records (export
writes the file there too).
GUI thread only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.file_dialogs import start_path
from client.messages import describe
from client.tasks import TaskContext, run_task
from client.widgets.sync_status import local_time_text
from client.workers.context import AppContext, SessionContext
from client.workers.records import export_records_to, load_rejected

if TYPE_CHECKING:
    from sync.protocol.records import Record


class RejectedRecordsDialog(QDialog):
    def __init__(self, app: AppContext, session: SessionContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rejected_dialog")
        self.resize(760, 420)
        self.rows: list[tuple[Record, str]] = []
        self.loaded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(12)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 4)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.hide()  # until there is something to list
        layout.addWidget(self.table, 1)
        self.none_label = QLabel()
        self.none_label.setObjectName("none")
        self.none_label.setProperty("role", "muted")
        self.none_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.none_label.setWordWrap(True)
        layout.addWidget(self.none_label, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(buttons)
        self.retranslate()
        s = session.session
        run_task(app.lanes.db, lambda _c: load_rejected(s), self._on_loaded,
                 lambda e: self.intro.setText(describe(e)), name="rejected")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Study progress the server refused"))
        self.table.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Type"), self.tr("Course"),
                                              self.tr("Reason given by the server")])
        self.intro.setText(self.tr("The server refused these study records. They stay on this PC; "
                                   "please show this list to your training administrator.") if self.rows
                           else self.tr("Study progress the server refused is listed here, with its reason."))
        self.none_label.setText(self.tr("None. The server has not refused any of your study progress.")
                                if self.loaded else self.tr("Loading…"))
        self.close_button.setText(self.tr("Close"))

    def _on_loaded(self, rows: list[tuple[Record, str]]) -> None:
        self.rows = rows
        self.loaded = True
        self.table.setRowCount(len(rows))
        for i, (record, reason) in enumerate(rows):
            for j, text in enumerate((local_time_text(record.created_at), record.type, record.course_id or "",
                                      reason)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.table.setVisible(bool(rows))
        self.none_label.setVisible(not rows)
        self.retranslate()


def export_records_interactively(app: AppContext, session: SessionContext, parent: QWidget) -> None:
    """Ask for a file name, write this person's signed records there, say how many."""
    title = QCoreApplication.translate("ExportRecords", "Export study records")
    path, _ = QFileDialog.getSaveFileName(parent, title, start_path("studydesk-records.json"),
                                          QCoreApplication.translate("ExportRecords", "Record files (*.json)"))
    if not path:
        return
    s = session.session

    def work(_ctx: TaskContext) -> int:
        return export_records_to(s, Path(path))

    def done(n: int) -> None:
        # lupdate records QCoreApplication.translate(..., n) without plural forms; Qt still replaces %n
        text = QCoreApplication.translate("ExportRecords", "%n record(s) written. Give this file to your training "
                                          "administrator to import on the server.", "", n)
        QMessageBox.information(parent, title, text)

    def failed(error: BaseException) -> None:
        QMessageBox.warning(parent, title, describe(error))

    run_task(app.lanes.db, work, done, failed, name="export")
