"""我的证书 (My certificates) and 验证证书 (Verify a certificate).

The certificates dialog lists the person's certificates (from the server, or the list saved at
the last look when offline), downloads one's PDF on the network lane with progress and a cancel
button, keeps it under the profile folder and opens it with the system's PDF viewer. The verify
dialog takes the certificate's text, or a picture or PDF of it, and checks it on the network
lane against the site's pinned keys and the cached revocation list; the verdict is shown in the
UI language. Every day shown (issued, revoked, the revocation list's) is the site's, as the PDF
prints it: the site's calendar is read from the profile database on the SQLite lane first. GUI
thread only.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.file_dialogs import start_folder
from client.messages import describe
from client.tasks import TaskContext, TaskHandle, run_task
from client.workers.certificates import (
    Listing,
    load_certificates,
    saved_pdf,
    site_calendar,
    site_day,
    verify_source,
)
from client.workers.context import AppContext, SessionContext

if TYPE_CHECKING:
    from datetime import datetime

    from sync.protocol.certificates import Claims, Verdict
    from sync.protocol.rules import YearRules


class CertificatesDialog(QDialog):
    """The signed-in person's certificates."""

    def __init__(self, app: AppContext, session: SessionContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("certificates_dialog")
        self._app = app
        self._session = session
        self.listing: Listing | None = None
        self.calendar: YearRules | None = None
        """The site's calendar (its rules as last fetched), known before ``listing``."""
        self._task: TaskHandle | None = None
        self.resize(820, 440)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(12)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("certificates")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.open_selected())
        layout.addWidget(self.table, 1)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # the server sends the PDF in one answer: busy, not a percentage
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel()
        self.status.setWordWrap(True)
        progress_row.addWidget(self.status, 1)
        progress_row.addWidget(self.progress)
        progress_row.addWidget(self.cancel_button)
        layout.addLayout(progress_row)
        buttons = QHBoxLayout()
        self.open_button = QPushButton()
        self.open_button.setObjectName("open_certificate")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.open_selected)
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._open_folder)
        self.verify_button = QPushButton()
        self.verify_button.clicked.connect(self._verify)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.reject)
        for b in (self.open_button, self.folder_button, self.verify_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self._busy(False)
        self.retranslate()
        s = session.session
        run_task(app.lanes.db, lambda _c: site_calendar(s), self._on_calendar, self._on_failed, name="site-calendar")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("My certificates"))
        self.table.setHorizontalHeaderLabels([self.tr("Certificate"), self.tr("Year or class"), self.tr("Hours"),
                                              self.tr("Score"), self.tr("Issued"), self.tr("State")])
        if self.listing is None:
            self.intro.setText(self.tr("Loading your certificates…"))
        elif not self.listing.items:
            self.intro.setText(self.tr("You have no certificates yet. Your training administrator issues a "
                                       "certificate of study hours (学时证明) or a class certificate (结业证书)."))
        elif self.listing.offline:
            self.intro.setText(self.tr("The server cannot be reached: this is the list from your last look. "
                                       "Certificates already downloaded open without the network."))
        else:
            self.intro.setText(self.tr("Choose a certificate and press Open: it is downloaded once, kept on this "
                                       "PC and opened in your PDF viewer. Each carries a QR code that anyone can "
                                       "check with “Verify a certificate”."))
        self.open_button.setText(self.tr("Open"))
        self.folder_button.setText(self.tr("Show the folder"))
        self.verify_button.setText(self.tr("Verify a certificate…"))
        self.close_button.setText(self.tr("Close"))
        self.cancel_button.setText(self.tr("Cancel"))
        if self.listing is not None:
            self._fill()

    def _on_calendar(self, calendar: YearRules) -> None:
        self.calendar = calendar
        s = self._session.session
        run_task(self._app.lanes.net, lambda c: load_certificates(s, c), self._on_loaded, self._on_failed,
                 name="certificates")

    def _on_loaded(self, listing: Listing) -> None:
        self.listing = listing
        self.retranslate()
        if listing.items:
            self.table.selectRow(0)

    def _on_failed(self, error: BaseException) -> None:
        self.intro.setText(describe(error))

    def _about(self, item: dict[str, Any]) -> str:
        if item.get("kind") == "hours":
            return self.tr("Year %1").replace("%1", str(item.get("year", "")))
        return str(item.get("class_name") or item.get("class_code") or "")

    def _fill(self) -> None:
        assert self.listing is not None and self.calendar is not None
        calendar, items = self.calendar, self.listing.items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            title = self.tr("Certificate of study hours") if item.get("kind") == "hours" else self.tr(
                "Class certificate")
            revoked = item.get("revoked_at")
            saved = str(item.get("serial", "")) in self.listing.saved
            state = (self.tr("Revoked on %1").replace("%1", site_day(calendar, revoked)) if revoked
                     else self.tr("Valid, on this PC") if saved else self.tr("Valid"))
            cells = (title, self._about(item), str(item.get("hours", "")), str(item.get("score") or "—"),
                     site_day(calendar, item.get("issued_at")), state)
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(str(item.get("serial", "")))
                if col in (2, 3):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, cell)
        self._update_buttons()

    def selected(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or self.listing is None:
            return None
        return self.listing.items[rows[0].row()]

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(self.selected() is not None and self._task is None)

    def _busy(self, busy: bool, text: str = "") -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.status.setText(text)
        self._update_buttons()

    def open_selected(self) -> None:
        item = self.selected()
        if item is None or self._task is not None:
            return
        s = self._session.session
        serial = str(item.get("serial", ""))

        def progress(stage: object) -> None:
            self.status.setText(self.tr("Saving…") if stage == "saving" else self.tr("Downloading %1…")
                                .replace("%1", serial))

        # the PDF kept on this PC, else downloaded: both on the network lane (no file I/O on this thread)
        self._task = run_task(self._app.lanes.net, lambda c: saved_pdf(s, serial, c),
                              lambda path: self._on_downloaded(serial, path), self._on_download_failed,
                              on_progress=progress, name="certificate-pdf")
        self._busy(True, "")

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _on_downloaded(self, serial: str, path: Path) -> None:
        self._task = None
        self._busy(False, self.tr("Saved as %1").replace("%1", str(path)))
        if self.listing is not None and serial not in self.listing.saved:
            self.listing = replace(self.listing, saved=self.listing.saved | {serial})
            self._fill()
        self._open(path)

    def _on_download_failed(self, error: BaseException) -> None:
        self._task = None
        from sync.protocol.errors import CancelledError, RetryableError

        if isinstance(error, CancelledError):
            text = self.tr("Cancelled.")
        elif isinstance(error, RetryableError):
            text = self.tr("This certificate is not on this PC yet. Connect to the network and try again.")
        else:
            text = describe(error)
        self._busy(False, text)

    def _open(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.status.setText(self.tr("No PDF viewer opened it. The file is %1").replace("%1", str(path)))

    def _open_folder(self) -> None:
        if self.listing is not None:  # the folder was made when the list was loaded
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.listing.folder)))

    def _verify(self) -> None:
        VerifyDialog(self._app, self._session, self).exec()


