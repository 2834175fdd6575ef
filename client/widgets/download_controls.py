"""Download controls for one course: a labelled progress bar, the state in words, start/pause/resume/cancel.

Shows bytes, speed and time left from the engine's DownloadProgress snapshots, the course's
size before a download, what a waiting download waits for (the network, or the site's
allowed hours) and, in red, why a download failed. The widget keeps its height whatever the
state (the bar stays, showing 100% once downloaded; the button row keeps a button's height),
so a list of these does not jump when a download ends. The buttons only emit signals (the
DownloadManager acts). GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from client.messages import sentences
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

    def __init__(self, *, own_layout: bool = True) -> None:
        """``own_layout=False``: a host (a course card) lays out the parts itself: ``caption``, ``bar``,
        ``percent``, ``label``, ``buttons`` and ``error``; this widget then only has to stay alive."""
        super().__init__()
        self.state = d.IDLE
        self.progress: DownloadProgress | None = None
        self.present = 0
        self.total = 0
        self.error_text = ""
        self.windows: tuple[str, ...] = ()  # the site's allowed download hours, named while waiting for them
        self.offer_start = True  # False where another button of the window starts the download
        self.caption = QLabel()
        self.caption.setObjectName("download_caption")
        self.bar = QProgressBar()
        self.bar.setProperty("role", "download")
        self.bar.setTextVisible(False)
        self.bar.setRange(0, 1000)
        self.percent = QLabel()
        self.percent.setObjectName("download_percent")
        self.percent.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.label = QLabel()
        self.label.setObjectName("download_state")
        self.label.setWordWrap(True)
        self.buttons = QWidget()
        row = QHBoxLayout(self.buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addStretch(1)
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
        self.error = QLabel()
        self.error.setObjectName("download_error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.state_row: QWidget | None = None
        if own_layout:
            grid = QGridLayout(self)
            grid.setContentsMargins(0, 0, 0, 0)
            grid.setHorizontalSpacing(10)
            grid.setVerticalSpacing(4)
            grid.addWidget(self.caption, 0, 0)
            grid.addWidget(self.bar, 0, 1)
            grid.addWidget(self.percent, 0, 2)
            self.state_row = QWidget()
            state = QHBoxLayout(self.state_row)
            state.setContentsMargins(0, 0, 0, 0)
            state.setSpacing(8)
            state.addWidget(self.label, 1)
            state.addWidget(self.buttons)
            grid.addWidget(self.state_row, 1, 0, 1, 3)
            grid.addWidget(self.error, 2, 0, 1, 3)
            grid.setColumnStretch(1, 1)
        self.retranslate()

    def set_sizes(self, present: int, total: int) -> None:
        self.present, self.total = present, total
        self.retranslate()

    def set_state(self, state: str, error_text: str = "") -> None:
        self.state = state
        self.error_text = error_text
        if state == d.IDLE:
            self.progress = None
        self.retranslate()

    def set_progress(self, progress: DownloadProgress) -> None:
        self.progress = progress
        self.present, self.total = progress.bytes_done, progress.bytes_total
        self.retranslate()

    def set_windows(self, windows: tuple[str, ...]) -> None:
        self.windows = windows
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.retranslate()
        super().changeEvent(event)

    @property
    def complete(self) -> bool:
        active = self.state in (d.RUNNING, d.QUEUED, d.WAITING_NETWORK, d.WAITING_WINDOW)
        return self.state == d.DONE or (bool(self.total) and self.present >= self.total and not active)

    def _state_text(self) -> str:
        size = format_bytes(self.total) if self.total else ""
        done = f"{format_bytes(self.present)} / {size}" if self.total and self.present else ""
        s = self.state
        if self.complete:
            return self.tr("Downloaded · %1").replace("%1", size) if size else self.tr("Downloaded")
        if s == d.RUNNING:
            p = self.progress
            if p is None:
                return self.tr("Connecting to the course server…")
            parts = [self.tr("Downloading"), done]
            if p.rate_bps > 0:
                parts.append(f"{format_bytes(p.rate_bps)}/s")
                parts.append(format_eta(p.eta_s))
            return " · ".join(x for x in parts if x)
        if s == d.WAITING_WINDOW:
            hours = self.tr(", ").join(self.windows)
            text = (self.tr("Waits for the allowed download hours (%1); starts by itself").replace("%1", hours)
                    if hours else self.tr("Waits for the allowed download hours; starts by itself"))
            return " · ".join(x for x in (text, done) if x)
        texts = {
            d.QUEUED: self.tr("Waiting to download"),
            d.PAUSED: self.tr("Paused"),
            d.WAITING_NETWORK: self.tr("Waiting for the network; will continue by itself"),
            d.FAILED: self.tr("Download failed"),
        }
        if s in texts:
            return " · ".join(x for x in (texts[s], done) if x)
        if self.total and self.present:
            return self.tr("Partly downloaded · %1").replace("%1", done)
        return self.tr("Not downloaded") + (" · " + self.tr("%1 to download").replace("%1", size) if size else "")

    def retranslate(self) -> None:
        self.caption.setText(self.tr("Download"))
        self.start_button.setText(self.tr("Download"))
        self.pause_button.setText(self.tr("Pause"))
        self.resume_button.setText(self.tr("Resume"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.label.setText(self._state_text())
        s = self.state
        active = s in (d.RUNNING, d.QUEUED, d.WAITING_NETWORK, d.WAITING_WINDOW)
        complete = self.complete
        self.start_button.setVisible(self.offer_start and not active and s != d.PAUSED and not complete)
        self.pause_button.setVisible(active)
        self.resume_button.setVisible(s == d.PAUSED)
        self.cancel_button.setVisible(active or s == d.PAUSED)
        ratio = 1.0 if complete else (self.present / self.total if self.total else 0.0)
        self.bar.setValue(int(1000 * min(1.0, ratio)))
        self.percent.setText(f"{ratio * 100:.0f}%")
        self.percent.setMinimumWidth(self.percent.fontMetrics().horizontalAdvance("100%") + 4)
        if self.state_row is not None:  # it keeps a button's height when no button shows: nothing below moves
            self.state_row.setMinimumHeight(self.start_button.sizeHint().height())
        if s == d.FAILED:
            extra = self.tr("If this keeps happening, contact your training administrator.")
            self.error.setText(sentences(self.error_text, extra))
            self.error.show()
        else:
            self.error.clear()
            self.error.hide()
