"""Background sync for the status bar: drains the outbox when the server is reachable.

Runs ``sync.records.uploader.Uploader.sync_once`` on the network lane; after a failure it
waits with capped exponential backoff and jitter before the next try, after a success it
checks again every minute. ``sync_now()`` goes at once. Counts (records waiting, rejected,
last successful sync) are read on the SQLite lane. Emits plain state names:
online, offline, syncing, error. The error's type decides between the last two: a
RetryableError (no network, TLS, timeout, a busy server or an answer not understood) is
"offline, will retry"; anything else needs a person ("error"). GUI thread only; the engine
runs on workers. After a round that sent records, while the server has acknowledged quiz or exam
records whose grade this PC has not seen, and once a day, a round also reads the server's grades
and this year's outcomes from its transcript (kept for offline: sync.records.server_view); each
round that went through keeps how far the server's clock is from this PC's.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from client.tasks import Lanes, TaskHandle, run_task
from sync.net.backoff import Backoff
from sync.protocol.errors import CancelledError, RetryableError, SyncError

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # the engines load after the first window shows
    from sync.account.auth import UserSession
    from sync.protocol.keys import PublicKey
    from sync.records.uploader import SyncResult

ONLINE, OFFLINE, SYNCING, ERROR = "online", "offline", "syncing", "error"
IDLE_INTERVAL_S = 60
BACKOFF_BASE_S = 10
BACKOFF_CAP_S = 600


@dataclass(frozen=True, slots=True)
class SyncCounts:
    pending: int
    rejected: int
    last_sync_at: str | None


def sync_backoff(rng: random.Random | None = None) -> Backoff:
    """The waits between background sync rounds after failures in a row."""
    return Backoff(BACKOFF_BASE_S, BACKOFF_CAP_S, rng or random.Random())


def sync_once(session: UserSession, cancel: threading.Event, max_wait_s: float = 10.0,
              trusted: Mapping[str, PublicKey] | None = None) -> SyncResult:
    """Network lane: one upload round with this person's own outbox connection.

    The engine keeps what stopped the round in ``result.errors`` as the error objects; the
    first one is raised here unchanged (a cancel first), so the controller decides by its type.
    With nothing to send it still asks the server's health, so the status bar knows online
    from offline (and why: a TLS failure stays a TLS failure).
    """
    conn = session.db()
    try:
        result = session.uploader(conn, max_wait_s=max_wait_s).sync_once(cancel=cancel)
        if not result.sent and not result.errors and not session.api.check_health():
            raise RetryableError("network", "the server does not answer")
        if not result.errors:
            remember_server_clock(session, conn)
            result.server_view = fetch_server_view(session, conn, sent=result.sent)
            if trusted:
                refresh_revocations(session, trusted)
    finally:
        conn.close()
    for kind in (CancelledError, RetryableError, SyncError):
        first = next((e for e in result.errors if isinstance(e, kind)), None)
        if first is not None:
            raise first
    return result


def remember_server_clock(session: UserSession, conn: sqlite3.Connection) -> None:
    """Network lane: keep how far the server's clock is from this PC's, as this round's answers said,
    for the site's "today" while offline (sync.records.my_courses.site_today)."""
    from sync.records.server_view import store_server_clock

    offset = session.api.transport.server_clock_offset_s
    if offset is not None:
        store_server_clock(conn, offset)


def fetch_server_view(session: UserSession, conn: sqlite3.Connection, *, sent: int = 0) -> bool:
    """Network lane: the server's grades of the quiz and exam attempts it acknowledged and this
    year's outcomes (its confirmed figure, standing, rankings, classes and reminders), from its
    transcript: after a round that sent records, while some grades are still unknown here, or when
    the outcomes saved here are not from today. A failure waits for the next round. True when
    they were read anew."""
    from sync.protocol.records import utc_now
    from sync.records.attempts import awaiting_grades, store_server_grades
    from sync.records.server_view import cached_outcomes, store_outcomes

    saved = cached_outcomes(conn)
    if not sent and not awaiting_grades(conn) and saved is not None and saved.fetched_at[:10] == utc_now()[:10]:
        return False
    try:
        transcript = session.api.transcript(outcomes=True)
        store_server_grades(conn, transcript)
        if transcript.get("outcomes") is not None:
            store_outcomes(conn, transcript["outcomes"])
    except SyncError as exc:
        log.info("the server's grades and outcomes wait for the next sync: %s", exc)
        return False
    return True