class VerifyDialog(QDialog):
    """Check a certificate offline: its text pasted, or a picture or PDF of it."""

    def __init__(self, app: AppContext, session: SessionContext | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verify_dialog")
        self._app = app
        self._session = session
        self._task: TaskHandle | None = None
        self.verdicts: list[Verdict] = []
        self.calendar: YearRules | None = None
        """The site's calendar, read again before each check (new rules may have come meanwhile)."""
        self.resize(720, 520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(10)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.text = QPlainTextEdit()
        self.text.setObjectName("certificate_text")
        self.text.setMaximumBlockCount(200)
        self.text.textChanged.connect(self._update_buttons)
        layout.addWidget(self.text, 1)
        row = QHBoxLayout()
        self.file_button = QPushButton()
        self.file_button.clicked.connect(self.choose_file)
        self.verify_button = QPushButton()
        self.verify_button.setObjectName("verify")
        self.verify_button.setDefault(True)
        self.verify_button.clicked.connect(self.verify_text)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(160)
        row.addWidget(self.file_button)
        row.addStretch(1)
        row.addWidget(self.progress)
        row.addWidget(self.verify_button)
        layout.addLayout(row)
        self.verdict = QLabel()
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.verdict)
        self.details = QLabel()
        self.details.setObjectName("verdict_details")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(buttons)
        self.progress.hide()
        self.retranslate()
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Verify a certificate"))
        self.intro.setText(self.tr("Paste the code printed under the certificate's QR code (it starts with SD1:), "
                                   "or choose a photo, scan or PDF of the certificate. The check needs no network: "
                                   "it uses this site's pinned key and the revocation list saved at the last sync."))
        self.text.setPlaceholderText(self.tr("SD1:…"))
        self.file_button.setText(self.tr("Choose a picture or PDF…"))
        self.verify_button.setText(self.tr("Verify"))
        self.close_button.setText(self.tr("Close"))
        if self.verdicts:
            self._show(self.verdicts)

    def _update_buttons(self) -> None:
        idle = self._task is None
        self.verify_button.setEnabled(idle and bool(self.text.toPlainText().strip()))
        self.file_button.setEnabled(idle)

    def choose_file(self) -> None:
        kinds = self.tr("Pictures and PDF (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pdf);;All files (*)")
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a picture or PDF of the certificate"),
                                              start_folder(), kinds)
        if path:
            self.verify(Path(path))

    def verify_text(self) -> None:
        self.verify(self.text.toPlainText())

    def verify(self, source: str | Path) -> None:
        """Check ``source`` (a text, or a file) on the network lane; the verdict shows when done."""
        if self._task is not None:
            return
        site, data_root = self._app.site, self._app.data_root
        s = self._session.session if self._session is not None else None
        trusted = site.trusted_keys()

        def work(ctx: TaskContext) -> list[Verdict]:
            return verify_source(source, data_root, s, trusted, ctx)

        def check(calendar: YearRules) -> None:
            self.calendar = calendar
            self._task = run_task(self._app.lanes.net, work, self._on_done, self._on_failed,
                                  name="verify-certificate")

        self.verdict.setText(self.tr("Checking…"))
        self.verdict.setProperty("state", "")
        self.details.clear()
        self.progress.show()
        self._task = run_task(self._app.lanes.db, lambda _c: site_calendar(s), check, self._on_failed,
                              name="site-calendar")
        self._update_buttons()

    def _settle(self) -> None:
        self._task = None
        self.progress.hide()
        self._update_buttons()

    def _on_done(self, verdicts: list[Verdict]) -> None:
        self._settle()
        self.verdicts = verdicts
        self._show(verdicts)

    def _on_failed(self, error: BaseException) -> None:
        self._settle()
        self.verdicts = []
        self._restyle("bad")
        self.verdict.setText(describe(error))
        self.details.clear()

    def _restyle(self, state: str) -> None:
        colour = {"ok": "#1b7f3b", "bad": "#b3261e", "warn": "#9a6700"}.get(state, "")
        self.verdict.setStyleSheet(f"font-size: 15px; font-weight: bold; color: {colour};" if colour else "")

    def _day(self, moment: str | datetime | None) -> str:
        assert self.calendar is not None  # read before any verdict is asked for
        return site_day(self.calendar, moment)

    def verdict_text(self, verdict: Verdict) -> tuple[str, str]:
        """(headline, style state) for a verdict, in the UI language."""
        from sync.protocol.certificates import Status

        if verdict.status is Status.VALID:
            if verdict.list_issued_at is None:
                return (self.tr("Genuine: signed with this site's pinned key. This PC has no revocation list "
                                "yet, so whether it was revoked is not known; sync once online to check."), "warn")
            return (self.tr("Genuine and valid: signed with this site's pinned key and not revoked "
                            "(revocation list of %1).").replace("%1", self._day(verdict.list_issued_at)), "ok")
        if verdict.status is Status.REVOKED:
            return (self.tr("Revoked: this certificate was withdrawn on %1 and is no longer valid.")
                    .replace("%1", self._day(verdict.revoked_at)), "bad")
        if verdict.status is Status.BAD_SIGNATURE:
            return self.tr("Not genuine: the content does not match its signature. It was altered."), "bad"
        if verdict.status is Status.UNKNOWN_ISSUER:
            return (self.tr("Unknown issuer: it is not signed with a key this site trusts. It cannot be "
                            "confirmed here."), "bad")
        return self.tr("Not a StudyDesk certificate: the code cannot be read. Check that it was copied whole."), "bad"

    def claims_text(self, claims: Claims) -> str:
        from sync.protocol.certificates import CertKind

        kind = self.tr("Certificate of study hours") if claims.kind is CertKind.HOURS else self.tr("Class certificate")
        lines = [self.tr("Certificate: %1").replace("%1", kind),
                 self.tr("Serial: %1").replace("%1", claims.serial),
                 self.tr("Name: %1 (%2)").replace("%1", claims.name).replace("%2", claims.person_id)]
        if claims.kind is CertKind.HOURS:
            lines.append(self.tr("Year: %1").replace("%1", str(claims.year)))
        else:
            lines.append(self.tr("Class: %1 (%2)").replace("%1", claims.class_name or claims.class_code or "")
                         .replace("%2", claims.class_code or ""))
        lines.append(self.tr("Hours: %1").replace("%1", str(claims.hours)))
        if claims.score is not None:
            lines.append(self.tr("Score: %1").replace("%1", str(claims.score)))
        lines.append(self.tr("Issued by %1 on %2").replace("%1", claims.issuer)
                     .replace("%2", self._day(claims.issued_at)))
        return "\n".join(lines)

    def _show(self, verdicts: list[Verdict]) -> None:
        first = verdicts[0]
        headline, state = self.verdict_text(first)
        if len(verdicts) > 1:
            headline = self.tr("%1 certificates found; the first: %2").replace("%1", str(len(verdicts))) \
                .replace("%2", headline)
        self._restyle(state)
        self.verdict.setText(headline)
        if first.claims is None:
            self.details.clear()
            return
        body = self.claims_text(first.claims)
        if not first.valid:
            body = self.tr("What the paper claims (not confirmed):") + "\n" + body
        self.details.setText(body)
