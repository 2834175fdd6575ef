"""The status bar's sync widget: state, records waiting, last successful sync, "sync now".

Shows what a SyncController reports (whose state already says whether a failure is worth
retrying: "offline" then, "error" only when a person must act); it never talks to an engine
itself. The tooltip says why the last round failed. GUI thread only.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from client.messages import describe
from client.theme import icon

if TYPE_CHECKING:
    from client.workers.sync_worker import SyncController, SyncCounts


def local_time_text(timestamp: str | None) -> str:
    """A UTC ISO timestamp as local "MM-DD HH:MM" (or "" when unknown)."""
    if not timestamp:
        return ""
    try:
        when = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return ""
    return when.strftime("%m-%d %H:%M") if when.date() != datetime.now().date() else when.strftime("%H:%M")


class SyncStatusWidget(QWidget):
    sync_requested = Signal()
    rejected_clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.state = "offline"
        self.counts: SyncCounts | None = None
        self.error: BaseException | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.icon = QLabel()
        self.state_label = QLabel()
        self.state_label.setObjectName("sync_state")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("sync_pending")
        self.last_label = QLabel()
        self.last_label.setObjectName("sync_last")
        self.rejected_button = QPushButton()
        self.rejected_button.setProperty("role", "link")
        self.rejected_button.clicked.connect(self.rejected_clicked)
        self.sync_button = QPushButton()
        self.sync_button.setObjectName("sync_now")
        self.sync_button.setIcon(icon("sync"))
        self.sync_button.setIconSize(QSize(18, 18))
        self.sync_button.clicked.connect(self.sync_requested)
        layout.setSpacing(12)
        for w in (self.icon, self.state_label, self.pending_label, self.rejected_button, self.last_label):
            layout.addWidget(w)
        layout.addStretch(1)
        layout.addWidget(self.sync_button)
        self.retranslate()

    def set_state(self, state: str) -> None:
        self.state = state
        self.retranslate()

    def follow(self, sync: SyncController) -> None:
        """Show ``sync``'s state, counts and errors from now on; "sync now" asks it to go."""
        sync.state_changed.connect(self.set_state)
        sync.counts_changed.connect(self.set_counts)
        sync.error_changed.connect(self.set_error)
        self.sync_requested.connect(sync.sync_now)
        self.set_state(sync.state)

    def set_counts(self, counts: SyncCounts | None) -> None:
        self.counts = counts
        self.retranslate()

    def set_error(self, error: BaseException | None) -> None:
        self.error = error
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        names = {
            "online": self.tr("Online"),
            "offline": self.tr("Offline — records are kept on this PC"),
            "syncing": self.tr("Syncing…"),
            "error": self.tr("Sync problem"),
        }
        self.state_label.setText(names.get(self.state, self.state))
        self.icon.setPixmap(icon(self.state if self.state in names else "offline").pixmap(16, 16))
        self.state_label.setToolTip(describe(self.error) if self.error else "")
        self.sync_button.setText(self.tr("Sync now"))
        self.sync_button.setEnabled(self.state != "syncing")
        c = self.counts
        self.pending_label.setText(self.tr("%n record(s) waiting", "", c.pending) if c else "")
        rejected = c.rejected if c else 0
        self.rejected_button.setText(self.tr("%n refused", "", rejected))
        self.rejected_button.setVisible(rejected > 0)
        last = local_time_text(c.last_sync_at) if c else ""
        self.last_label.setText(self.tr("Last sync: %s") % last if last else self.tr("Not synced yet"))
