"""The player window: one lesson, VLC embedded, credited time counting live.

Loads the lesson (verified file, saved progress) on the SQLite lane, opens it through the
PlayerBridge (VLC parses it on a worker first, so a missing or corrupt file is reported
before any credit: libvlc itself would "play" a corrupt file and end at once), resumes at the
saved position and saves on the SQLite lane (never on this thread): the open span every few
seconds in the progress row (``sync.records.progress.save_progress``), each closed span as one
signed record (``save_checkpoint``). A window that did not get the person's study lock plays
without credit, saves nothing, and says why.
Policy enforcement in the UI: seek slider limit, rate menu capped at ``max_rate``, the
attention check, pausing when minimised or when another application's window takes over (and
saying so). At the end of the lesson it says whether the lesson is complete and offers the next
one; "watch again" (and opening a completed lesson) starts from the beginning.
GUI thread only. Must not call VLC directly (the bridge does) nor do file or DB I/O here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from client.messages import describe, message_for_code
from client.player_bridge import ENDED, PLAYING, BackendFactory, PlayerBridge
from client.player_io import LessonLoad, OutboxHolder, discard_if_damaged, load_lesson
from client.tasks import Lanes, TaskContext, run_task
from client.widgets.player_controls import PlayerControls, VideoArea
from client.windows.attention_dialog import AttentionDialog
from client.workers.context import ProfileSession
from player.accounting import WatchAccounting, WatchCheckpoint
from player.backend import MediaInfo, PlayerBackend
from player.clock import Clock, monotonic
from player.errors import PolicyError
from player.events import PlayerEvent
from player.policy import PlayerPolicy
from sync.content.store import ContentStore
from sync.protocol.records import Record

_ACTIVITY_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseMove, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel}
_STEP_S = 10.0
_HEADLESS_PLATFORMS = {"offscreen", "minimal"}


def default_backend_factory(headless: bool) -> BackendFactory:
    def make(on_event: Callable[[PlayerEvent], None]) -> PlayerBackend:
        from player.vlc_backend import VlcBackend

        # Mouse and keys over the video must reach Qt (idle detection, double-click, shortcuts),
        # not VLC's own window.
        return VlcBackend(on_event, headless=headless, extra_args=("--no-mouse-events", "--no-keyboard-events"))

    return make


class PlayerWindow(QWidget):
    """Plays one lesson. GUI thread only."""

    download_requested = Signal(str)  # course_id: the lesson file is missing or damaged
    next_lesson_requested = Signal(str, str)  # course_id, lesson_id: "next lesson" at the end
    lesson_completed = Signal(str, str)  # course_id, lesson_id: played to its end and complete (its quiz may open)
    quit_requested = Signal()  # Ctrl+Q: quit the app, as in the main window
    progress_saved = Signal(str, str)  # course_id, lesson_id (a checkpoint reached the database)
    save_failed = Signal(str)  # translated message

    def __init__(
        self,
        course_id: str,
        lesson_id: str,
        *,
        store: ContentStore,
        lanes: Lanes,
        session: ProfileSession,
        backend_factory: Callable[[bool], BackendFactory] = default_backend_factory,
        clock: Clock = monotonic,
        checkpoint_interval_s: float = 5.0,
        record_interval_s: float = 60.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.course_id, self.lesson_id = course_id, lesson_id
        self._store, self._lanes, self._session = store, lanes, session
        self._clock = clock
        self._outbox = OutboxHolder(session)
        self.policy: PlayerPolicy | None = None
        self.load: LessonLoad | None = None
        self.error_code: str | None = None
        self.saves_done = 0
        self._paused_by_hiding = False
        self._pause_reason: str | None = None  # "hidden", "minimised", "attention" or "user"
        self.next_lesson: tuple[str, str] | None = None  # id and title of the lesson after this one
        self._last_activity = 0.0
        self._closed = False
        self.attention_dialog: AttentionDialog | None = None

        self.video = VideoArea(self)
        self.controls = PlayerControls(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video, 1)
        layout.addWidget(self.controls)
        for widget in (self, self.video, self.controls):
            widget.setMouseTracking(True)  # so plain mouse moves reach the idle check

        handle = self.video.surface.native_handle()
        # No screen at all (tests, servers): VLC's dummy outputs. A screen without native child
        # windows (e.g. Wayland without XWayland): VLC opens its own video window rather than none.
        headless = QApplication.platformName() in _HEADLESS_PLATFORMS
        self.bridge = PlayerBridge(backend_factory(headless), clock=clock,
                                   checkpoint_interval_s=checkpoint_interval_s,
                                   record_interval_s=record_interval_s, parent=self)
        self._native_handle = handle
        self._connect()
        self.retranslate()
        self.resize(1024, 680)
        if (app := QApplication.instance()) is not None:  # idle detection watches every window's input
            app.installEventFilter(self)
        self._start_loading()

    # -- wiring ----------------------------------------------------------------------
    def _connect(self) -> None:
        b, c = self.bridge, self.controls
        b.position_changed.connect(c.set_position_ms)
        b.duration_changed.connect(c.set_duration_ms)
        b.state_changed.connect(self._on_state)
        b.credit_changed.connect(self._on_credit)
        b.opened.connect(self._on_opened)
        b.error.connect(self._on_error)
        b.attention_required.connect(self._on_attention)
        b.checkpoint_ready.connect(self._save_checkpoint)
        b.ended.connect(self._on_ended)
        b.progress_ready.connect(self._save_pending)
        c.play_clicked.connect(self.toggle_play)
        c.seek_slider.seek_requested.connect(lambda ms: self.seek_to(ms / 1000.0))
        c.rate_chosen.connect(self.bridge.set_rate)
        c.volume_changed.connect(self.bridge.set_volume)
        c.fullscreen_clicked.connect(self.toggle_fullscreen)
        self.video.surface.double_clicked.connect(self.toggle_fullscreen)
        self.video.surface.clicked.connect(self.toggle_play)
        self.video.download_clicked.connect(self.download_again)
        self.video.close_clicked.connect(self.close)
        self.video.next_clicked.connect(self.open_next_lesson)
        self.video.again_clicked.connect(self.watch_again)
        keys = {
            Qt.Key.Key_Space: self.toggle_play, Qt.Key.Key_Left: lambda: self.step(-_STEP_S),
            Qt.Key.Key_Right: lambda: self.step(_STEP_S), Qt.Key.Key_F11: self.toggle_fullscreen,
            Qt.Key.Key_Escape: self.leave_fullscreen,
        }
        for key, slot in keys.items():
            QShortcut(QKeySequence(key), self, slot, context=Qt.ShortcutContext.WindowShortcut)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)
        # Ctrl+Q everywhere (the platform's standard "Quit" key is empty on Windows)
        QShortcut(QKeySequence("Ctrl+Q"), self, self.quit_requested.emit)

    def retranslate(self) -> None:
        title = self.load.title if self.load and self.load.title else self.tr("Lesson")
        self.setWindowTitle(self.tr("{title} — StudyDesk").format(title=title))
        self.controls.retranslate()
        self.video.retranslate()
        self._show_pause_reason()
        if self.error_code:
            self.video.show_problem(self._problem_text(self.error_code), self._can_redownload(self.error_code))

    def changeEvent(self, event: QEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.LanguageChange:
            self.retranslate()
        elif kind == QEvent.Type.WindowStateChange:
            self.controls.set_fullscreen(self.isFullScreen())
            self._check_visibility()
        elif kind == QEvent.Type.ActivationChange:
            # Activation moves in two steps (old window loses it, new one gains it): look once it settled.
            QTimer.singleShot(150, self._check_visibility)
        super().changeEvent(event)

    # -- loading ---------------------------------------------------------------------
    def _start_loading(self) -> None:
        store, holder, cid, lid = self._store, self._outbox, self.course_id, self.lesson_id

        def work(ctx: TaskContext) -> LessonLoad:
            return load_lesson(store, holder, cid, lid)

        run_task(self._lanes.db, work, self._on_loaded, lambda e: self._on_error("playback_failed"),
                 name="load-lesson")

    def _on_loaded(self, load: LessonLoad) -> None:
        if self._closed:
            return
        self.load = load
        if load.manifest is None:
            self._on_error("lesson_unknown")
            return
        try:
            self.policy = load.manifest.policy
        except PolicyError as exc:
            self._on_error(exc.code)
            return
        self.controls.set_policy(self.policy)
        ids = [e.id for e in load.manifest.lessons]
        if self.lesson_id in ids and ids.index(self.lesson_id) + 1 < len(ids):
            after = load.manifest.lessons[ids.index(self.lesson_id) + 1]
            self.next_lesson = (after.id, after.title)
        self.retranslate()
        if load.path is None:
            self._on_error("file_missing")
            return
        if self._native_handle is not None and self.bridge.backend is not None:
            self.bridge.backend.set_window(self._native_handle)
        self.bridge.open(str(load.path))

    def _on_opened(self, info: MediaInfo) -> None:
        backend = self.bridge.backend
        if self._closed or self.policy is None or self.load is None or backend is None:
            return
        duration = backend.duration_s
        progress = self.load.progress
        accounting = WatchAccounting(
            self.policy, duration, self._clock,
            covered=list(progress.covered_segments) if progress is not None else [],
            position_s=progress.position_s if progress is not None else 0.0,
            study_s=progress.study_s if progress is not None else 0.0,
            earns_credit=self.load.earns_credit,
        )
        if not self.load.earns_credit:
            self.controls.show_error(self.tr(
                "You are studying another lesson in another window or copy of StudyDesk: this window "
                "plays, but earns no credit. Close the other lesson to earn credit here."))
        self.controls.set_duration_ms(int(duration * 1000))
        self.bridge.set_volume(self.controls.volume.value())
        # A lesson already completed is watched again from its beginning, as its button says.
        done = progress is not None and progress.completed
        resume = accounting.position_s if not done and accounting.position_s < duration - 1.0 else 0.0
        self.bridge.start(accounting, resume)

    # -- playback controls --------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.attention_dialog is not None:
            self.attention_dialog.show()
            return
        if self.bridge.accounting is None or self.error_code is not None:
            return
        if not self.bridge.playing and self.bridge.state == ENDED:
            self.watch_again()
            return
        self._pause_reason = "user"  # shown only once it pauses
        self.controls.clear_warning()  # it answered the person's previous action
        self.bridge.toggle()
        self._show_pause_reason()

    def watch_again(self) -> None:
        """From the beginning: after the end, or from the end panel."""
        if self.bridge.accounting is None or self.error_code is not None:
            return
        self.video.show_video()
        self._pause_reason = None
        self.controls.clear_warning()
        self.bridge.seek(0.0)
        self.bridge.play()

    def open_next_lesson(self) -> None:
        if self.next_lesson is not None:
            self.next_lesson_requested.emit(self.course_id, self.next_lesson[0])

    def seek_to(self, to_s: float) -> bool:
        if self.error_code is not None:
            return False
        if self.bridge.seek(to_s):
            self.controls.clear_warning()
            if self.video.currentWidget() is self.video.finished:  # moved back from the end panel
                self.video.show_video()
            return True
        self.controls.seek_slider.refuse(target_ms=int(to_s * 1000))
        return False

    def step(self, delta_s: float) -> None:
        acc = self.bridge.accounting
        if acc is None:
            return
        target = max(0.0, min(acc.duration_s, acc.position_s + delta_s))
        self.controls.seek_slider.request_seek(int(target * 1000))

    def toggle_fullscreen(self) -> None:
        if self.isFullScreen():
            self.leave_fullscreen()
        else:
            self.showFullScreen()

    def leave_fullscreen(self) -> None:
        if self.isFullScreen():
            self.showNormal()

    # -- bridge signals ------------------------------------------------------------------
    def _on_state(self, state: str) -> None:
        self.controls.set_playing(state == PLAYING and self.bridge.playing)
        self._show_pause_reason()

    def _show_pause_reason(self) -> None:
        """Every pause names its reason before it pauses; the reason shows while it stays paused."""
        paused = self.bridge.accounting is not None and not self.bridge.playing and self.bridge.state != ENDED
        reason = self._pause_reason if paused and self.error_code is None else None
        texts = {
            "hidden": self.tr("Paused because another window is in front. Playback continues when you click "
                              "this window."),
            "minimised": self.tr("Paused because the window was minimised. Playback continues when you open it "
                                 "again."),
            "attention": self.tr("Paused until you confirm that you are still studying."),
            "user": self.tr("Paused. Press Space or click Play to continue."),
        }
        self.controls.set_notice(texts.get(reason or "", ""))

    def _on_ended(self) -> None:
        acc = self.bridge.accounting
        if acc is None or self.error_code is not None:
            return
        self._pause_reason = None
        self.controls.clear_warning()
        self._show_pause_reason()
        missing = max(0.0, self.policy.completion_ratio * acc.duration_s - acc.covered_s) if self.policy else 0.0
        self.video.show_finished(acc.completed, self.next_lesson[1] if self.next_lesson else None, missing)
        if acc.completed:
            self.lesson_completed.emit(self.course_id, self.lesson_id)

    def _on_credit(self, covered_s: float) -> None:
        acc = self.bridge.accounting
        if acc is not None:
            self.controls.set_credit(covered_s, acc.duration_s, acc.segments(), acc.seek_limit_s,
                                     self.policy.seek_ahead if self.policy else True)

    def _on_error(self, code: str) -> None:
        self.error_code = code
        self.controls.setEnabled(False)
        self.video.show_problem(self._problem_text(code), self._can_redownload(code))

    @staticmethod
    def _can_redownload(code: str) -> bool:
        return code in {"file_missing", "media_corrupt", "media_ended_early"}

    def _problem_text(self, code: str) -> str:
        if code == "file_missing":
            return self.tr("The video file of this lesson is not on this PC. Download it again to watch; "
                           "nothing is credited until then.")
        if code == "media_corrupt":
            return self.tr("The video file of this lesson is damaged and cannot be played. Download it again; "
                           "nothing was credited for it.")
        if code == "media_ended_early":
            return self.tr("The video file of this lesson stops before its end: it is damaged. Download it "
                           "again; only what you really watched was credited.")
        if code == "lesson_unknown":
            return self.tr("This lesson is not part of any course on this PC.")
        return message_for_code(code)

    def download_again(self) -> None:
        """Ask the app to download the lesson again; a damaged file is first removed from the store."""
        if self.error_code == "file_missing" or self.load is None:
            self.download_requested.emit(self.course_id)
            return
        store, blob = self._store, self.load.blob
        self.video.download_button.setEnabled(False)
        run_task(self.bridge.worker_lane, lambda ctx: discard_if_damaged(store, blob), self._on_discarded,
                 lambda e: self.video.problem_label.setText(describe(e)), name="check-lesson-file")

    def _on_discarded(self, removed: bool) -> None:
        if removed:
            self.video.problem_label.setText(self.tr("The damaged file was removed. It is being downloaded "
                                                     "again; open the lesson when it is ready."))
            self.download_requested.emit(self.course_id)
        else:
            self.video.problem_label.setText(self.tr(
                "The file on this PC is exactly the published one, so downloading it again will not help. "
                "Please tell your training administrator that this lesson cannot be played."))

    def _on_attention(self, reason: str) -> None:
        self._pause_reason = "attention"
        self._show_pause_reason()
        dialog = AttentionDialog(self)
        dialog.answered.connect(self._on_attention_answered)
        self.attention_dialog = dialog
        dialog.show()

    def _on_attention_answered(self) -> None:
        self.bridge.answer_attention()
        if self.attention_dialog is not None:
            self.attention_dialog.deleteLater()
        self.attention_dialog = None
        self.activateWindow()
        self.bridge.play()

    # -- hiding, idle -----------------------------------------------------------------------
    def _ours_active(self) -> bool:
        active: QObject | None = QApplication.activeWindow()
        while active is not None:
            if active is self:
                return True
            active = active.parent()
        return False

    def _check_visibility(self) -> None:
        if not self._closed:
            self._set_hidden(self.isMinimized() or not self._ours_active())

    def _set_hidden(self, hidden: bool) -> None:
        if self.policy is None or not self.policy.pause_when_hidden or self.bridge.accounting is None:
            return
        if hidden and self.bridge.playing:
            self._pause_reason = "minimised" if self.isMinimized() else "hidden"
            self._paused_by_hiding = True
            self.bridge.pause()
        self.bridge.set_visible(not hidden)
        if not hidden and self._paused_by_hiding and self.attention_dialog is None:
            self._paused_by_hiding = False
            self.bridge.play()
        self._show_pause_reason()  # the state may not change (paused and played again at once)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY_EVENTS and isinstance(watched, QWidget) and watched.window() is self:
            now = time.monotonic()
            if now - self._last_activity >= 0.5:  # one report per half second is plenty
                self._last_activity = now
                self.bridge.user_activity()
        return False

    # -- saving -----------------------------------------------------------------------------
    def _save_checkpoint(self, cp: WatchCheckpoint) -> None:
        """A span closed: sign it (with the progress row), or only update the row when the span
        holds nothing to sign (a seek or pause with nothing watched)."""
        if cp.segments or cp.study_s > 0:
            self._save(cp, signed=True)
        else:
            self._save(cp, signed=False, pending=False)

    def _save_pending(self, cp: WatchCheckpoint) -> None:
        """The open span so far: kept in the progress row only, signed after a crash."""
        self._save(cp, signed=False)

    def _save(self, cp: WatchCheckpoint, *, signed: bool, pending: bool = True) -> None:
        from sync.records.progress import LessonProgress, save_checkpoint, save_progress

        acc = self.bridge.accounting
        if acc is None or self.load is None or not self.load.earns_credit:
            return
        body = cp.to_body()
        progress = LessonProgress(position_s=cp.position_s, covered_segments=acc.segments(), covered_s=cp.covered_s,
                                  duration_s=cp.duration_s, study_s=acc.study_s, completed=cp.completed)
        holder, cid, lid = self._outbox, self.course_id, self.lesson_id
        manifest = self.load.manifest
        version = manifest.version if manifest is not None else None

        def work(ctx: TaskContext) -> Record | None:
            if signed:
                return save_checkpoint(holder.get(), cid, lid, body, progress, version=version)
            save_progress(holder.get().conn, cid, lid, body if pending else None, progress, version=version)
            return None

        run_task(self._lanes.db, work, self._on_saved, self._on_save_failed, name="checkpoint")

    def _on_saved(self, record: Record | None) -> None:
        self.saves_done += 1
        self.progress_saved.emit(self.course_id, self.lesson_id)

    def _on_save_failed(self, error: BaseException) -> None:
        text = describe(error)
        self.controls.show_error(text)
        self.save_failed.emit(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed:
            self._closed = True
            if (app := QApplication.instance()) is not None:
                app.removeEventFilter(self)
            self.bridge.close()  # the final checkpoint is emitted and queued for saving
            holder = self._outbox
            # Stay alive until the final checkpoint is saved; then ``destroyed`` tells the shell.
            run_task(self._lanes.db, lambda ctx: holder.close(), lambda _r: self.deleteLater(),
                     lambda _e: self.deleteLater(), name="close-outbox")
        super().closeEvent(event)
