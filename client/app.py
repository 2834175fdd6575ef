"""Start-up: builds every object the window needs and passes it down (no global app object).

Order: the site file and this PC account's safe overrides -> the data root -> one instance
per data root -> translations and theme -> the task lanes, the content store and the
sign-in service -> the main window. After a sign-in, ``Shell.start_session`` builds that
person's download manager and sync controller; ``end_session`` stops them (switch user,
quit). The course page and the player window come from the GUI-PLAYER workstream and are
built here too, with the same engines.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from client import i18n
from client.paths import content_dir, default_data_root
from client.settings import effective_site, machine_settings, profile_settings
from client.single_instance import SingleInstance, already_running_text
from client.tasks import Lanes, run_task
from client.theme import Theme, icon
from client.workers.context import AppContext, SessionContext
from sync.protocol.errors import SyncError
from sync.site.config import SiteConfig, load_site

if TYPE_CHECKING:  # the windows past sign-in and the engines load later, to show the first window sooner
    from client.windows.assessment_window import AssessmentWindow
    from client.windows.course_page import CoursePage
    from client.windows.main_window import MainWindow
    from client.windows.player_window import PlayerWindow
    from sync.account.auth import AuthService, UserSession
    from sync.content.store import ContentStore

_T0 = time.perf_counter()


class Shell:
    """Builds and tears down one person's engines; opens course pages and player windows. GUI thread."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.players: list[PlayerWindow] = []
        self.assessments: list[AssessmentWindow] = []  # the quiz or exam open now (one at a time)
        self.window: MainWindow | None = None

    def start_session(self, session: UserSession) -> SessionContext:
        from client.workers.downloads import DownloadManager
        from client.workers.sync_worker import SyncController

        ctx = self.ctx
        settings = profile_settings(session.profile_dir)
        sctx = SessionContext(session=session, site=ctx.site, settings=settings)
        sctx.open_lesson = lambda c, lesson: self.open_lesson(sctx, c, lesson)
        sctx.open_assessment = lambda c, name: self.open_assessment(sctx, c, name)
        downloads = None
        if ctx.store is not None:  # it loads with the sign-in service, so it is there once someone signed in
            downloads = sctx.downloads = DownloadManager(ctx.lanes, ctx.store, ctx.site, session.profile_dir)
        sync = sctx.sync = SyncController(ctx.lanes, session, ctx.site.trusted_keys())
        if downloads is not None:
            sync.network_back.connect(downloads.network_back)
            downloads.resume_wanted()
        sync.start()
        run_task(ctx.lanes.db, lambda _c: settings.load(ctx.base_site),
                 lambda overrides: self._apply_profile_settings(sctx, overrides), name="profile-settings")
        return sctx

    def _apply_profile_settings(self, sctx: SessionContext, overrides: dict[str, Any]) -> None:
        from client.windows.settings_dialog import SettingsDialog

        if overrides:
            SettingsDialog.apply(self.ctx, sctx, effective_site(self.ctx.base_site, overrides))

    def end_session(self, sctx: SessionContext) -> None:
        for player in list(self.players):
            player.close()
        for window in list(self.assessments):
            window.close()  # an exam's answers and time are saved; it resumes at the next sign-in
        if sctx.downloads is not None:
            sctx.downloads.shutdown()
        if sctx.sync is not None:
            sctx.sync.shutdown()
        auth, session = self.ctx.auth, sctx.session
        if auth is not None:
            run_task(self.ctx.lanes.net, lambda _c: auth.sign_out(session), name="sign_out")

    def make_course_page(self, sctx: SessionContext, course_id: str) -> CoursePage | None:
        from client.windows.course_page import CoursePage

        if self.ctx.store is None:  # the engines are still loading
            return None
        # the page follows the session's downloads itself: progress, and each lesson the moment it is verified
        return CoursePage(course_id, store=self.ctx.store, lanes=self.ctx.lanes, session=sctx.session,
                          open_lesson=sctx.open_lesson, open_assessment=sctx.open_assessment,
                          downloads=sctx.downloads)

    def open_lesson(self, sctx: SessionContext, course_id: str, lesson_id: str) -> None:
        from client.windows.player_window import PlayerWindow

        for player in self.players:
            player.close()
        if self.ctx.store is None:  # the engines are still loading
            return
        player = PlayerWindow(course_id, lesson_id, store=self.ctx.store, lanes=self.ctx.lanes, session=sctx.session)
        player.setProperty("studydesk_player", True)
        player.setWindowIcon(icon("studydesk"))
        if sctx.downloads is not None:
            player.download_requested.connect(sctx.downloads.start)
        if (sync := sctx.sync) is not None:
            player.progress_saved.connect(lambda *_: sync.refresh_counts())
        player.destroyed.connect(lambda *_: self._player_gone(player))
        player.next_lesson_requested.connect(lambda c, lesson: self.open_lesson(sctx, c, lesson))
        player.lesson_completed.connect(lambda c, lesson: self._quiz_after(sctx, c, lesson))
        if self.window is not None:  # Ctrl+Q in the player quits the app, as it does in the main window
            player.quit_requested.connect(self.window.close)
        self.players.append(player)
        player.show()

    def _quiz_after(self, sctx: SessionContext, course_id: str, lesson_id: str) -> None:
        """A lesson played to completion: open its quiz when it is still to be passed (checked on
        the SQLite lane)."""
        from client.workers.assessments import AttemptHolder, quiz_after_lesson

        store = self.ctx.store
        if store is None:
            return
        holder = AttemptHolder(sctx.session)

        def work(_ctx: object) -> str | None:
            try:
                return quiz_after_lesson(store, holder, course_id, lesson_id)
            finally:
                holder.close()

        run_task(self.ctx.lanes.db, work,
                 lambda quiz: self.open_assessment(sctx, course_id, quiz) if quiz else None, name="quiz-after")

    def open_assessment(self, sctx: SessionContext, course_id: str, assessment_id: str) -> None:
        """Open a quiz, or the exam when ``assessment_id`` is "exam"; one at a time."""
        from client.windows.exam_window import ExamWindow
        from client.windows.quiz_dialog import QuizDialog
        from sync.protocol.assessment import EXAM_ID

        store = self.ctx.store
        if store is None:
            return
        for other in list(self.assessments):
            if other.course_id == course_id and other.assessment_id == assessment_id:
                other.raise_()
                other.activateWindow()
                return
            other.close()
        lanes, session = self.ctx.lanes, sctx.session
        window: AssessmentWindow = ExamWindow(course_id, store=store, lanes=lanes, session=session) \
            if assessment_id == EXAM_ID else QuizDialog(course_id, assessment_id, store=store, lanes=lanes,
                                                        session=session)
        window.setWindowIcon(icon("studydesk"))
        if (sync := sctx.sync) is not None:
            window.submitted.connect(lambda *_: sync.refresh_counts())
        window.submitted.connect(lambda *_: self._refresh_course_page())
        window.destroyed.connect(lambda *_: self._assessment_gone(window))
        self.assessments.append(window)
        window.show()

    def _assessment_gone(self, window: AssessmentWindow) -> None:
        if window in self.assessments:
            self.assessments.remove(window)
        self._refresh_course_page()

    def _refresh_course_page(self) -> None:
        page = self.window.course_page if self.window is not None else None
        if page is not None and page.isVisible():  # not while quitting: the lanes are already idle
            page.refresh()

    def _player_gone(self, player: PlayerWindow) -> None:
        if player in self.players:
            self.players.remove(player)
        self._refresh_course_page()


