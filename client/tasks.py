"""Background work for the window: two lanes and one way back to the GUI thread.

``Lanes.db`` runs SQLite work one job at a time (a QThreadPool with one thread that never
expires); ``Lanes.net`` runs downloads, uploads and sign-in in parallel. ``run_task`` wraps a
plain function in a QRunnable; its result, error and progress come back as queued signals
and are delivered to the callbacks on the GUI thread (Anki taskman, Picard util/thread).

A lane thread emits only on its lane's bridge, an object that lives as long as the lane's pool
(its parent: the pool waits for its tasks before its children go). A task's own TaskSignals is
touched by the GUI thread alone, which deletes it once the task has settled: were the lane thread
to emit on it, the GUI thread could delete it while that emit is still returning.

Cancelling sets the task's event (a sync.content.cancel.CancelEvent: the engines check it between
chunks, and a download's read of a stalled connection ends at once). The
GUI thread never waits on a task: ``Lanes.shutdown(on_idle)`` cancels everything and calls
``on_idle`` once the last task has returned.

Must not import windows or widgets; the engines it runs are plain functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot

from sync.content.cancel import CancelEvent
from sync.protocol.errors import CancelledError

log = logging.getLogger(__name__)


class TaskContext:
    """What a task function receives: its cancel event and a way to report progress. Any thread."""

    def __init__(self, bridge: _LaneBridge, handle: TaskHandle) -> None:
        self._bridge = bridge
        self._handle = handle
        self.cancel = handle.cancel_event

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def check(self) -> None:
        """Raise CancelledError when the task was cancelled (call between steps)."""
        if self.cancel.is_set():
            raise CancelledError("cancelled", "task cancelled")

    def progress(self, value: object) -> None:
        self._bridge.progress.emit(self._handle, value)


class TaskSignals(QObject):
    """One task's signals and callbacks. GUI thread only: its lane's bridge calls the ``_on_*``
    methods there, which run the callbacks and emit the public signals."""

    finished = Signal(object)
    failed = Signal(object)
    progress = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.on_done: Callable[[Any], None] | None = None
        self.on_error: Callable[[BaseException], None] | None = None
        self.on_progress: Callable[[Any], None] | None = None
        self.on_settled: Callable[[], None] | None = None

    def _on_progress(self, value: object) -> None:
        if self.on_progress:
            self.on_progress(value)
        self.progress.emit(value)

    def _on_finished(self, value: object) -> None:
        try:
            if self.on_done:
                self.on_done(value)
            self.finished.emit(value)
        finally:
            self._settle()

    def _on_failed(self, error: object) -> None:
        try:
            if self.on_error and isinstance(error, BaseException):
                self.on_error(error)
            self.failed.emit(error)
        finally:
            self._settle()

    def _settle(self) -> None:
        if self.on_settled:
            self.on_settled()


class TaskHandle:
    """A running or queued task: cancel it, ask whether it is done. GUI thread."""

    def __init__(self, name: str, signals: TaskSignals) -> None:
        self.name = name
        self.signals = signals
        self.cancel_event = CancelEvent()
        self.done = False

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()


class _LaneBridge(QObject):
    """What a lane's threads emit on, with the task's handle: queued to the GUI thread, where its slots
    hand each value to that task's TaskSignals (see the module text)."""

    progress = Signal(object, object)
    finished = Signal(object, object)
    failed = Signal(object, object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.progress.connect(self._on_progress)
        self.finished.connect(self._on_finished)
        self.failed.connect(self._on_failed)

    @Slot(object, object)
    def _on_progress(self, handle: TaskHandle, value: object) -> None:
        if not handle.done:
            handle.signals._on_progress(value)

    @Slot(object, object)
    def _on_finished(self, handle: TaskHandle, value: object) -> None:
        handle.signals._on_finished(value)

    @Slot(object, object)
    def _on_failed(self, handle: TaskHandle, error: object) -> None:
        handle.signals._on_failed(error)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[TaskContext], Any], handle: TaskHandle, bridge: _LaneBridge) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._handle = handle
        self._bridge = bridge

    def run(self) -> None:  # worker thread
        ctx = TaskContext(self._bridge, self._handle)
        try:
            if ctx.cancelled:
                raise CancelledError("cancelled", "cancelled before it started")
            result = self._fn(ctx)
        except BaseException as exc:  # every failure goes back to the GUI thread
            if not isinstance(exc, CancelledError):
                log.warning("task %s failed: %r", self._handle.name, exc)
            self._deliver(self._bridge.failed, exc)
        else:
            self._deliver(self._bridge.finished, result)

    def _deliver(self, signal: Any, value: object) -> None:
        try:
            signal.emit(self._handle, value)
        except RuntimeError:  # the app quit while this task ran: nobody is left to receive the result
            log.debug("task %s returned after the app quit", self._handle.name)


