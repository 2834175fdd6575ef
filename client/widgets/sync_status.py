"""The status bar's sync widget: state, study progress waiting, last successful sync, "sync now".

Shows what a SyncController reports (whose state already says whether a failure is worth
retrying: "offline" then, "error" only when a person must act); it never talks to an engine
itself. The tooltip says why the last round failed; a round the person asked for with
"sync now" that fails says so in words next to the button. Being offline is normal work,
shown in grey, never as an alarm. GUI thread only.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QSize, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from client.messages import describe
from client.theme import icon
from sync.protocol.errors import RetryableError

if TYPE_CHECKING:
    from client.workers.sync_worker import SyncController, SyncCounts


NOTICE_MS = 20_000  # how long the answer to a failed "sync now" stays
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def local_time_text(timestamp: str | None, now: datetime | None = None) -> str:
    """A UTC ISO timestamp in local time: "today 14:30", "3 May 14:30", "3 May 2023 14:30" ("" if unknown)."""
    if not timestamp:
        return ""
    try:
        when = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return ""
    today = (now or datetime.now().astimezone()).date()
    parts = {"time": when.strftime("%H:%M"), "day": when.day, "month": when.month,
             "month_name": _MONTHS[when.month - 1], "year": when.year}
    if when.date() == today:
        text = QCoreApplication.translate("SyncStatusWidget", "today {time}")
    elif when.year == today.year:
        text = QCoreApplication.translate("SyncStatusWidget", "{day} {month_name} {time}")
    else:
        text = QCoreApplication.translate("SyncStatusWidget", "{day} {month_name} {year} {time}")
    return text.format(**parts)


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
        self.notice_label = QLabel()
        self.notice_label.setObjectName("sync_notice")
        self.notice_label.setProperty("role", "notice")
        self.notice_label.hide()
        self.sync_button = QPushButton()
        self.sync_button.setObjectName("sync_now")
        self.sync_button.setIcon(icon("sync"))
        self.sync_button.setIconSize(QSize(18, 18))
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self._asked = False  # the person pressed "sync now" and waits for the answer
        self._notice_timer = QTimer(self)  # the answer stays a while, then the usual counts come back
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(NOTICE_MS)
        self._notice_timer.timeout.connect(self._on_notice_timer_timeout)
        layout.setSpacing(12)
        for w in (self.icon, self.state_label, self.pending_label, self.rejected_button, self.last_label,
                  self.notice_label):
            layout.addWidget(w)
        layout.addStretch(1)
        layout.addWidget(self.sync_button)
        self.retranslate()

    def _on_sync_button_clicked(self) -> None:
        self._asked = True
        self._notice_timer.stop()
        self.sync_requested.emit()

    def _on_notice_timer_timeout(self) -> None:
        self._asked = False
        self.retranslate()

    def set_state(self, state: str) -> None:
        self.state = state
        if state == "online":
            self._asked = False
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
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        names = {
            "online": self.tr("Online"),
            "offline": self.tr("Offline — study progress is kept on this PC"),
            "syncing": self.tr("Syncing…"),
            "error": self.tr("Sync problem"),
        }
        self.state_label.setText(names.get(self.state, self.state))
        # as wide as the longest state, so a change of state never leaves the label cut off
        self.state_label.ensurePolished()
        metrics = self.state_label.fontMetrics()
        self.state_label.setMinimumWidth(max(metrics.horizontalAdvance(n) for n in names.values()) + 4)
        self.icon.setPixmap(icon(self.state if self.state in names else "offline").pixmap(16, 16))
        self.state_label.setToolTip(describe(self.error) if self.error else "")
        self.sync_button.setText(self.tr("Sync now"))
        self.sync_button.setEnabled(self.state != "syncing")
        c = self.counts
        self.pending_label.setText(self.tr("%n study progress update(s) waiting to sync", "", c.pending)
                                   if c and c.pending else self.tr("All study progress synced") if c else "")
        rejected = c.rejected if c else 0
        self.rejected_button.setText(self.tr("%n refused by the server", "", rejected))
        self.rejected_button.setVisible(rejected > 0)
        last = local_time_text(c.last_sync_at) if c else ""
        self.last_label.setText(self.tr("Last sync: %s") % last if last else self.tr("Not synced yet"))
        notice = self.notice_text()
        self.notice_label.setText(notice)
        self.notice_label.setVisible(bool(notice))
        # the answer to "sync now" matters more just now (and must fit a 1024-pixel screen at 特大)
        self.pending_label.setVisible(not notice)
        self.last_label.setVisible(not notice)
        if notice and not self._notice_timer.isActive():
            self._notice_timer.start()

    def notice_text(self) -> str:
        """What a failed "sync now" says: the server cannot be reached, or what went wrong."""
        if not self._asked or self.state not in ("offline", "error") or self.error is None:
            return ""
        if isinstance(self.error, RetryableError):
            return self.tr("Cannot reach the server just now. StudyDesk will try again by itself.")
        return describe(self.error)
