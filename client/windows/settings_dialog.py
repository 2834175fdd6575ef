"""Settings: language, text size, data folder, bandwidth cap and download times, server (if allowed).

Only the keys the site lets users change are editable (client.settings); the rest are
shown read-only. Saving happens on the SQLite lane; language and text size then apply to
every open window at once, without a restart. GUI thread only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from client.messages import describe
from client.tasks import TaskContext, run_task
from client.workers.context import AppContext, SessionContext
from sync.protocol.errors import FormatError
from sync.site.config import SiteConfig


class SettingsDialog(QDialog):
    def __init__(self, app: AppContext, session: SessionContext | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self._app = app
        self._session = session
        site = session.site if session is not None else app.site
        self._site = site
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(12)
        self.heading = QLabel()
        self.heading.setProperty("role", "h2")
        layout.addWidget(self.heading)
        form = QFormLayout()
        form.setVerticalSpacing(12)
        form.setHorizontalSpacing(16)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.addItem("中文（简体）", "zh_CN")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(site.language)))
        self.text_size = QComboBox()
        self.text_size.setObjectName("text_size")
        self.data_dir = QLineEdit(str(site.data_dir or app.data_root))
        self.data_dir.setObjectName("data_dir")
        self.browse = QPushButton()
        self.browse.clicked.connect(self._choose_folder)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_dir, 1)
        data_row.addWidget(self.browse)
        self.bandwidth = QSpinBox()
        self.bandwidth.setObjectName("bandwidth")
        self.bandwidth.setRange(0, 1_000_000)
        self.bandwidth.setSingleStep(64)
        self.bandwidth.setValue(site.bandwidth_cap_kbps)
        self.windows = QLineEdit(", ".join(site.download_windows))
        self.windows.setObjectName("windows")
        self.server = QLineEdit(site.server_url)
        self.server.setObjectName("server")
        self.server.setEnabled(site.allow_user_server)
        self.ca_bundle = QLineEdit(str(site.ca_bundle or ""))
        self.ca_bundle.setObjectName("ca_bundle")
        self.ca_bundle.setEnabled(site.allow_user_server)
        self.labels = [QLabel() for _ in range(7)]
        fields: list[QWidget | QHBoxLayout] = [self.language, self.text_size, data_row, self.bandwidth, self.windows,
                                               self.server, self.ca_bundle]
        for label, field in zip(self.labels, fields, strict=True):
            form.addRow(label, field)
        layout.addLayout(form)
        self.hint = QLabel()
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        self.heading.setText(self.tr("Settings"))
        current = self.text_size.currentData() or self._app.theme.text_size
        self.text_size.blockSignals(True)
        self.text_size.clear()
        for key, text in (("normal", self.tr("Normal")), ("large", self.tr("Large")),
                          ("xlarge", self.tr("Extra large"))):
            self.text_size.addItem(text, key)
        self.text_size.setCurrentIndex(max(0, self.text_size.findData(current)))
        self.text_size.blockSignals(False)
        texts = (self.tr("Language"), self.tr("Text size"), self.tr("Data folder"),
                 self.tr("Download speed limit"), self.tr("Download times"), self.tr("Server"),
                 self.tr("CA certificate"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.browse.setText(self.tr("Choose…"))
        self.bandwidth.setSuffix(" " + self.tr("kbit/s"))
        self.bandwidth.setSpecialValueText(self.tr("No limit"))
        self.windows.setPlaceholderText(self.tr("Any time, or e.g. 12:00-13:30, 18:00-23:00"))
        self.ca_bundle.setPlaceholderText(self.tr("System certificates"))
        fixed = (self.tr("A new server or CA certificate is used after StudyDesk is restarted. ")
                 if self._site.allow_user_server else self.tr("The server is set by your site administrator. "))
        self.hint.setText(fixed + self.tr("A new data folder is used after StudyDesk is restarted."))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose the data folder"), self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)

    def changes(self) -> dict[str, Any]:
        windows = [w.strip() for w in self.windows.text().replace("，", ",").split(",") if w.strip()]
        out: dict[str, Any] = {
            "language": self.language.currentData(),
            "text_size": self.text_size.currentData(),
            "bandwidth_cap_kbps": self.bandwidth.value(),
            "download_windows": windows,
        }
        data_dir = self.data_dir.text().strip()
        if data_dir and data_dir != str(self._app.data_root):
            out["data_dir"] = data_dir
        if self._site.allow_user_server and self.server.text().strip() != self._site.server_url:
            out["server_url"] = self.server.text().strip()
        ca = self.ca_bundle.text().strip()
        if self._site.allow_user_server and ca != str(self._site.ca_bundle or ""):
            out["ca_bundle"] = ca or None
        return out

    def save(self) -> None:
        changes = self.changes()
        try:
            new_site = self._site.with_user_overrides(changes)
        except FormatError as exc:
            self.message.setText(self.tr("This setting is not valid: %1").replace("%1", exc.detail))
            return
        app, session = self._app, self._session
        machine_keys = {"language", "text_size", "data_dir", "server_url", "ca_bundle"}  # used before sign-in

        def work(_ctx: TaskContext) -> None:
            ca = changes.get("ca_bundle")
            if ca and not Path(ca).is_file():
                raise FormatError("site_invalid", f"the CA certificate file {ca} does not exist")
            app.machine_settings.save(app.base_site, {k: v for k, v in changes.items() if k in machine_keys})
            if session is not None:
                session.settings.save(app.base_site, {k: v for k, v in changes.items() if k != "data_dir"})

        self.buttons.setEnabled(False)
        run_task(app.lanes.db, work, lambda _r: self._on_saved(new_site), self._on_save_failed, name="settings")

    def _on_saved(self, site: SiteConfig) -> None:
        self.apply(self._app, self._session, site)
        self.accept()

    def _on_save_failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        detail = f" ({error.detail})" if isinstance(error, FormatError) else ""
        self.message.setText(describe(error) + detail)

    @staticmethod
    def apply(app: AppContext, session: SessionContext | None, site: SiteConfig) -> None:
        """Language and text size for every window now; bandwidth and times for the next download."""
        app.site = app.site.with_user_overrides({"language": site.language, "text_size": site.text_size})
        if app.translator.language != site.language:
            app.translator.set_language(site.language)
        if app.theme.text_size != site.text_size:
            app.theme.apply(site.text_size)
        if session is not None:
            session.site = site
            if session.downloads is not None:
                session.downloads.update_site(site)
