"""The main window: sign-in, then 我的学习 and a course's page, with menus and the sync status bar.

It only arranges pages and forwards actions: the session's engines are built and torn down
by the callbacks client.app passes in. Closing while a download or sync runs cancels them
(partial downloads and the outbox are kept on disk) and quits once every task returned.
GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from client.theme import icon
from client.windows.sign_in import SignInPage
from client.workers.context import AppContext, SessionContext

if TYPE_CHECKING:  # imported when someone signs in, so the first window shows sooner
    from client.widgets.sync_status import SyncStatusWidget
    from client.windows.course_page import CoursePage
    from client.windows.my_courses import MyCoursesPage
    from sync.account.auth import UserSession
    from sync.records.uploader import SyncResult


class MainWindow(QMainWindow):
    session_started = Signal(object)  # SessionContext
    course_opened = Signal(str)

    def __init__(self, app: AppContext, start_session: Callable[[UserSession], SessionContext],
                 end_session: Callable[[SessionContext], None],
                 make_course_page: Callable[[SessionContext, str], CoursePage | None] | None = None) -> None:
        super().__init__()
        self._app = app
        self._start_session = start_session
        self._end_session = end_session
        self._make_course_page = make_course_page
        self.session: SessionContext | None = None
        self.courses: MyCoursesPage | None = None
        self.course_page: CoursePage | None = None
        self.sync_widget: SyncStatusWidget | None = None
        self._quitting = False
        self.setWindowIcon(icon("studydesk"))
        self.resize(1100, 720)
        self.setMinimumSize(900, 600)
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.sign_in = SignInPage(app)
        self.sign_in.signed_in.connect(self._on_sign_in_signed_in)
        self.stack.addWidget(self.sign_in)
        self._build_menus()
        self.statusBar().hide()  # only a signed-in person has a sync state to show
        self.retranslate()
        self.sign_in.refresh_people()

    # ---- menus
    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.study_menu = bar.addMenu("")
        self.import_action = QAction(self)
        self.import_action.triggered.connect(self._on_import_action_triggered)
        self.export_action = QAction(self)
        self.export_action.triggered.connect(self.export_records)
        self.certificates_action = QAction(self)
        self.certificates_action.triggered.connect(self.open_certificates)
        self.switch_action = QAction(self)
        self.switch_action.triggered.connect(self.switch_user)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # the standard Quit key is empty on Windows
        self.quit_action.triggered.connect(self.close)
        for a in (self.import_action, self.export_action, self.certificates_action, None, self.switch_action,
                  self.quit_action):
            self.study_menu.addSeparator() if a is None else self.study_menu.addAction(a)
        self.tools_menu = bar.addMenu("")
        self.settings_action = QAction(self)
        self.settings_action.setIcon(icon("settings"))
        self.settings_action.triggered.connect(self.open_settings)
        self.rejected_action = QAction(self)
        self.rejected_action.triggered.connect(self.open_rejected)
        self.verify_action = QAction(self)
        self.verify_action.triggered.connect(self.open_verify)
        self.tools_menu.addAction(self.settings_action)
        self.tools_menu.addAction(self.rejected_action)
        self.tools_menu.addAction(self.verify_action)
        self.help_menu = bar.addMenu("")
        self.about_action = QAction(self)
        self.about_action.triggered.connect(self._about)
        self.help_menu.addAction(self.about_action)
        self._update_actions()

    def _on_import_action_triggered(self) -> None:
        if self.courses is not None:
            self.courses.import_from_folder()

    def _update_actions(self) -> None:
        """What needs a signed-in person is hidden, not greyed out, on the sign-in page."""
        signed_in = self.session is not None
        for a in (self.import_action, self.export_action, self.certificates_action, self.switch_action,
                  self.rejected_action):
            a.setEnabled(signed_in)
            a.setVisible(signed_in)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("StudyDesk — Cadre Online Training"))
        self.study_menu.setTitle(self.tr("&Study"))
        self.import_action.setText(self.tr("Import courses from USB…"))
        self.export_action.setText(self.tr("Export study progress to a file…"))
        self.certificates_action.setText(self.tr("My certificates…"))
        self.switch_action.setText(self.tr("Switch user"))
        self.quit_action.setText(self.tr("Quit"))
        self.tools_menu.setTitle(self.tr("&Tools"))
        self.settings_action.setText(self.tr("Settings…"))
        self.rejected_action.setText(self.tr("Study progress the server refused…"))
        self.verify_action.setText(self.tr("Verify a certificate…"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.about_action.setText(self.tr("About StudyDesk"))
        if self.course_page is not None:
            self.back_button.setText(self.tr("← Back to My Courses"))

    # ---- sessions
    def _on_sign_in_signed_in(self, session: UserSession) -> None:
        from client.windows.my_courses import MyCoursesPage

        ctx = self._start_session(session)
        ctx.open_course = self.open_course
        self.session = ctx
        self.courses = MyCoursesPage(self._app, ctx)
        self.stack.addWidget(self.courses)
        self.stack.setCurrentWidget(self.courses)
        self._install_sync_widget(ctx)
        self._update_actions()
        self.courses.refresh()
        self.session_started.emit(ctx)

    def _install_sync_widget(self, ctx: SessionContext) -> None:
        from client.widgets.sync_status import SyncStatusWidget

        widget = SyncStatusWidget()
        self.statusBar().addPermanentWidget(widget, 1)
        self.statusBar().show()
        self.sync_widget = widget
        sync = ctx.sync
        if sync is None:
            widget.set_state("error")
            return
        widget.follow(sync)
        sync.synced.connect(self._on_sync_synced)
        sync.network_back.connect(self._on_sync_network_back)
        widget.rejected_clicked.connect(self.open_rejected)

    def _on_sync_synced(self, result: SyncResult) -> None:
        changed = result.acked + result.rejected or result.server_view
        if self.courses is not None and changed:
            self.courses.reload()  # the summary's "confirmed by the server", the classes or the reminders changed

    def _on_sync_network_back(self) -> None:
        """The server answers again: fetch the course list anew (its "cannot reach" notice goes) and
        drop "signed in offline" (the controller marked the session online)."""
        if self.courses is not None:
            self.courses.refresh()
            self.courses.retranslate()

    def switch_user(self) -> None:
        if self.session is None:
            return
        self._close_course_page()
        self._end_session(self.session)
        self.session = None
        if self.courses is not None:
            self.stack.removeWidget(self.courses)
            self.courses.deleteLater()
            self.courses = None
        if self.sync_widget is not None:
            self.statusBar().removeWidget(self.sync_widget)
            self.sync_widget.deleteLater()
            self.sync_widget = None
        self.statusBar().hide()
        self._update_actions()
        self.stack.setCurrentWidget(self.sign_in)
        self.sign_in.reset()

    # ---- the course page (built by the GUI-PLAYER workstream's CoursePage)
    def open_course(self, course_id: str) -> None:
        if self.session is None or self._make_course_page is None:
            return
        self._close_course_page()
        page = self._make_course_page(self.session, course_id)
        if page is None:
            return
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(16, 8, 16, 8)
        top = QHBoxLayout()
        self.back_button = QPushButton()
        self.back_button.setObjectName("back")
        self.back_button.clicked.connect(self.show_courses)
        top.addWidget(self.back_button)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(page, 1)
        self.course_page = page
        self._course_host = host
        self.stack.addWidget(host)
        self.stack.setCurrentWidget(host)
        self.retranslate()
        self.course_opened.emit(course_id)

    def show_courses(self) -> None:
        self._close_course_page()
        if self.courses is not None:
            self.stack.setCurrentWidget(self.courses)
            self.courses.reload()

    def _close_course_page(self) -> None:
        if self.course_page is not None:
            self.stack.removeWidget(self._course_host)
            self._course_host.deleteLater()
            self.course_page = None

    # ---- dialogs
    def open_settings(self) -> None:
        from client.windows.settings_dialog import SettingsDialog

        SettingsDialog(self._app, self.session, self).exec()

    def open_rejected(self) -> None:
        if self.session is None:
            return
        from client.windows.rejected_records import RejectedRecordsDialog

        RejectedRecordsDialog(self._app, self.session, self).exec()

    def open_certificates(self) -> None:
        if self.session is None:
            return
        from client.windows.certificates import CertificatesDialog

        CertificatesDialog(self._app, self.session, self).exec()

    def open_verify(self) -> None:
        from client.windows.certificates import VerifyDialog

        VerifyDialog(self._app, self.session, self).exec()

    def export_records(self) -> None:
        if self.session is None:
            return
        from client.windows.rejected_records import export_records_interactively

        export_records_interactively(self._app, self.session, self)

    def _about(self) -> None:
        self.about_box().exec()

    def about_box(self) -> QMessageBox:
        """Help → About: the version, this PC's site (server and site file) and whom to ask for help."""
        from client import __version__

        site = self.session.site if self.session is not None else self._app.site
        lines = [
            self.tr("StudyDesk %1 — an offline-capable learning client for cadre online training.")
            .replace("%1", __version__),
            "",
            self.tr("Server: %1").replace("%1", site.server_url),
            self.tr("Site file: %1").replace("%1", str(site.source) if site.source else self.tr("none (defaults)")),
            "",
            self.tr("Help and support: %1").replace("%1", site.support_contact) if site.support_contact
            else self.tr("For help, ask your training administrator."),
        ]
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("About StudyDesk"), "\n".join(lines),
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("about_box")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.button(QMessageBox.StandardButton.Ok).setText(self.tr("OK"))
        return box

    def fit_to_screen(self) -> None:
        """1100x720 where it fits; on small office screens (1024x768) take the whole work area."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        avail = screen.availableGeometry()
        if avail.width() < 1140 or avail.height() < 780:
            # the geometry too, for desktops whose window manager ignores the maximized hint
            self.setGeometry(avail)
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    # ---- closing
    def bring_forward(self) -> None:
        """Another start on the same data folder asked us to show ourselves."""
        self.setWindowState((self.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
        self.show()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting:
            event.accept()
            return
        for w in QApplication.topLevelWidgets():
            if w is not self and w.isVisible() and w.isWindow() and w.property("studydesk_player"):
                w.close()  # the player checkpoints on close
        self._quitting = True
        if self.session is not None:
            self._end_session(self.session)
        if self._app.lanes.busy:
            event.ignore()
            self.hide()
            self._app.lanes.shutdown(self._finish_quit)
        else:
            event.accept()
            self._finish_quit()

    def _finish_quit(self) -> None:
        QApplication.quit()
