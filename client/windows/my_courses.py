"""我的学习 (my courses): the reminders, the annual summary with the rankings, the training classes
(我的培训班), filters and one card per assigned course.

Loads from the cache at once (works offline), then asks the server for fresh assignments
and reloads. Heading, summary and filters scroll with the cards (small screens keep room for
the cards); overdue and required courses come first; a reload updates the cards in place when
the same courses show, so nothing jumps when a download ends. Download controls drive the
session's DownloadManager; "Import from USB" picks a folder and imports it with the same
verification as a download (client.usb_import).
GUI thread only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from client.file_dialogs import start_folder
from client.messages import describe, sentences
from client.tasks import run_task
from client.usb_import import ImportOutcome, import_folder, import_with_progress
from client.widgets.course_row import CourseRow
from client.widgets.outcomes_view import ClassesPanel, RemindersBanner
from client.widgets.sync_status import local_time_text
from client.workers.context import AppContext, SessionContext
from client.workers.courses import Fetched, cache_assignments, fetch_assignments, load_my_courses
from sync.records.my_courses import CourseItem, MyCourses, Summary, sort_key
from sync.records.server_view import ServerOutcomes

if TYPE_CHECKING:  # the engines load after the first window shows
    from sync.content.downloader import DownloadProgress


class SummaryPanel(QFrame):
    """This year's 学时 against the target, split into what the server confirmed and what waits on
    this PC, and the server's standing and rankings as of the last sync. GUI thread only."""

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("role", "summary")
        self.summary: Summary | None = None
        self.server: ServerOutcomes | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(20, 12, 20, 12)
        self.year_label = QLabel()
        self.year_label.setProperty("role", "muted")
        self.hours = QLabel("0")
        self.hours.setObjectName("hours")
        self.hours.setProperty("role", "big")
        self.target = QLabel()
        self.target.setObjectName("target")
        figures = QHBoxLayout()
        figures.setSpacing(8)
        figures.addWidget(self.hours, 0, Qt.AlignmentFlag.AlignBaseline)
        figures.addWidget(self.target, 0, Qt.AlignmentFlag.AlignBaseline)
        figures.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.year_label)
        left.addLayout(figures)
        row.addLayout(left)
        row.addSpacing(24)
        self.split = QLabel()
        self.split.setObjectName("split")
        self.split.setWordWrap(True)
        self.synced = QLabel()
        self.synced.setObjectName("synced")
        self.synced.setWordWrap(True)
        self.rule = QLabel()
        self.rule.setObjectName("rule")
        self.rule.setProperty("role", "muted")
        self.rule.setWordWrap(True)
        self.ranking = QLabel()
        self.ranking.setObjectName("ranking")
        self.ranking.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.split)
        right.addWidget(self.synced)
        right.addWidget(self.ranking)
        right.addWidget(self.rule)
        row.addLayout(right, 1)

    def set_summary(self, summary: Summary, server: ServerOutcomes | None = None) -> None:
        self.summary = summary
        self.server = server
        self.retranslate()

    def retranslate(self) -> None:
        s = self.summary
        year = s.year if s else date.today().year
        self.year_label.setText(self.tr("Credit hours earned in %1").replace("%1", str(year)))
        self.hours.setText(f"{s.credited_hours:g}" if s else "0")
        target = s.target_hours if s else 0.0
        self.target.setText(self.tr("/ target %1 h").replace("%1", f"{target:g}") if target else self.tr("h"))
        req, ele = (s.required_hours, s.elective_hours) if s else (0, 0)
        self.split.setText(self.tr("Required: %1 h   ·   Elective: %2 h").replace("%1", f"{req:g}")
                           .replace("%2", f"{ele:g}"))
        synced, pending = (s.synced_hours, s.pending_hours) if s else (0, 0)
        server = self.server if self.server is not None and self.server.year == year else None
        if server is not None:  # the server's own figure, as of the last sync
            synced = float(server.total)
        self.synced.setText(self.tr("Confirmed by the server: %1 h   ·   Waiting to sync from this PC: %2 h")
                            .replace("%1", f"{synced:g}").replace("%2", f"{pending:g}"))
        self.ranking.setText(self._ranking_text(server))
        self.ranking.setVisible(server is not None)
        self.rule.setText(self.tr("A course's credit hours count once the whole course is complete "
                                  "(videos, quizzes and exam)."))

    def _ranking_text(self, server: ServerOutcomes | None) -> str:
        if server is None:
            return ""
        standing = {"met": self.tr("Target met."), "on_track": self.tr("On track for the target."),
                    "behind": self.tr("Behind the target.")}.get(server.standing, "")
        parts = [standing] if standing else []
        r = server.ranking
        if r is not None:
            text = (self.tr("Rank %1 of %2 in %3; your unit ranks %4 of %5.") if r.parent is None else
                    self.tr("Rank %1 of %2 in %3; your unit ranks %4 of the %5 units under %6."))
            parts.append(text.replace("%1", str(r.rank_in_unit)).replace("%2", str(r.people_in_unit))
                         .replace("%3", r.unit).replace("%4", str(r.unit_rank)).replace("%5", str(r.units))
                         .replace("%6", r.parent or ""))
        parts.append(self.tr("(As of the last sync, %1.)").replace("%1", local_time_text(server.fetched_at)))
        return sentences(*parts)


