"""Download controls for one course: state text, a progress bar, start/pause/resume/cancel.

Shows bytes, speed and time left from the engine's DownloadProgress snapshots; the buttons
only emit signals (the DownloadManager acts). GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from client.workers import downloads as d

if TYPE_CHECKING:
    from sync.content.downloader import DownloadProgress


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    s = int(seconds + 0.5)
    if s < 60:
        return QCoreApplication.translate("Download", "%1 s left").replace("%1", str(s))
    if s < 3600:
        return QCoreApplication.translate("Download", "%1 min left").replace("%1", str((s + 30) // 60))
    text = QCoreApplication.translate("Download", "%1 h %2 min left")
    return text.replace("%1", str(s // 3600)).replace("%2", str(s % 3600 // 60))


class DownloadControls(QWidget):
    start_clicked = Signal()
    pause_clicked = Signal()
    resume_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.state = d.IDLE
        self.progress: DownloadProgress | None = None
        self.present = 0
        self.total = 0
        self.error_text = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        row = QHBoxLayout()
        self.label = QLabel()
        self.label.setObjectName("download_state")
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        self.start_button = QPushButton()
        self.pause_button = QPushButton()
        self.resume_button = QPushButton()
        self.cancel_button = QPushButton()
        for b, sig, name in ((self.start_button, self.start_clicked, "download"),
                             (self.pause_button, self.pause_clicked, "pause"),
                             (self.resume_button, self.resume_clicked, "resume"),
                             (self.cancel_button, self.cancel_clicked, "cancel")):
            b.setObjectName(name)
            b.clicked.connect(sig)
            row.addWidget(b)
        outer.addLayout(row)
        self.bar = QProgressBar()
        self.bar.setProperty("role", "download")
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)
        outer.addWidget(self.bar)
        self.retranslate()

    def set_sizes(self, present: int, total: int) -> None:
        self.present, self.total = present, total
        self.retranslate()

    def set_state(self, state: str, error_text: str = "") -> None:
        self.state = state
        self.error_text = error_text
        self.retranslate()

    def set_progress(self, progress: DownloadProgress) -> None:
        self.progress = progress
        self.present, self.total = progress.bytes_done, progress.bytes_total
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _state_text(self) -> str:
        size = format_bytes(self.total) if self.total else ""
        done = f"{format_bytes(self.present)} / {size}" if self.total else ""
        s = self.state
        if s == d.DONE or (s == d.IDLE and self.total and self.present >= self.total):
            return self.tr("Downloaded · %1").replace("%1", size)
        if s == d.RUNNING:
            p = self.progress
            parts = [self.tr("Downloading"), done] if done else [self.tr("Downloading…")]
            if p is not None and p.rate_bps > 0:
                parts.append(f"{format_bytes(p.rate_bps)}/s")
                parts.append(format_eta(p.eta_s))
            return " · ".join(x for x in parts if x)
        texts = {
            d.QUEUED: self.tr("Waiting to download"),
            d.PAUSED: self.tr("Paused"),
            d.WAITING_NETWORK: self.tr("Waiting for the network; will continue by itself"),
            d.WAITING_WINDOW: self.tr("Waiting for the allowed download time"),
            d.FAILED: self.tr("Download failed"),
        }
        if s in texts:
            text = " · ".join(x for x in (texts[s], done) if x)
            return f"{text}\n{self.error_text}" if self.error_text else text
        if self.total and self.present:
            return self.tr("Partly downloaded · %1").replace("%1", done)
        return self.tr("Not downloaded") + (f" · {size}" if size else "")

    def retranslate(self) -> None:
        self.start_button.setText(self.tr("Download"))
        self.pause_button.setText(self.tr("Pause"))
        self.resume_button.setText(self.tr("Resume"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.label.setText(self._state_text())
        s = self.state
        active = s in (d.RUNNING, d.QUEUED, d.WAITING_NETWORK, d.WAITING_WINDOW)
        complete = s == d.DONE or (bool(self.total) and self.present >= self.total and not active)
        self.start_button.setVisible(not active and s != d.PAUSED and not complete)
        self.pause_button.setVisible(active)
        self.resume_button.setVisible(s == d.PAUSED)
        self.cancel_button.setVisible(active or s == d.PAUSED)
        self.bar.setVisible(not complete and (active or s == d.PAUSED or bool(self.present)))
        self.bar.setMaximum(1000)
        self.bar.setValue(int(1000 * self.present / self.total) if self.total else 0)
