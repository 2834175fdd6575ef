"""The sign-in page: pick a person who used this PC (or type a name), enter the password.

Choosing a name in any way (a click, a double-click, Enter, or the name picked at start)
puts the cursor in the password box. Sign-in runs on the network lane (it may talk to the
server, derive scrypt keys and open the keyring); the list of people, and taking a person
off it, on the db lane. Wrong password (online or checked on this PC), locked account and
an unreachable server each get their own message; a hint shows while Caps Lock seems on.
GUI thread only; no I/O here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from client.messages import describe, sentences
from client.tasks import TaskContext, run_task
from client.widgets.avatar import AvatarLabel
from client.workers.context import AppContext
from sync.protocol.errors import AuthError, RetryableError

if TYPE_CHECKING:  # the engines load after the first window shows
    from sync.account.auth import UserSession
    from sync.account.known_users import KnownUser


def caps_lock_from(event: QKeyEvent) -> bool | None:
    """Whether Caps Lock is on, judged from one typed letter (None when the key says nothing).

    Qt has no portable way to ask for the Caps Lock state, but a capital letter typed without
    Shift (or a small one with Shift) means it is on.
    """
    text = event.text()
    if len(text) != 1 or not text.isascii() or not text.isalpha():
        return None
    shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
    return text.isupper() != shift


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
        self._caps_lock: bool | None = None  # unknown until a letter is typed
        self.remove_dialog: QMessageBox | None = None
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
        self.people_label.setWordWrap(True)
        self.people = QListWidget()
        self.people.setObjectName("people")
        self.people.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.people.currentRowChanged.connect(self._on_people_current_row_changed)
        # choosing the name already highlighted changes no row: the click itself moves the cursor on
        self.people.itemClicked.connect(self._on_people_item_chosen)
        self.people.itemDoubleClicked.connect(self._on_people_item_chosen)
        self.people.itemActivated.connect(self._on_people_item_chosen)  # Enter
        self.remove_button = QPushButton()
        self.remove_button.setObjectName("remove_person")
        self.remove_button.setProperty("role", "link")
        self.remove_button.clicked.connect(self.ask_remove_person)
        remove_row = QHBoxLayout()
        remove_row.setContentsMargins(0, 0, 0, 0)
        remove_row.addStretch(1)
        remove_row.addWidget(self.remove_button)
        self.username_label = QLabel()
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password_label = QLabel()
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.submit)
        self.password.installEventFilter(self)
        self.username.returnPressed.connect(self.password.setFocus)
        self.caps_hint = QLabel()
        self.caps_hint.setObjectName("caps_hint")
        self.caps_hint.setProperty("role", "notice")
        self.caps_hint.setWordWrap(True)
        self.caps_hint.hide()
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        self.message.hide()
        self.sign_in_button = QPushButton()
        self.sign_in_button.setObjectName("sign_in")
        self.sign_in_button.setProperty("role", "primary")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.submit)
        for top in (self.heading, self.people_label, self.people):
            fl.addWidget(top)
        fl.addLayout(remove_row)
        for w in (self.username_label, self.username, self.password_label, self.password, self.caps_hint,
                  self.message):
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
        self.remove_button.setText(self.tr("Remove a name from this list…"))
        self.username_label.setText(self.tr("Username"))
        self.password_label.setText(self.tr("Password"))
        self.username.setPlaceholderText(self.tr("Your account name"))
        self.password.setPlaceholderText(self.tr("Your password"))
        self.caps_hint.setText(self.tr("Caps Lock is on: the password may be typed in capital letters."))
        self.sign_in_button.setText(self.tr("Signing in…") if self._busy else self.tr("Sign in"))
        self.offline_hint.setText(self.tr("No network? If you have signed in on this PC before, "
                                          "you can sign in offline with the same password."))
        self.people_label.setVisible(bool(self._people))
        self.people.setVisible(bool(self._people))
        self.remove_button.setVisible(bool(self._people))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._refit.start()  # after the rows themselves took the new font
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._people and self.username.text() and not self._busy:
            QTimer.singleShot(0, self, self._focus_password)  # after the window gave focus to its first field

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.password and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_CapsLock and self._caps_lock is not None:
                self._set_caps_lock(not self._caps_lock)
            elif (caps := caps_lock_from(event)) is not None:
                self._set_caps_lock(caps)
        return super().eventFilter(watched, event)

    def _set_caps_lock(self, on: bool) -> None:
        self._caps_lock = on
        self.caps_hint.setVisible(on)

    # ---- people who used this PC
    def engines_ready(self, error: BaseException | None = None) -> None:
        """The sign-in service was built (start-up builds it on a worker after the window shows)."""
        if error is not None:
            self.show_message(sentences(self.tr("The sign-in service is not installed."), describe(error)))
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
        self.people.blockSignals(True)  # rebuilding the list chooses nobody
        self.people.clear()
        for person in self._people:
            item = QListWidgetItem()
            row = _PersonRow(person)
            self.people.addItem(item)
            self.people.setItemWidget(item, row)
        self.people.blockSignals(False)
        self._fit_people()
        self._refit.start()  # again once the rows are styled
        self.retranslate()
        typed = self.username.text().strip()
        names = [p.username for p in self._people]
        if typed in names:
            self.people.setCurrentRow(names.index(typed))
        elif self._people and not typed:
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
        self._choose(row)

    def _on_people_item_chosen(self, item: QListWidgetItem) -> None:
        self._choose(self.people.row(item))

    def _choose(self, row: int) -> None:
        """A name was chosen: fill it in, drop an old error, and put the cursor in the password box."""
        if not 0 <= row < len(self._people):
            return
        username = self._people[row].username
        if self.username.text() != username:
            self.username.setText(username)
            self.password.clear()
        self.show_message("")
        self._focus_password()

    def _focus_password(self) -> None:
        if self.password.isEnabled():
            self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen_person(self) -> KnownUser | None:
        row = self.people.currentRow()
        return self._people[row] if 0 <= row < len(self._people) else None

    # ---- taking a person off this PC's list
    def ask_remove_person(self) -> None:
        """Ask whether to take the chosen person off the list (and, if nothing waits, delete their data)."""
        auth, person = self._ctx.auth, self.chosen_person()
        if auth is None or person is None:
            self.show_message(self.tr("First click the name you want to remove."))
            return
        run_task(self._ctx.lanes.db, lambda _c: auth.unsent_count(person.username),
                 lambda n: self._confirm_removal(person, n), lambda e: self.show_message(describe(e)),
                 name="unsent_count")

    def _confirm_removal(self, person: KnownUser, unsent: int) -> None:
        name = person.display_name or person.username
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Remove from this PC's list"),
                          self.tr("Remove %1 from the list of people who use this PC?").replace("%1", name),
                          QMessageBox.StandardButton.NoButton, self)
        kept = self.tr("Their study progress stays on this PC. They can still sign in by typing their username "
                       "while the network works; signing in without the network works again after that.")
        delete = QCheckBox(self.tr("Also delete %1's study data on this PC").replace("%1", name))
        delete.setObjectName("delete_data")
        if unsent:
            delete.setEnabled(False)
            kept += "\n\n" + self.tr("Not yet uploaded to the server: %n study progress update(s). Their data on "
                                      "this PC cannot be deleted until then.", "", unsent)
        box.setInformativeText(kept)
        box.setCheckBox(delete)
        remove = box.addButton(self.tr("Remove from the list"), QMessageBox.ButtonRole.AcceptRole)
        remove.setObjectName("confirm_remove")
        box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(remove)

        def finished(_result: int) -> None:
            self.remove_dialog = None
            clicked: QAbstractButton | None = box.clickedButton()
            if clicked is remove:
                self._remove_person(person, delete.isChecked())

        box.finished.connect(finished)
        self.remove_dialog = box
        box.open()

    def _remove_person(self, person: KnownUser, delete_data: bool) -> None:
        auth = self._ctx.auth
        if auth is None:
            return

        def work(_ctx: TaskContext) -> None:
            auth.forget(person.username, delete_data=delete_data)

        def done(_r: None) -> None:
            if self.username.text() == person.username:
                self.username.clear()
                self.password.clear()
            self.show_message("")
            self.refresh_people()

        def failed(error: BaseException) -> None:
            self.show_message(describe(error))
            self.refresh_people()

        run_task(self._ctx.lanes.db, work, done, failed, name="forget_person")

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
        for w in (self.sign_in_button, self.username, self.password, self.people, self.remove_button):
            w.setEnabled(not busy)
        self.retranslate()

    def _on_signed_in(self, session: UserSession) -> None:
        self._set_busy(False)
        self.password.clear()
        self.signed_in.emit(session)

    def _on_sign_in_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.show_message(self.message_for(error))
        if isinstance(error, AuthError) and getattr(error, "code", "") == "account_locked":
            self.password.clear()  # another try cannot help until the account is unlocked
        else:
            self.password.selectAll()
        self.password.setFocus()

    def message_for(self, error: BaseException) -> str:
        from sync.account.auth import OfflinePasswordError

        code = getattr(error, "code", "")
        if isinstance(error, OfflinePasswordError):
            return self.tr("Wrong username or password. The server cannot be reached, so the password was checked "
                           "on this PC; a wrong password here does not count towards the server's sign-in wait.")
        if isinstance(error, AuthError) and code == "wrong_password":
            return self.tr("Wrong username or password. Please check and try again. After several wrong "
                           "passwords in a row you must wait before trying again, so if you are unsure, ask your "
                           "training administrator.")
        if isinstance(error, AuthError) and code == "account_locked":
            return self.tr("This account is locked after too many wrong passwords. "
                           "Please ask your training administrator to unlock it.")
        if code == "too_many_attempts":  # the server is up: it asks to wait
            return describe(error)
        if isinstance(error, RetryableError):
            return self.tr("The server cannot be reached, and this account has not signed in on this PC "
                           "before, so it cannot sign in offline. Check the network and try again.")
        return describe(error)