def refresh_revocations(session: UserSession, trusted: Mapping[str, PublicKey]) -> None:
    """Network lane: the certificate revocation list, fetched at most hourly and cached for
    verifying offline (sync.site.revocations). A failure waits for the next round."""
    from sync.site import revocations

    try:
        revocations.refresh(session.api, trusted, session.profile_dir)
    except SyncError as exc:
        log.info("the certificate revocation list waits for the next sync: %s", exc)


def state_after(error: BaseException) -> str:
    """The state a failed round leaves: OFFLINE (will retry) for a RetryableError, else ERROR."""
    return OFFLINE if isinstance(error, RetryableError) else ERROR


def read_counts(session: UserSession) -> SyncCounts:
    """SQLite lane: how many records wait, how many were refused, when the last sync succeeded."""
    conn = session.db()
    try:
        outbox = session.outbox(conn)
        return SyncCounts(outbox.pending_count(), len(outbox.rejected()), outbox.last_sync_at())
    finally:
        conn.close()


class SyncController(QObject):
    """Schedules sync rounds for one signed-in person. GUI thread only."""

    state_changed = Signal(str)  # online / offline / syncing / error
    counts_changed = Signal(object)  # SyncCounts
    synced = Signal(object)  # the engine's SyncResult
    error_changed = Signal(object)  # the last exception, or None (its type chose the state: state_after)
    network_back = Signal()  # the server answered after a failure, or for the first time after an offline sign-in

    def __init__(self, lanes: Lanes, session: UserSession, trusted: Mapping[str, PublicKey] | None = None) -> None:
        super().__init__()
        self._lanes = lanes
        self._session = session
        self._trusted = dict(trusted or {})  # the pinned keys that sign the revocation list
        self.state = OFFLINE if session.offline else ONLINE
        self.counts: SyncCounts | None = None
        self.last_error: BaseException | None = None
        self._failures = 0
        self._backoff = sync_backoff()
        self._last_ok: str | None = None  # the last round that reached the server, even with nothing to send
        self._task: TaskHandle | None = None
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.sync_now)

    def start(self, first_delay_s: float = 1.0) -> None:
        self.refresh_counts()
        self._schedule(first_delay_s)

    def sync_now(self) -> None:
        if self._closed or self._task is not None:
            return
        self._timer.stop()
        if self.counts is None or self.counts.pending or self.state != ONLINE:
            self._set_state(SYNCING)  # an idle health check with nothing to send stays "online"
        session, trusted = self._session, self._trusted
        self._task = run_task(self._lanes.net, lambda ctx: sync_once(session, ctx.cancel, trusted=trusted),
                              self._on_synced, self._on_sync_failed, name="sync")

    def refresh_counts(self) -> None:
        if self._closed:
            return
        session = self._session
        run_task(self._lanes.db, lambda _c: read_counts(session), self._on_counts, name="sync-counts")

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        if self._task is not None:
            self._task.cancel()

    @property
    def busy(self) -> bool:
        return self._task is not None

    @property
    def next_round_scheduled(self) -> bool:
        """Whether a next round is on the timer."""
        return self._timer.isActive()

    # ---- results
    def _on_synced(self, result: SyncResult) -> None:
        from sync.protocol.records import utc_now

        self._task = None
        self._last_ok = utc_now()
        was_down = self.state in (OFFLINE, ERROR) or self._failures > 0
        self._failures = 0
        self._backoff.reset()
        # the server took this person's tokens: a session that began offline is online from now on
        self._session.offline = False
        self.last_error = None
        self.error_changed.emit(None)
        self._set_state(ONLINE)
        self.synced.emit(result)
        if was_down:
            self.network_back.emit()
        self.refresh_counts()
        self._schedule(IDLE_INTERVAL_S)

    def _on_sync_failed(self, error: BaseException) -> None:
        self._task = None
        if isinstance(error, CancelledError):
            return
        self.last_error = error
        self.error_changed.emit(error)
        self._failures += 1
        self._set_state(state_after(error))
        self.refresh_counts()
        self._schedule(self._backoff.delay_after(error))

    def _on_counts(self, counts: SyncCounts) -> None:
        if self._last_ok and (counts.last_sync_at or "") < self._last_ok:
            counts = SyncCounts(counts.pending, counts.rejected, self._last_ok)
        self.counts = counts
        self.counts_changed.emit(counts)

    def _schedule(self, delay_s: float) -> None:
        if not self._closed:
            self._timer.start(int(delay_s * 1000))

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
        self.state_changed.emit(state)