def build_context(app: QApplication, args: argparse.Namespace) -> AppContext | None:
    default_root = default_data_root()
    try:
        base_site = load_site(args.site)
    except SyncError as exc:
        from client.messages import describe

        QMessageBox.critical(None, "StudyDesk", f"{describe(exc)}\n\n{exc.detail}")
        return None
    machine = machine_settings(default_root)
    overrides = machine.load(base_site)
    site = effective_site(base_site, overrides)
    data_root = Path(args.data) if args.data else (site.data_dir or default_root)
    translator = i18n.Translator(app)
    theme = Theme(app)
    return AppContext(base_site=base_site, site=site, data_root=data_root, lanes=Lanes(), translator=translator,
                      theme=theme, machine_settings=machine)


def build_engines(data_root: Path, site: SiteConfig) -> tuple[ContentStore, AuthService]:
    """Any thread: the content store shared by everyone on this PC, and the sign-in service."""
    from sync.account.auth import AuthService
    from sync.content.store import ContentStore

    return ContentStore(content_dir(data_root), site.trusted_keys()), AuthService(data_root, site)


def attach_engines(ctx: AppContext, site: SiteConfig) -> None:
    ctx.store, ctx.auth = build_engines(ctx.data_root, site)


def _engines_ready(ctx: AppContext, window: MainWindow, engines: tuple[ContentStore, AuthService]) -> None:
    ctx.store, ctx.auth = engines
    window.sign_in.engines_ready()


def run_gui(args: argparse.Namespace, rest: list[str]) -> int:
    app = QApplication([sys.argv[0], *rest])
    app.setApplicationName("StudyDesk")
    app.setOrganizationName("StudyDesk")
    app.setWindowIcon(icon("studydesk"))
    ctx = build_context(app, args)
    if ctx is None:
        return 2
    single = SingleInstance(ctx.data_root)
    if not single.claim():  # said in the command line's language: this run shows no window
        i18n.ensure_built()
        ctx.translator.set_language(i18n.command_language(getattr(args, "lang", None), args.site))
        print(already_running_text())
        return 0
    i18n.ensure_built()
    ctx.translator.set_language(ctx.site.language)
    ctx.theme.apply(ctx.site.text_size)

    from client.windows.main_window import MainWindow

    shell = Shell(ctx)
    window = MainWindow(ctx, shell.start_session, shell.end_session, shell.make_course_page)
    shell.window = window
    single.activation_requested.connect(window.bring_forward)
    window.fit_to_screen()
    window.show()
    _report_first_show()
    # The engines (requests, cryptography, SQLite) load on the SQLite lane after the window shows.
    run_task(ctx.lanes.db, lambda _c: build_engines(ctx.data_root, ctx.site),
             lambda engines: _engines_ready(ctx, window, engines),
             lambda error: window.sign_in.engines_ready(error), name="engines")
    # Courses from an offline site kit, asked once. Its module pulls in the package engines: import
    # it on the SQLite lane too, after the engines (same serial lane, so ctx.store is set by then).
    run_task(ctx.lanes.db, lambda _c: importlib.import_module("client.first_run_import"),
             lambda module: setattr(window, "kit_offer", module.offer_kit_import(ctx, window)),
             name="kit-offer")
    if script := os.environ.get("STUDYDESK_TEST_SCRIPT"):
        from client.workers.script_driver import ScriptDriver

        driver = ScriptDriver(Path(script), window, shell)
        QTimer.singleShot(0, driver.start)
    try:
        return int(app.exec())
    finally:
        ctx.lanes.join()  # a task still running must not outlive the objects it reports to
        single.close()


def _report_first_show() -> None:
    """For bench/startup: print when the first window was shown (after the event loop painted it)."""
    if os.environ.get("STUDYDESK_STARTUP_MARK"):
        def mark() -> None:
            print(f"STUDYDESK_FIRST_SHOWN {time.time():.6f} {time.perf_counter() - _T0:.6f}", flush=True)
        QTimer.singleShot(0, mark)
