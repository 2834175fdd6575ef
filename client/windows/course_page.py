"""The course page: lessons (duration, coverage, status, playable or not), documents, study rules.

Everything it shows is loaded off the GUI thread by client.workers.course_page: the verified
manifest and which lesson files are present come from the content store, the person's
progress from their profile database, both in one task on the SQLite lane. Documents open
with the system viewer from a copy of the verified blob that carries the document's own
(checked) file name, made on a worker. Playing a lesson goes through the
``open_lesson(course_id, lesson_id)`` callback the app passes in; a missing lesson file offers
``download_requested(course_id)``.
GUI thread only. Must not import the player engines.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from client.messages import describe
from client.policy_text import policy_lines
from client.tasks import Lanes, TaskContext, run_task
from client.widgets.coverage_bar import CoverageBar
from client.workers.context import ProfileSession
from client.workers.course_page import CourseData, load_course_data, viewer_copy
from sync.content.store import ContentStore
from sync.protocol.manifest import FileEntry, Manifest

if TYPE_CHECKING:
    from sync.records.progress import LessonProgress


def format_duration(seconds: float) -> str:
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class CoursePage(QWidget):
    """One course, as a top-level window or a page inside the main window. GUI thread only."""

    download_requested = Signal(str)  # course_id
    document_opened = Signal(str)  # local path handed to the system viewer
    loaded = Signal()

    def __init__(
        self,
        course_id: str,
        *,
        store: ContentStore,
        lanes: Lanes,
        session: ProfileSession,
        open_lesson: Callable[[str, str], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.course_id = course_id
        self._store = store
        self._lanes = lanes
        self._session = session
        self._open_lesson = open_lesson
        self.data: CourseData | None = None
        self.error_text = ""
        self.lesson_buttons: dict[str, QPushButton] = {}
        self.lesson_bars: dict[str, CoverageBar] = {}
        self.lesson_status: dict[str, QLabel] = {}
        self.document_buttons: dict[str, QPushButton] = {}

        self._title = QLabel(self)
        self._title.setWordWrap(True)
        self._title.setProperty("role", "h1")  # the app style sheet's heading (text size aware)
        self._info = QLabel(self)
        self._info.setWordWrap(True)
        self._info.setProperty("role", "muted")
        self._content = QWidget(self)
        self._content_layout = QVBoxLayout(self._content)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._content)
        layout = QVBoxLayout(self)
        layout.addWidget(self._title)
        layout.addWidget(self._info)
        layout.addWidget(scroll, 1)
        self.resize(900, 640)
        self.refresh()

    # -- loading -------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload manifest, file states and progress (after a download or a checkpoint)."""
        store, session, course_id = self._store, self._session, self.course_id

        def work(ctx: TaskContext) -> CourseData:
            return load_course_data(store, session, course_id)

        run_task(self._lanes.db, work, self._on_loaded, self._on_load_failed, name="course-page")

    def _on_loaded(self, data: CourseData) -> None:
        self.data = data
        self.error_text = ""
        self._render()
        self.loaded.emit()

    def _on_load_failed(self, error: BaseException) -> None:
        self.error_text = describe(error)
        self._render()
        self.loaded.emit()

    # -- rendering -----------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange):  # language or text size
            self._render()
        super().changeEvent(event)

    def _render(self) -> None:
        self.setWindowTitle(self.tr("Course"))
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.4 if font.pointSizeF() > 0 else 16)
        font.setBold(True)
        self._title.setFont(font)
        while (item := self._content_layout.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        self.lesson_buttons.clear()
        self.lesson_bars.clear()
        self.lesson_status.clear()
        self.document_buttons.clear()
        manifest = self.data.manifest if self.data else None
        if manifest is None:
            self._title.setText(self.tr("Course not available"))
            self._info.setText(self.error_text or self.tr(
                "This course is not on this PC yet. Download it from My courses first."))
            return
        self.setWindowTitle(manifest.title)
        self._title.setText(manifest.title)
        self._info.setText(self._info_text(manifest))
        self._content_layout.addWidget(self._rules_box(manifest))
        self._content_layout.addWidget(self._lessons_box(manifest))
        if manifest.documents:
            self._content_layout.addWidget(self._documents_box(manifest))
        self._content_layout.addStretch(1)

    def _info_text(self, manifest: Manifest) -> str:
        total = sum(e.duration_s for e in manifest.lessons)
        parts = [
            self.tr("{hours} credit hours").format(hours=f"{manifest.credit_hours:g}"),
            self.tr("{count} lessons, {duration} in total").format(count=len(manifest.lessons),
                                                                   duration=format_duration(total)),
        ]
        if manifest.category:
            parts.insert(0, manifest.category)
        text = " · ".join(parts)
        return f"{text}\n{manifest.description}" if manifest.description else text

    def _rules_box(self, manifest: Manifest) -> QGroupBox:
        box = QGroupBox(self.tr("Study rules"), self._content)
        layout = QVBoxLayout(box)
        for line in policy_lines(manifest.policy):
            label = QLabel("• " + line, box)
            label.setWordWrap(True)
            layout.addWidget(label)
        return box

    def _lessons_box(self, manifest: Manifest) -> QGroupBox:
        assert self.data is not None
        box = QGroupBox(self.tr("Lessons"), self._content)
        grid = QGridLayout(box)
        grid.setColumnStretch(0, 3)  # the title
        grid.setColumnStretch(2, 2)  # the coverage bar
        missing = False
        for row, entry in enumerate(manifest.lessons):
            progress = self.data.progress.get(entry.id)
            present = entry.id in self.data.playable
            missing = missing or not present
            title = QLabel(f"{row + 1}. {entry.title}", box)
            title.setWordWrap(True)
            duration = QLabel(format_duration(entry.duration_s), box)
            bar = CoverageBar(box)
            bar.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 8)
            bar.set_duration(getattr(progress, "duration_s", 0.0) or entry.duration_s)
            bar.set_segments(getattr(progress, "covered_segments", None) or [])
            status = QLabel(self._status_text(progress, present), box)
            button = QPushButton(self._play_text(progress), box)
            button.setEnabled(present and self._open_lesson is not None)
            button.clicked.connect(lambda _=False, lesson=entry.id: self.play(lesson))
            for col, widget in enumerate((title, duration, bar, status, button)):
                grid.addWidget(widget, row, col)
            self.lesson_buttons[entry.id] = button
            self.lesson_bars[entry.id] = bar
            self.lesson_status[entry.id] = status
        if missing:
            download = QPushButton(self.tr("Download missing lessons"), box)
            download.clicked.connect(lambda: self.download_requested.emit(self.course_id))
            grid.addWidget(download, len(manifest.lessons), 0, 1, 5, Qt.AlignmentFlag.AlignLeft)
        return box

    def _status_text(self, progress: LessonProgress | None, present: bool) -> str:
        if progress is None or (not progress.covered_s and not progress.position_s):
            learn = self.tr("Not started")
        elif progress.completed:
            learn = self.tr("Completed")
        else:
            learn = self.tr("In progress")
        file_state = self.tr("Ready to play") if present else self.tr("Not downloaded")
        return f"{learn} · {file_state}"

    def _play_text(self, progress: LessonProgress | None) -> str:
        if progress is None or (not progress.covered_s and not progress.position_s):
            return self.tr("Start")
        if progress.completed:
            return self.tr("Review")
        return self.tr("Continue")

    def _documents_box(self, manifest: Manifest) -> QGroupBox:
        assert self.data is not None
        box = QGroupBox(self.tr("Documents"), self._content)
        grid = QGridLayout(box)
        grid.setColumnStretch(0, 1)
        for row, entry in enumerate(manifest.documents):
            title = QLabel(entry.title, box)
            title.setWordWrap(True)
            size = QLabel(self.tr("{size} KB").format(size=max(1, round(entry.size / 1024))), box)
            button = QPushButton(self.tr("Open"), box)
            present = entry.id in self.data.documents_present
            button.setEnabled(present)
            if not present:
                button.setToolTip(self.tr("Not downloaded yet"))
            button.clicked.connect(lambda _=False, doc=entry: self.open_document(doc))
            for col, widget in enumerate((title, size, button)):
                grid.addWidget(widget, row, col)
            self.document_buttons[entry.id] = button
        return box

    # -- actions ---------------------------------------------------------------------
    def play(self, lesson_id: str) -> None:
        if self._open_lesson is not None:
            self._open_lesson(self.course_id, lesson_id)

    def open_document(self, entry: FileEntry) -> None:
        manifest = self.data.manifest if self.data else None
        if manifest is None:
            return
        store = self._store

        def work(ctx: TaskContext) -> Path:
            return viewer_copy(store, manifest, entry)

        run_task(self._lanes.net, work, self._on_document_ready, self._on_document_failed, name="open-document")

    def _on_document_ready(self, path: Path) -> None:
        self.document_opened.emit(str(path))
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            QMessageBox.information(self, self.tr("Open document"), self.tr(
                "No program on this PC can open this kind of file. The file is at:\n{path}").format(path=path))

    def _on_document_failed(self, error: BaseException) -> None:
        with contextlib.suppress(RuntimeError):  # the page may be gone
            QMessageBox.warning(self, self.tr("Open document"), describe(error))