class MyCoursesPage(QWidget):
    loaded = Signal()

    def __init__(self, app: AppContext, ctx: SessionContext) -> None:
        super().__init__()
        self._app = app
        self._ctx = ctx
        self.data = MyCourses()
        self.rows: dict[str, CourseRow] = {}
        self.error_text = ""
        self.import_result = ""  # the last import's outcome, as shown in the status bar
        self._build()
        self.retranslate()
        downloads = ctx.downloads
        if downloads is not None:
            downloads.progress.connect(self._on_downloads_progress)
            downloads.state_changed.connect(self._on_downloads_state_changed)
            downloads.finished.connect(self._on_downloads_finished)

    def _build(self) -> None:
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        self.list_host = QWidget()
        outer = QVBoxLayout(self.list_host)  # everything scrolls: on a small screen the cards get the room
        outer.setContentsMargins(24, 16, 16, 8)
        outer.setSpacing(10)
        head = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setProperty("role", "h1")
        self.who = QLabel()
        self.who.setProperty("role", "muted")
        head.addWidget(self.heading)
        head.addSpacing(16)
        head.addWidget(self.who, 1, Qt.AlignmentFlag.AlignBottom)
        outer.addLayout(head)
        self.reminders = RemindersBanner()
        outer.addWidget(self.reminders)
        self.summary = SummaryPanel()
        outer.addWidget(self.summary)
        self.classes = ClassesPanel()
        outer.addWidget(self.classes)
        filters = QHBoxLayout()
        self.kind_label = QLabel()
        self.kind = QComboBox()
        self.kind.setObjectName("kind_filter")
        self.status_label = QLabel()
        self.status = QComboBox()
        self.status.setObjectName("status_filter")
        for combo in (self.kind, self.status):
            combo.currentIndexChanged.connect(self._render)
        self.refresh_button = QPushButton()
        self.refresh_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))  # F5
        self.refresh_button.clicked.connect(self.refresh)
        self.import_button = QPushButton()
        self.import_button.setObjectName("import_usb")
        self.import_button.clicked.connect(self.import_from_folder)
        for w in (self.kind_label, self.kind, self.status_label, self.status):
            filters.addWidget(w)
        filters.addStretch(1)
        filters.addWidget(self.import_button)
        filters.addWidget(self.refresh_button)
        outer.addLayout(filters)
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setProperty("role", "error")
        self.notice.hide()
        outer.addWidget(self.notice)
        self.list_layout = QVBoxLayout()
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(10)
        outer.addLayout(self.list_layout)
        outer.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.list_host)
        page.addWidget(self.scroll_area, 1)
        self.empty = QLabel()
        self.empty.setProperty("role", "muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        s = self._ctx.session
        self.heading.setText(self.tr("My Courses"))
        who = " · ".join(x for x in (getattr(s, "display_name", ""), getattr(s, "unit", "")) if x)
        if getattr(s, "offline", False):
            who += "   " + self.tr("(signed in offline)")
        self.who.setText(who)
        self.kind_label.setText(self.tr("Type:"))
        self.status_label.setText(self.tr("Status:"))
        self._fill_combo(self.kind, [("all", self.tr("All")), ("required", self.tr("Required")),
                                     ("elective", self.tr("Elective"))])
        self._fill_combo(self.status, [("all", self.tr("All")), ("not_started", self.tr("Not started")),
                                       ("in_progress", self.tr("In progress")), ("completed", self.tr("Completed")),
                                       ("overdue", self.tr("Overdue"))])
        self.refresh_button.setText(self.tr("Refresh"))
        self.import_button.setText(self.tr("Import from USB…"))
        self.summary.retranslate()
        self.empty.setText(self.tr("No courses have been assigned to you yet.") if not self.data.items
                           else self.tr("No course matches the filter."))
        if self.error_text:
            self.notice.setText(self.error_text)

    @staticmethod
    def _fill_combo(combo: QComboBox, entries: list[tuple[str, str]]) -> None:
        current = combo.currentData() or "all"
        combo.blockSignals(True)
        combo.clear()
        for key, text in entries:
            combo.addItem(text, key)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    # ---- loading
    def refresh(self) -> None:
        """Show the cache now; then fetch fresh assignments from the server and show them."""
        self.reload()
        session = self._ctx.session
        run_task(self._app.lanes.net, lambda _c: fetch_assignments(session), self._on_fetched,
                 self._on_fetch_failed, name="assignments")

    def reload(self) -> None:
        session, store, target = self._ctx.session, self._app.store, self._ctx.site.yearly_target_hours
        run_task(self._app.lanes.db, lambda _c: load_my_courses(session, store, target_hours=target),
                 self._on_loaded, self._on_load_failed, name="my-courses")

    def _on_fetched(self, fetched: Fetched) -> None:
        self._set_notice("")
        session = self._ctx.session
        run_task(self._app.lanes.db, lambda _c: cache_assignments(session, fetched), lambda _r: self.reload(),
                 self._on_load_failed, name="cache-assignments")

    def _on_fetch_failed(self, error: BaseException) -> None:
        # the saved list still works (studying offline is normal): something to know, not an alarm
        self._set_notice(sentences(self.tr("Could not get the latest course list; showing the one saved on this PC."),
                                   describe(error)), role="notice")

    def _on_loaded(self, data: MyCourses) -> None:
        self.data = data
        self.summary.set_summary(data.summary, data.server)
        self.reminders.set_outcomes(data.server, frozenset(i.course_id for i in data.items if i.completed), data.today)
        self.classes.set_outcomes(data.server)
        self._render()
        self.loaded.emit()

    def _on_load_failed(self, error: BaseException) -> None:
        self._set_notice(describe(error))

    def _set_notice(self, text: str, *, role: str = "error") -> None:
        self.error_text = text
        self.notice.setText(text)
        if self.notice.property("role") != role:
            self.notice.setProperty("role", role)
            self.notice.style().unpolish(self.notice)
            self.notice.style().polish(self.notice)
        self.notice.setVisible(bool(text))

    # ---- rendering
    def visible_items(self) -> list[CourseItem]:
        kind, status, today = self.kind.currentData() or "all", self.status.currentData() or "all", self.data.today
        out = []
        for item in self.data.items:
            if kind != "all" and item.required != (kind == "required"):
                continue
            if status == "overdue" and not item.overdue(today):
                continue
            if status not in ("all", "overdue") and item.status != status:
                continue
            out.append(item)
        return sorted(out, key=lambda i: sort_key(i, today))

    def _render(self) -> None:
        items = self.visible_items()
        if items and [i.course_id for i in items] == list(self.rows):  # the same cards: update them in place
            for item in items:
                self.rows[item.course_id].set_item(item, self.data.today)
            return
        for row in self.rows.values():
            row.setParent(None)
            row.deleteLater()
        self.rows = {}
        self.empty.setParent(None)
        items = self.visible_items()
        for index, item in enumerate(items):
            row = CourseRow(item, self.data.today)
            self._wire_row(row)
            self.list_layout.insertWidget(index, row)
            self.rows[item.course_id] = row
        if not items:
            self.retranslate()
            self.list_layout.insertWidget(0, self.empty)

    def _wire_row(self, row: CourseRow) -> None:
        cid = row.item.course_id
        row.open_clicked.connect(self._open_course)
        dl = self._ctx.downloads
        if dl is None:
            row.download.setEnabled(False)
            return
        row.download.set_windows(dl.site.download_windows)
        row.download_clicked.connect(dl.start)
        row.download.start_clicked.connect(lambda: dl.start(cid))
        row.download.pause_clicked.connect(lambda: dl.pause(cid))
        row.download.resume_clicked.connect(lambda: dl.resume(cid))
        row.download.cancel_clicked.connect(lambda: dl.cancel(cid))
        if (p := dl.last_progress.get(cid)) is not None:
            row.show_progress(p)
        self._show_state(row, dl.state(cid))

    def _show_state(self, row: CourseRow, state: str) -> None:
        dl = self._ctx.downloads
        err = dl.errors.get(row.item.course_id) if dl is not None else None
        row.download.set_windows(dl.site.download_windows if dl is not None else ())
        row.show_download(state, describe(err) if err is not None and state == "failed" else "")

    def _on_downloads_progress(self, course_id: str, progress: DownloadProgress) -> None:
        if (row := self.rows.get(course_id)) is not None:
            row.show_progress(progress)

    def _on_downloads_state_changed(self, course_id: str, state: str) -> None:
        if (row := self.rows.get(course_id)) is not None:
            self._show_state(row, state)
        if state == "idle":
            self.reload()

    def _on_downloads_finished(self, _course_id: str) -> None:
        self.reload()

    def _open_course(self, course_id: str) -> None:
        if self._ctx.open_course is not None:
            self._ctx.open_course(course_id)

    # ---- import from a folder (USB stick)
    def import_from_folder(self, folder: str | None = None) -> None:
        folder = folder or QFileDialog.getExistingDirectory(self, self.tr("Choose the course folder on the USB stick"),
                                                            start_folder())
        if not folder:
            return
        store, keys, path = self._app.store, self._ctx.site.trusted_keys(), Path(folder)
        if store is None:  # the engines are still loading
            return
        import_with_progress(self._app.lanes, self, lambda ctx: import_folder(path, store, keys, ctx),
                             self._on_imported)

    def _on_imported(self, outcome: ImportOutcome) -> None:
        self.import_result = outcome.message
        self._set_notice("" if outcome.ok else outcome.message)
        self.reload()  # a package of several courses may have stored some before it stopped
