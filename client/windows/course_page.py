"""The course page: lessons (duration, coverage, status, playable or not), the course download,
quizzes and exam, documents, study rules.

Everything it shows is loaded off the GUI thread by client.workers.course_page: the verified
manifest and which lesson files are present come from the content store, the person's
progress from their profile database, both in one task on the SQLite lane. Documents open
with the system viewer from a copy of the verified blob that carries the document's own
(checked) file name, made on a worker. Playing a lesson goes through the
``open_lesson(course_id, lesson_id)`` callback the app passes in. A course or lesson not on
this PC offers its download right here (``download_requested(course_id)``; with the session's
DownloadManager the page also starts, pauses and cancels it) and shows the whole download's
bytes, speed and time left, and each lesson's own share; a lesson becomes playable the moment
its file is verified.
GUI thread only. Must not import the player engines.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from client.durations import format_duration
from client.messages import describe
from client.policy_text import policy_lines
from client.tasks import Lanes, TaskContext, run_task
from client.widgets.assessment_text import attempts_left_text
from client.widgets.coverage_bar import CoverageBar
from client.widgets.download_controls import DownloadControls
from client.workers import downloads as dl_states
from client.workers.context import ProfileSession
from client.workers.course_page import CourseData, load_course_data, viewer_copy
from sync.content.store import ContentStore
from sync.protocol.assessment import EXAM
from sync.protocol.manifest import FileEntry, Manifest

if TYPE_CHECKING:
    from client.workers.downloads import DownloadManager
    from sync.content.downloader import DownloadProgress
    from sync.protocol.assessment import Assessment
    from sync.records.progress import LessonProgress


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
        open_assessment: Callable[[str, str], None] | None = None,
        downloads: DownloadManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.course_id = course_id
        self._store = store
        self._lanes = lanes
        self._session = session
        self._open_lesson = open_lesson
        self._open_assessment = open_assessment
        self._downloads = downloads
        self.data: CourseData | None = None
        self.error_text = ""
        self.lesson_buttons: dict[str, QPushButton] = {}
        self.lesson_bars: dict[str, CoverageBar] = {}
        self.lesson_status: dict[str, QLabel] = {}
        self.document_buttons: dict[str, QPushButton] = {}
        self.download_controls: DownloadControls | None = None
        self.download_button: QPushButton | None = None
        self.assessment_status: dict[str, QLabel] = {}  # "quiz:<name>" / "exam" -> its state in words
        self.assessment_buttons: dict[str, QPushButton] = {}  # "quiz:<name>" / "exam" -> what opens it
        self.exam_locked_note: QLabel | None = None
        self.server_grade_notes: dict[str, QLabel] = {}  # "quiz:<name>" / "exam" -> the server's differing grade
        self._refreshing = False
        self._refresh_again = False

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
        if downloads is not None:
            downloads.progress.connect(self._on_download_progress)
            downloads.state_changed.connect(self._on_download_state)
            downloads.lesson_ready.connect(self._on_lesson_ready)
            downloads.finished.connect(self._on_download_finished)
        self.refresh()

    # -- loading -------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload manifest, file states and progress (after a download or a checkpoint)."""
        if self._refreshing:  # one load at a time; news during it asks for one more
            self._refresh_again = True
            return
        self._refreshing = True
        store, session, course_id = self._store, self._session, self.course_id

        def work(ctx: TaskContext) -> CourseData:
            return load_course_data(store, session, course_id)

        run_task(self._lanes.db, work, self._on_loaded, self._on_load_failed, name="course-page")

    def _loaded_once(self) -> None:
        self._refreshing = False
        if self._refresh_again:
            self._refresh_again = False
            self.refresh()
        else:
            self.loaded.emit()

    def _on_loaded(self, data: CourseData) -> None:
        self.data = data
        self.error_text = ""
        self._render()
        self._loaded_once()

    def _on_load_failed(self, error: BaseException) -> None:
        self.error_text = describe(error)
        self._render()
        self._loaded_once()

    # -- the course's download ---------------------------------------------------------
    def request_download(self) -> None:
        self.download_requested.emit(self.course_id)
        if self._downloads is not None:
            self._downloads.start(self.course_id)

    def _on_download_progress(self, course_id: str, progress: DownloadProgress) -> None:
        if course_id != self.course_id:
            return
        if self.data is not None and self.data.manifest is None and not self._refreshing:
            self.refresh()  # the manifest is stored before the first byte of a lesson: show the lessons
        if self.download_controls is not None:
            self.download_controls.set_progress(progress)
        self._show_lesson_downloads(progress)

    def _on_download_state(self, course_id: str, state: str) -> None:
        if course_id != self.course_id or self.download_controls is None:
            return
        self._show_download_state(state)

    def _on_lesson_ready(self, course_id: str, _blob: str) -> None:
        if course_id == self.course_id:
            self.refresh()  # that lesson's file is verified: it plays now

    def _on_download_finished(self, course_id: str) -> None:
        if course_id == self.course_id:
            self.refresh()

    def _show_download_state(self, state: str) -> None:
        controls, downloads = self.download_controls, self._downloads
        if controls is None:
            return
        err = downloads.errors.get(self.course_id) if downloads is not None else None
        controls.set_state(state, describe(err) if err is not None and state == dl_states.FAILED else "")
        if self.download_button is not None:
            self.download_button.setVisible(state in (dl_states.IDLE, dl_states.FAILED))

    def _show_lesson_downloads(self, progress: DownloadProgress) -> None:
        """Each lesson still missing shows its own share of the download."""
        manifest = self.data.manifest if self.data else None
        if manifest is None or self.data is None:
            return
        for entry in manifest.lessons:
            label = self.lesson_status.get(entry.id)
            if label is None or entry.id in self.data.playable:
                continue
            have = progress.blob_bytes.get(entry.blob, 0)
            percent = int(100 * have / entry.size) if entry.size else 0
            file_state = self.tr("Downloading %1%").replace("%1", str(min(percent, 99))) if have else \
                self.tr("Waiting to download")
            label.setText(f"{self._learn_text(self.data.progress.get(entry.id))} · {file_state}")

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
        self.assessment_status.clear()
        self.assessment_buttons.clear()
        self.exam_locked_note = None
        self.server_grade_notes.clear()
        self.download_controls = None
        self.download_button = None
        manifest = self.data.manifest if self.data else None
        if manifest is None:
            assignment = self.data.assignment if self.data else None
            self._title.setText(assignment.title if assignment is not None else self.tr("Course not available"))
            if self.error_text:
                self._info.setText(self.error_text)
                return
            facts = []
            if assignment is not None:
                facts.append(self.tr("Required") if assignment.required else self.tr("Elective"))
                if assignment.due:
                    facts.append(self.tr("Due {date}").format(date=assignment.due[:10]))
                if assignment.credit_hours is not None:
                    facts.append(self.tr("{hours} credit hours").format(hours=f"{assignment.credit_hours:g}"))
            note = self.tr("This course is not on this PC yet. Download it here: each lesson plays as soon as "
                           "its own file has arrived, without waiting for the whole course.")
            self._info.setText("\n".join(x for x in (" · ".join(facts), note) if x))
            self._content_layout.addWidget(self._download_box(None))
            self._content_layout.addStretch(1)
            return
        self.setWindowTitle(manifest.title)
        self._title.setText(manifest.title)
        self._info.setText(self._info_text(manifest))
        assert self.data is not None
        if self.data.bytes_present < self.data.bytes_total:
            self._content_layout.addWidget(self._download_box(manifest))
        self._content_layout.addWidget(self._lessons_box(manifest))
        if manifest.quizzes or manifest.exam is not None:
            self._content_layout.addWidget(self._assessments_box(manifest))
        if manifest.documents:
            self._content_layout.addWidget(self._documents_box(manifest))
        self._content_layout.addWidget(self._rules_box(manifest))
        self._content_layout.addStretch(1)
        dl = self._downloads
        if dl is not None and dl.state(self.course_id) in (dl_states.RUNNING, dl_states.WAITING_NETWORK) \
                and (p := dl.last_progress.get(self.course_id)) is not None:
            self._show_lesson_downloads(p)

    def _download_box(self, manifest: Manifest | None) -> QGroupBox:
        """The whole course's download: what is missing, a start button, then bytes, speed and time left."""
        assert self.data is not None
        box = QGroupBox(self.tr("Download"), self._content)
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        text = self.tr("Download this course") if manifest is None else self.tr("Download missing lessons")
        button = QPushButton(text, box)
        button.setObjectName("download_course")
        button.setProperty("role", "primary")
        button.clicked.connect(self.request_download)
        row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        controls = DownloadControls()
        controls.offer_start = False
        controls.caption.hide()  # the box says it
        controls.set_sizes(self.data.bytes_present, self.data.bytes_total)
        layout.addWidget(controls)
        self.download_controls, self.download_button = controls, button
        downloads = self._downloads
        if downloads is not None:
            controls.set_windows(downloads.site.download_windows)
            controls.pause_clicked.connect(lambda: downloads.pause(self.course_id))
            controls.resume_clicked.connect(lambda: downloads.resume(self.course_id))
            controls.cancel_clicked.connect(lambda: downloads.cancel(self.course_id))
            if (p := downloads.last_progress.get(self.course_id)) is not None:
                controls.set_progress(p)
            self._show_download_state(downloads.state(self.course_id))
        return box

    def _assessments_box(self, manifest: Manifest) -> QGroupBox:
        """The quizzes and the exam: each one's state and attempts left, the button that opens it,
        and what still stands before the exam."""
        assert self.data is not None
        box = QGroupBox(self.tr("Quizzes and exam"), self._content)
        grid = QGridLayout(box)
        grid.setColumnStretch(0, 1)
        titles = {e.id: e.title for e in manifest.lessons}
        row = 0
        for index, quiz in enumerate(manifest.quizzes, start=1):
            text = self.tr("Quiz after %1").replace("%1", titles[quiz.lesson]) if quiz.lesson in titles else \
                self.tr("Quiz %1").replace("%1", str(index))
            row = self._assessment_row(grid, row, quiz, text, self._quiz_button_text(quiz), locked=False)
        exam = manifest.exam
        if exam is not None:
            missing = self.data.exam_missing
            row = self._assessment_row(grid, row, exam, self.tr("Final exam"), self._exam_button_text(exam),
                                       locked=bool(missing))
            if missing and exam.name not in self.data.passed:
                note = QLabel(self._exam_missing_text(manifest, missing), box)
                note.setObjectName("exam_locked")
                note.setWordWrap(True)
                note.setProperty("role", "notice")
                grid.addWidget(note, row, 0, 1, 3)
                self.exam_locked_note = note
                row += 1
        required = [a for a in (*manifest.quizzes, *((exam,) if exam else ())) if a.required]
        if not all(a.name in self.data.passed for a in required):
            note = QLabel(self.tr("The course counts as complete, and its credit hours count, only once its "
                                  "required quizzes and the exam are passed."), box)
            note.setWordWrap(True)
            note.setProperty("role", "muted")
            grid.addWidget(note, row, 0, 1, 3)
        return box

    def _assessment_row(self, grid: QGridLayout, row: int, test: Assessment, text: str, button_text: str, *,
                        locked: bool) -> int:
        """Lay out one quiz or the exam at ``row``; returns the next free row."""
        assert self.data is not None
        parent = grid.parentWidget()
        used = self.data.attempts_used.get(test.id, 0)
        left = test.attempts_left(used)
        passed = test.name in self.data.passed
        interrupted = test.kind == EXAM and self.data.exam_interrupted
        if passed:
            state = self.tr("Passed")
        elif interrupted:
            state = self.tr("Interrupted: continue it to finish")
        elif used == 0:
            state = self.tr("Not done yet")
        else:
            state = self.tr("Not passed yet · %1").replace("%1", attempts_left_text(left))
        grid.addWidget(QLabel(text, parent), row, 0)
        status = QLabel(state, parent)
        status.setWordWrap(True)
        status.setProperty("role", "ok" if passed else "muted")
        grid.addWidget(status, row, 1)
        self.assessment_status[test.name] = status
        latest = next((g for g in reversed(self.data.graded) if g.assessment_id == test.id), None)
        if latest is not None and latest.server is not None and latest.differs:
            score, top, server_passed = latest.server
            verdict = self.tr("passed") if server_passed else self.tr("not passed")
            note = QLabel(self.tr("The server graded your last attempt %1 of %2, %3. The score worked out on this "
                                  "PC was %4 of %5; the server's grade counts.").replace("%1", str(score))
                          .replace("%2", str(top)).replace("%3", verdict).replace("%4", str(latest.score))
                          .replace("%5", str(latest.max_score)), parent)
            note.setWordWrap(True)
            note.setProperty("role", "notice")
            grid.addWidget(note, row + 1, 0, 1, 3)
            self.server_grade_notes[test.name] = note
        next_row = row + (2 if test.name in self.server_grade_notes else 1)
        if passed and test.kind == EXAM:
            return next_row
        button = QPushButton(button_text, parent)
        button.setObjectName(f"open_{test.kind}")
        button.setEnabled(self._open_assessment is not None and not locked and (interrupted or left != 0))
        button.clicked.connect(lambda _=False, name=test.id: self.open_assessment(name))
        grid.addWidget(button, row, 2)
        self.assessment_buttons[test.name] = button
        return next_row

    def _quiz_button_text(self, quiz: Assessment) -> str:
        assert self.data is not None
        return self.tr("Take it again") if self.data.attempts_used.get(quiz.id, 0) else self.tr("Take the quiz")

    def _exam_button_text(self, exam: Assessment) -> str:
        assert self.data is not None
        if self.data.exam_interrupted:
            return self.tr("Continue the exam")
        return self.tr("Take the exam again") if self.data.attempts_used.get(exam.id, 0) else \
            self.tr("Start the exam")

    def _exam_missing_text(self, manifest: Manifest, missing: list[tuple[str, str]]) -> str:
        titles = {e.id: e.title for e in manifest.lessons}
        quizzes = {q.id: q for q in manifest.quizzes}
        lessons = [titles.get(i, i) for kind, i in missing if kind == "lesson"]
        tests = [titles.get(quizzes[i].lesson or "", i) for kind, i in missing if kind == "quiz" and i in quizzes]
        parts = []
        if lessons:
            parts.append(self.tr("finish watching: %1").replace("%1", "、".join(lessons)))
        if tests:
            parts.append(self.tr("pass the quiz after: %1").replace("%1", "、".join(tests)))
        return self.tr("The final exam opens once you %1.").replace("%1", self.tr("; and ").join(parts))

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
        for row, entry in enumerate(manifest.lessons):
            progress = self.data.progress.get(entry.id)
            present = entry.id in self.data.playable
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
        return box

    def _learn_text(self, progress: LessonProgress | None) -> str:
        if progress is None or (not progress.covered_s and not progress.position_s):
            return self.tr("Not started")
        if progress.completed:
            return self.tr("Completed")
        return self.tr("In progress")

    def _status_text(self, progress: LessonProgress | None, present: bool) -> str:
        file_state = self.tr("Ready to play") if present else self.tr("Not downloaded")
        return f"{self._learn_text(progress)} · {file_state}"

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

    def open_assessment(self, assessment_id: str) -> None:
        """Open a quiz (by its id) or the exam ("exam") through the callback the app passed in."""
        if self._open_assessment is not None:
            self._open_assessment(self.course_id, assessment_id)

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
            self.no_viewer(path)

    def no_viewer(self, path: Path) -> QMessageBox:
        """Say what to do when no program on this PC opens the document, and offer its folder."""
        kind = path.suffix.lstrip(".").upper() or "?"
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Open document"), self.tr(
            "No program on this PC can open {kind} files. Ask your administrator to install a reader for "
            "{kind} files, or copy the file to a PC that has one.\n\nThe file is at:\n{path}").format(
                kind=kind, path=path), QMessageBox.StandardButton.Close, self)
        folder = box.addButton(self.tr("Show the folder"), QMessageBox.ButtonRole.ActionRole)
        folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))))
        box.setObjectName("no_viewer")
        box.open()
        return box

    def _on_document_failed(self, error: BaseException) -> None:
        with contextlib.suppress(RuntimeError):  # the page may be gone
            QMessageBox.warning(self, self.tr("Open document"), describe(error))
