"""The Qt face of the player: VLC events as queued signals, accounting driven by a timer.

``PlayerBridge`` owns a ``player.backend.PlayerBackend`` (the app gives it a
``player.vlc_backend.VlcBackend``) and, once a lesson is open, its
``player.accounting.WatchAccounting``. VLC delivers events on its own thread: the callback
given to the backend only emits ``_backend_event`` (a queued signal) — it never touches a
widget or calls back into VLC. On the GUI thread the bridge turns them into typed signals.

A QTimer (~4 Hz) reads the play position and feeds ``tick()`` with the monotonic clock.
A second timer fires every few seconds (``checkpoint_interval_s``): it emits the open span so
far (``progress_ready``: saved locally, unsigned, for crash safety) or, once the span has
lasted ``record_interval_s``, closes it (``checkpoint_ready``: one signed record). Pause,
seek, end, failure and close close the span too. Both are only *emitted*: the window saves
them on the SQLite lane. Opening a file (VLC parses it before playing, which can block) runs
on a worker lane.
GUI thread only. Must not import windows or widgets, nor sync/.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from client.tasks import Lane, TaskContext, run_task
from player.accounting import WatchAccounting, WatchCheckpoint
from player.backend import MediaInfo, PlayerBackend
from player.clock import Clock, monotonic
from player.errors import PlayerError
from player.events import EventKind, PlayerEvent

log = logging.getLogger(__name__)

TICK_MS = 250
EARLY_END_S = 3.0  # VLC reporting the end this long before the media's duration: the file is cut short

# backend state names -> our states
PLAYING, PAUSED, STOPPED, ENDED, OPENING = "playing", "paused", "stopped", "ended", "opening"

# Builds the backend, given the callback its events go to (called on the backend's own thread).
BackendFactory = Callable[[Callable[[PlayerEvent], None]], PlayerBackend]


class PlayerBridge(QObject):
    """Adapter between one VLC player, one lesson's accounting and the window. GUI thread only."""

    position_changed = Signal(int)  # ms
    duration_changed = Signal(int)  # ms
    state_changed = Signal(str)  # playing / paused / stopped / ended / opening
    error = Signal(str)  # error code (client.messages)
    ended = Signal()
    opened = Signal(object)  # MediaInfo
    credit_changed = Signal(float)  # media seconds covered in this lesson, all sessions
    attention_required = Signal(str)  # "idle" or "interval"
    checkpoint_ready = Signal(object)  # WatchCheckpoint: a closed span (signed)
    progress_ready = Signal(object)  # WatchCheckpoint: the open span so far (kept locally, unsigned)
    _backend_event = Signal(object)  # PlayerEvent: emitted on VLC's thread, delivered queued

    def __init__(
        self,
        backend_factory: BackendFactory,
        *,
        clock: Clock = monotonic,
        checkpoint_interval_s: float = 5.0,
        record_interval_s: float = 60.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend_event.connect(self._on_backend_event, Qt.ConnectionType.QueuedConnection)
        # The callback runs on libvlc's thread: emit only (a queued signal), nothing else.
        self.backend: PlayerBackend | None = None  # None: no working player on this PC
        self.unavailable_code: str | None = None
        try:
            self.backend = backend_factory(self._backend_event.emit)
        except PlayerError as exc:  # VLC missing or broken on this PC: say so, credit nothing
            log.warning("no video player: %s", exc.detail)
            self.unavailable_code = exc.code
        self.clock = clock
        self.accounting: WatchAccounting | None = None
        self.state = STOPPED
        self.rate = 1.0
        self._playing = False
        self._attention_open = False
        self._resume_s: float | None = None
        self._released = False
        # The player's own file work (parsing, re-hashing): never queued behind long downloads.
        self.worker_lane = Lane("player-files", 2)  # 2: an idle thread expires instead of staying
        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(TICK_MS)
        self._tick_timer.timeout.connect(self.tick)
        self._checkpoint_timer = QTimer(self)
        self._checkpoint_timer.setInterval(max(200, int(checkpoint_interval_s * 1000)))
        self._checkpoint_timer.timeout.connect(self._on_save_timer)
        self.record_interval_s = record_interval_s

    # -- opening ---------------------------------------------------------------------
    def open(self, path: str) -> None:
        """Parse and load ``path`` on the bridge's own worker; ``opened`` or ``error`` follows.

        Not on the app's network lane: downloads there may keep every thread busy for minutes."""
        backend = self.backend
        if backend is None:
            self.error.emit(self.unavailable_code or "vlc_unavailable")
            return

        def work(ctx: TaskContext) -> MediaInfo:
            return backend.open(path)

        self._set_state(OPENING)
        run_task(self.worker_lane, work, self._on_open_done, self._on_open_failed, name="open-lesson")

    def _on_open_done(self, info: MediaInfo) -> None:
        if self._released or self.backend is None:
            return
        self.duration_changed.emit(int(self.backend.duration_s * 1000))
        self.opened.emit(info)

    def _on_open_failed(self, error: BaseException) -> None:
        if self._released:
            return
        self._set_state(STOPPED)
        code = error.code if isinstance(error, PlayerError) else "playback_failed"
        self.error.emit(code)

    def start(self, accounting: WatchAccounting, resume_s: float = 0.0) -> None:
        """Begin crediting with ``accounting`` and play from ``resume_s``."""
        self.accounting = accounting
        self._resume_s = resume_s if resume_s > 1.0 else None
        self.credit_changed.emit(accounting.covered_s)
        self.play()
        self._checkpoint_timer.start()

    # -- controls (GUI thread) ---------------------------------------------------------
    def play(self) -> None:
        backend = self.backend
        if self.accounting is None or backend is None or self._attention_open or self._released:
            return
        self.tick()
        backend.play()
        self._playing = True
        self._tick_timer.start()

    def pause(self) -> None:
        backend = self.backend
        if self.accounting is None or backend is None or self._released:
            return
        self.tick()
        self._playing = False
        backend.pause()
        self._set_state(PAUSED)
        self.checkpoint()

    def toggle(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    @property
    def playing(self) -> bool:
        return self._playing

    def seek(self, to_s: float) -> bool:
        """Ask the accounting first; False when the policy refuses (the player does not move)."""
        backend = self.backend
        if self.accounting is None or backend is None:
            return False
        self.tick()
        if not self.accounting.seek(to_s):
            return False
        backend.seek(to_s)
        self.position_changed.emit(int(to_s * 1000))
        self.checkpoint()  # a seek closes the span
        return True

    def set_rate(self, rate: float) -> None:
        self.tick()  # the span so far was played at the old rate
        self.rate = rate
        if self.backend is not None:
            self.backend.set_rate(rate)

    def set_volume(self, volume: int) -> None:
        if self.backend is not None:
            self.backend.set_volume(volume)

    def set_visible(self, visible: bool) -> None:
        if self.accounting is not None:
            self.tick()
            self.accounting.set_visible(visible)

    def user_activity(self) -> None:
        if self.accounting is not None:
            self.accounting.user_activity()

    def answer_attention(self) -> None:
        """The person typed the right number: credit resumes."""
        self._attention_open = False
        if self.accounting is not None:
            self.accounting.answer_attention()

    # -- timers ------------------------------------------------------------------------
    @Slot()
    def tick(self) -> None:
        acc, backend = self.accounting, self.backend
        if acc is None or backend is None or self._released:
            return
        backend.drain_events()  # they reached us as signals; keep the backend's queue short
        if self._playing and self.state == PAUSED and backend.is_playing():
            # Paused and played again at once: libvlc may never report "playing" again (the pause
            # had not taken effect yet). It plays: count it as playing.
            self._set_state(PLAYING)
        position = min(acc.duration_s, max(0.0, backend.position_s()))
        acc.tick(position, self._playing and self.state == PLAYING, self.rate)
        self.position_changed.emit(int(position * 1000))
        self.credit_changed.emit(acc.covered_s)
        if acc.attention_due and not self._attention_open:
            self._attention_open = True
            reason = acc.attention_reason or "interval"
            self._playing = False
            backend.pause()
            self._set_state(PAUSED)
            self.checkpoint()
            self.attention_required.emit(reason)

    @Slot()
    def _on_save_timer(self) -> None:
        acc = self.accounting
        if acc is None or self._released:
            return
        if acc.span_s >= self.record_interval_s:
            self.checkpoint()
        elif (cp := acc.pending()) is not None:
            self.progress_ready.emit(cp)

    @Slot()
    def checkpoint(self) -> WatchCheckpoint | None:
        """Close the span: take the delta since the last checkpoint and emit it (the window signs
        and saves it)."""
        if self.accounting is None:
            return None
        cp = self.accounting.checkpoint()
        if cp is not None:
            self.checkpoint_ready.emit(cp)
        return cp

    # -- VLC events (queued onto the GUI thread) ---------------------------------------------
    @Slot(object)
    def _on_backend_event(self, event: PlayerEvent) -> None:
        if self._released:
            return
        kind = event.kind
        if kind == EventKind.PLAYING:
            self._set_state(PLAYING)
            if self._resume_s is not None:
                target, self._resume_s = self._resume_s, None
                self.seek(target)
        elif kind == EventKind.PAUSED:
            if not self._playing:  # else a pause asked for before the last play(): out of date
                self._set_state(PAUSED)
        elif kind == EventKind.STOPPED:
            self._set_state(STOPPED)
        elif kind == EventKind.ENDED:
            self._on_ended()
        elif kind == EventKind.ERROR:
            self._fail(event.code or "playback_failed")
        elif kind == EventKind.LENGTH and event.value:
            self.duration_changed.emit(int(event.value * 1000))

    def _on_ended(self) -> None:
        acc, backend = self.accounting, self.backend
        if acc is not None and self._playing:
            # Where playback stopped is the player's word, not the last tick's: a PC that held up this
            # thread for seconds (no ticks) can reach the end long after the last tick was taken.
            stopped_at = max(acc.position_s, min(acc.duration_s, backend.position_s() if backend else 0.0))
            if stopped_at < acc.duration_s - EARLY_END_S:
                # A file whose header promises more than it holds (cut short on disk) "ends" early:
                # what was shown is credited, the rest never is, and the person is told.
                acc.tick(stopped_at, True, self.rate)
                acc.tick(stopped_at, False, self.rate)
                self._fail("media_ended_early", tick=False)  # VLC now says "at the end": not where we are
                return
        if acc is not None:
            acc.tick(acc.duration_s if self._playing else acc.position_s, self._playing, self.rate)
            acc.tick(acc.position_s, False, self.rate)
            self.credit_changed.emit(acc.covered_s)
            self.position_changed.emit(int(acc.position_s * 1000))
        self._playing = False
        self._tick_timer.stop()
        self._set_state(ENDED)
        self.checkpoint()
        self.ended.emit()

    def _fail(self, code: str, *, tick: bool = True) -> None:
        if tick:
            self.tick()
        self._playing = False
        self._tick_timer.stop()
        self.checkpoint()
        self._set_state(STOPPED)
        self.error.emit(code)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    # -- end -----------------------------------------------------------------------------
    def close(self) -> WatchCheckpoint | None:
        """Stop playback and return the final checkpoint (also emitted). Safe to call twice."""
        if self._released:
            return None
        if self._tick_timer.isActive():  # after an end or a failure the position is already final
            self.tick()
        self._playing = False
        self._tick_timer.stop()
        self._checkpoint_timer.stop()
        cp = self.checkpoint()
        self._released = True
        if self.backend is None:
            return cp
        try:
            self.backend.stop()
            self.backend.release()
            # Drop the backend now, on this thread, rather than leave it (and the libvlc callback that
            # references our signal) to the garbage collector at interpreter exit.
            self.backend = None
        except Exception:  # closing must never fail the window
            log.exception("stopping VLC failed")
        return cp
