"""Settings: language, text size, data folder, download speed limit and times, server (if allowed).

Only the keys the site lets users change are shown (client.settings): the server and its
CA certificate appear only where the site file allows changing them. The speed limit is
asked in KB/s or MB/s (0 is "no limit") and kept in kbit/s like the site file. Saving
happens on the SQLite lane; language and text size then apply to every open window at
once, without a restart. The dialog fits a 1024x768 screen at the largest text size.
GUI thread only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt
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
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from client.messages import describe
from client.tasks import TaskContext, run_task
from client.workers.context import AppContext, SessionContext
from sync.protocol.errors import FormatError
from sync.site.config import SiteConfig

KBIT_PER_UNIT = {"KB/s": 8, "MB/s": 8000}  # 1 KB = 1000 bytes, as the downloader counts the cap


def speed_in_units(cap_kbps: int) -> tuple[int, str]:
    """A kbit/s cap as (value, "KB/s" or "MB/s") for the settings form; (0, "KB/s") for no cap."""
    if cap_kbps and cap_kbps % KBIT_PER_UNIT["MB/s"] == 0:
        return cap_kbps // KBIT_PER_UNIT["MB/s"], "MB/s"
    return (max(1, round(cap_kbps / KBIT_PER_UNIT["KB/s"])) if cap_kbps else 0), "KB/s"


def speed_in_kbps(value: int, unit: str) -> int:
    return value * KBIT_PER_UNIT[unit]


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
        self.form_host = form_host = QWidget()
        form = QFormLayout(form_host)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(12)
        form.setHorizontalSpacing(16)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
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
        self.bandwidth_unit = QComboBox()
        self.bandwidth_unit.setObjectName("bandwidth_unit")
        for unit in KBIT_PER_UNIT:
            self.bandwidth_unit.addItem("", unit)  # the text comes in retranslate()
        self._initial_speed = speed_in_units(site.bandwidth_cap_kbps)
        self.bandwidth.setValue(self._initial_speed[0])
        self.bandwidth_unit.setCurrentIndex(self.bandwidth_unit.findData(self._initial_speed[1]))
        self.bandwidth_unit.currentIndexChanged.connect(self._on_bandwidth_unit_changed)
        self._on_bandwidth_unit_changed()
        speed_row = QHBoxLayout()
        speed_row.addWidget(self.bandwidth, 1)
        speed_row.addWidget(self.bandwidth_unit)
        self.windows = QLineEdit(", ".join(site.download_windows))
        self.windows.setObjectName("windows")
        self.server = QLineEdit(site.server_url)
        self.server.setObjectName("server")
        self.server.setEnabled(site.allow_user_server)
        self.ca_bundle = QLineEdit(str(site.ca_bundle or ""))
        self.ca_bundle.setObjectName("ca_bundle")
        self.ca_bundle.setEnabled(site.allow_user_server)
        self.labels = [QLabel() for _ in range(7)]
        fields: list[QWidget | QHBoxLayout] = [self.language, self.text_size, data_row, speed_row, self.windows,
                                               self.server, self.ca_bundle]
        for label, field in zip(self.labels, fields, strict=True):
            label.setWordWrap(True)
            form.addRow(label, field)
        for row in (5, 6):  # the server rows: only where the site lets people change them
            form.setRowVisible(row, site.allow_user_server)
        # at the largest text size on a 768-pixel screen the form scrolls instead of pushing the buttons off
        self.form_scroll = QScrollArea()
        self.form_scroll.setObjectName("settings_scroll")
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form_scroll.setWidget(form_host)
        layout.addWidget(self.form_scroll, 1)
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
        self.ensurePolished()  # the style sheet's text size decides the size
        self.resize(self.sizeHint())  # not Qt's default of at most 2/3 of the screen

    def sizeHint(self) -> QSize:
        """The whole form where it fits, else as tall as the screen's work area allows (the form scrolls)."""
        form_host = self.form_host
        hint = super().sizeHint()
        height = hint.height() - self.form_scroll.sizeHint().height() + form_host.sizeHint().height() + 4
        # wide enough for the download times' example, so nobody has to guess its end
        example = self.windows.fontMetrics().horizontalAdvance(self.windows.placeholderText())
        label = max(lbl.sizeHint().width() for lbl in self.labels)
        width = max(hint.width(), form_host.sizeHint().width() + 60, example + label + 110)
        screen = self.screen()
        if screen is not None:
            avail = screen.availableGeometry()
            height = min(height, avail.height() - 60)  # room for the title bar
            width = min(width, avail.width() - 40)
        return QSize(width, height)

    def _on_bandwidth_unit_changed(self) -> None:
        self.bandwidth.setSingleStep(64 if self.bandwidth_unit.currentData() == "KB/s" else 1)

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
        self.bandwidth.setSpecialValueText(self.tr("No limit"))
        self.bandwidth_unit.setItemText(0, self.tr("KB/s"))
        self.bandwidth_unit.setItemText(1, self.tr("MB/s"))
        self.windows.setPlaceholderText(self.tr("Any time, or e.g. 12:00-13:30, 18:00-23:00"))
        self.ca_bundle.setPlaceholderText(self.tr("System certificates"))
        fixed = (self.tr("A new server or CA certificate is used after StudyDesk is restarted. ")
                 if self._site.allow_user_server else "")
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
            "bandwidth_cap_kbps": self.speed_kbps(),
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

    def speed_kbps(self) -> int:
        """The cap as entered, in kbit/s; the site's exact value while the person left it alone."""
        entered = (self.bandwidth.value(), str(self.bandwidth_unit.currentData()))
        if entered == self._initial_speed:
            return self._site.bandwidth_cap_kbps
        return speed_in_kbps(*entered)

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