class Lane:
    """One QThreadPool. ``max_threads=1`` makes it a serial lane (the SQLite lane)."""

    def __init__(self, name: str, max_threads: int) -> None:
        self.name = name
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(max_threads)
        if max_threads == 1:
            self.pool.setExpiryTimeout(-1)  # keep the one thread (and its SQLite use) alive
        self._bridge = _LaneBridge(self.pool)
        self._active: set[TaskHandle] = set()
        self._on_idle: Callable[[], None] | None = None

    @property
    def active(self) -> list[TaskHandle]:
        return list(self._active)

    def submit(self, fn: Callable[[TaskContext], Any], *, name: str = "task") -> TaskHandle:
        signals = TaskSignals()
        handle = TaskHandle(name, signals)
        self._active.add(handle)

        def settled() -> None:
            handle.done = True
            self._active.discard(handle)
            # ``signals`` held this callback, which holds the handle, which holds ``signals``: left to
            # Python, its Qt object would be destroyed whenever the cyclic collector (or the last
            # reference, which a lane thread may hold) lets it go, on whichever thread that happens.
            # Qt owns it from here on (the application is its parent) and deletes it on the GUI
            # thread's event loop, once the delivery now under way has returned (no lane thread
            # touches it: they emit on the lane's bridge).
            signals.on_settled = None
            app = QCoreApplication.instance()
            if app is not None:
                signals.setParent(app)
            signals.deleteLater()
            if not self._active and self._on_idle:
                callback, self._on_idle = self._on_idle, None
                callback()

        signals.on_settled = settled
        self.pool.start(_Runnable(fn, handle, self._bridge))
        return handle

    def cancel_all(self) -> None:
        for handle in self._active:
            handle.cancel()

    def when_idle(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the GUI thread once no task of this lane is left (now, if none)."""
        if not self._active:
            callback()
        else:
            self._on_idle = callback


class Lanes:
    """The app's two lanes. Built once by client.app and passed down."""

    def __init__(self, net_threads: int = 4) -> None:
        self.db = Lane("db", 1)
        self.net = Lane("net", net_threads)

    def shutdown(self, on_idle: Callable[[], None]) -> None:
        """Cancel every task on both lanes; call ``on_idle`` (GUI thread) when all have returned.

        Network tasks are cancelled first; DB work is allowed to finish (it is short and its
        transactions must commit), then ``on_idle`` runs.
        """
        self.net.cancel_all()
        self.net.when_idle(lambda: self.db.when_idle(on_idle))

    @property
    def busy(self) -> bool:
        return bool(self.db.active or self.net.active)

    def join(self, timeout_ms: int = 10_000) -> bool:
        """After the event loop ended: wait until no task runs on either lane. True if none is left."""
        return all(lane.pool.waitForDone(timeout_ms) for lane in (self.net, self.db))


def run_task(
    lane: Lane,
    fn: Callable[[TaskContext], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[Any], None] | None = None,
    *,
    name: str = "task",
) -> TaskHandle:
    """Run ``fn(ctx)`` on ``lane``; the callbacks run on the GUI thread. Returns a cancellable handle.
    Call from the GUI thread only."""
    # Attaching the callbacks after start is safe: results are queued to the GUI thread (this
    # thread), so none can be delivered before this function returns.
    handle = lane.submit(fn, name=name)
    handle.signals.on_done = on_done
    handle.signals.on_error = on_error
    handle.signals.on_progress = on_progress
    return handle
