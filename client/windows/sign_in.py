"""The sign-in page: pick a person who used this PC (or type a name), enter the password.

Sign-in runs on the network lane (it may talk to the server, derive scrypt keys and open
the keyring); the list of people on the db lane. Wrong password, locked account and an
unreachable server each get their own message. GUI thread only; no I/O here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from client.messages import describe
from client.tasks import TaskContext, run_task
from client.widgets.avatar import AvatarLabel
from client.workers.context import AppContext
from sync.protocol.errors import AuthError, RetryableError

if TYPE_CHECKING:  # the engines load after the first window shows
    from sync.account.auth import UserSession
    from sync.account.known_users import KnownUser


class _PersonRow(QWidget):
    def __init__(self, person: KnownUser) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 4)
        name = person.display_name or person.username
        row.addWidget(AvatarLabel(name))
        text = QVBoxLayout()
        title = QLabel(name)
        title.setProperty("role", "h3")
        unit = QLabel(person.unit or person.username)
        unit.setProperty("role", "muted")
        text.addWidget(title)
        text.addWidget(unit)
        row.addLayout(text, 1)


class SignInPage(QWidget):
    """Emits ``signed_in(session)`` with the sync.account.auth UserSession."""

    signed_in = Signal(object)  # UserSession

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self._people: list[KnownUser] = []
        self._busy = False
        self._refit = QTimer(self)  # a child timer: it dies with the page, never fires into a dead one
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._fit_people)
        self._build()
        self.retranslate()

    # ---- layout
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        banner = QFrame()
        banner.setProperty("role", "banner")
        banner.setMinimumWidth(300)
        banner.setMaximumWidth(420)
        bl = QVBoxLayout(banner)
        bl.setContentsMargins(32, 48, 32, 32)
        self.app_title = QLabel()
        self.app_title.setProperty("role", "banner-title")
        self.app_title.setWordWrap(True)
        self.app_subtitle = QLabel()
        self.app_subtitle.setProperty("role", "banner-text")
        self.app_subtitle.setWordWrap(True)
        self.server_label = QLabel()
        self.server_label.setProperty("role", "banner-text")
        self.server_label.setWordWrap(True)
        bl.addWidget(self.app_title)
        bl.addSpacing(12)
        bl.addWidget(self.app_subtitle)
        bl.addStretch(1)
        bl.addWidget(self.server_label)
        outer.addWidget(banner, 2)

        form_host = QWidget()
        fl = QVBoxLayout(form_host)
        fl.setContentsMargins(40, 36, 40, 24)
        fl.setSpacing(10)
        self.heading = QLabel()
        self.heading.setProperty("role", "h1")
        self.people_label = QLabel()
        self.people_label.setProperty("role", "muted")
        self.people = QListWidget()
        self.people.setObjectName("people")
        self.people.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.people.currentRowChanged.connect(self._on_people_current_row_changed)
        self.username_label = QLabel()
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password_label = QLabel()
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.submit)
        self.username.returnPressed.connect(self.password.setFocus)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        self.sign_in_button = QPushButton()
        self.sign_in_button.setObjectName("sign_in")
        self.sign_in_button.setProperty("role", "primary")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.submit)
        for w in (self.heading, self.people_label, self.people, self.username_label, self.username,
                  self.password_label, self.password, self.message):
            fl.addWidget(w)
        fl.addWidget(self.sign_in_button)
        self.offline_hint = QLabel()
        self.offline_hint.setProperty("role", "muted")
        self.offline_hint.setWordWrap(True)
        fl.addWidget(self.offline_hint)
        fl.addStretch(1)
        outer.addWidget(form_host, 3)

    def retranslate(self) -> None:
        self.app_title.setText(self.tr("StudyDesk\nCadre Online Training"))
        self.app_subtitle.setText(self.tr("Study your assigned courses, even when the network is down. "
                                          "Your progress is saved on this PC and sent to the server later."))
        self.server_label.setText(self.tr("Server: %s") % self._ctx.site.server_url)
        self.heading.setText(self.tr("Sign in"))
        self.people_label.setText(self.tr("People who have used this PC — click your name:"))
        self.username_label.setText(self.tr("Username"))
        self.password_label.setText(self.tr("Password"))
        self.username.setPlaceholderText(self.tr("Your account name"))
        self.password.setPlaceholderText(self.tr("Your password"))
        self.sign_in_button.setText(self.tr("Signing in…") if self._busy else self.tr("Sign in"))
        self.offline_hint.setText(self.tr("No network? If you have signed in on this PC before, "
                                          "you can sign in offline with the same password."))
        self.people_label.setVisible(bool(self._people))
        self.people.setVisible(bool(self._people))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._refit.start()  # after the rows themselves took the new font
        super().changeEvent(event)

    # ---- people who used this PC
    def engines_ready(self, error: BaseException | None = None) -> None:
        """The sign-in service was built (start-up builds it on a worker after the window shows)."""
        if error is not None:
            self.show_message(self.tr("The sign-in service is not installed.") + " " + describe(error))
            return
        self.sign_in_button.setEnabled(not self._busy)
        self.refresh_people()

    def refresh_people(self) -> None:
        auth = self._ctx.auth
        if auth is None:  # still starting: engines_ready() calls again
            self.sign_in_button.setEnabled(False)
            return
        run_task(self._ctx.lanes.db, lambda _c: auth.known_users(), self._on_people_loaded,
                 self._on_people_failed, name="known_users")

    def _on_people_loaded(self, people: list[KnownUser]) -> None:
        self._people = sorted(people, key=lambda p: p.last_signed_in or "", reverse=True)
        self.people.clear()
        for person in self._people:
            item = QListWidgetItem()
            row = _PersonRow(person)
            self.people.addItem(item)
            self.people.setItemWidget(item, row)
        self._fit_people()
        self._refit.start()  # again once the rows are styled
        self.retranslate()
        if self._people and not self.username.text():
            self.people.setCurrentRow(0)

    def _fit_people(self) -> None:
        """Row heights follow the text size; show at most four people without scrolling."""
        heights = []
        for i in range(self.people.count()):
            item = self.people.item(i)
            row = self.people.itemWidget(item)
            if row is not None:
                row.ensurePolished()
                for child in row.findChildren(QWidget):
                    child.ensurePolished()
            hint = row.sizeHint().expandedTo(QSize(0, 60)) if row is not None else QSize(0, 60)
            item.setSizeHint(hint)
            heights.append(hint.height())
        self.people.setMaximumHeight(sum(heights[:4]) + 2 * self.people.frameWidth() + 2)

    def _on_people_failed(self, error: BaseException) -> None:
        self._people = []
        self.retranslate()

    def _on_people_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._people):
            self.username.setText(self._people[row].username)
            self.password.clear()
            self.password.setFocus()

    # ---- signing in
    def reset(self) -> None:
        """Back to an empty form (after sign-out or switch user)."""
        self.password.clear()
        self.show_message("")
        self.refresh_people()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def submit(self) -> None:
        if self._busy:
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.show_message(self.tr("Please enter your username and password."))
            return
        auth = self._ctx.auth
        if auth is None:
            self.show_message(self.tr("The sign-in service is not installed."))
            return
        self._set_busy(True)
        self.show_message("")

        def work(_ctx: TaskContext) -> UserSession:
            return auth.sign_in(username, password)

        run_task(self._ctx.lanes.net, work, self._on_signed_in, self._on_sign_in_failed, name="sign_in")

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for w in (self.sign_in_button, self.username, self.password, self.people):
            w.setEnabled(not busy)
        self.retranslate()

    def _on_signed_in(self, session: UserSession) -> None:
        self._set_busy(False)
        self.password.clear()
        self.signed_in.emit(session)

    def _on_sign_in_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.show_message(self.message_for(error))
        self.password.selectAll()
        self.password.setFocus()

    def message_for(self, error: BaseException) -> str:
        code = getattr(error, "code", "")
        if isinstance(error, AuthError) and code == "wrong_password":
            return self.tr("Wrong username or password. Please check and try again.")
        if isinstance(error, AuthError) and code == "account_locked":
            return self.tr("This account is locked after too many wrong passwords. "
                           "Please ask your training administrator to unlock it.")
        if isinstance(error, RetryableError):
            return self.tr("The server cannot be reached, and this account has not signed in on this PC "
                           "before, so it cannot sign in offline. Check the network and try again.")
        return describe(error)
