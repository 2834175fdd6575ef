"""The two lanes: results, errors and progress reach the GUI thread; cancel works; the DB lane is serial."""

from __future__ import annotations

import gc
import threading
import time

import pytest
import shiboken6
from PySide6.QtCore import QThread

from client.tasks import Lanes, TaskContext, run_task
from sync.protocol.errors import CancelledError


@pytest.fixture
def lanes(qtbot):  # qtbot makes sure a QApplication exists
    lanes = Lanes()
    yield lanes
    lanes.net.cancel_all()
    lanes.db.pool.waitForDone(5000)
    lanes.net.pool.waitForDone(5000)


def test_result_and_progress_arrive_on_gui_thread(qtbot, lanes):
    seen: dict[str, object] = {}
    gui = QThread.currentThread()

    def work(ctx: TaskContext) -> int:
        seen["worker_is_gui"] = QThread.currentThread() is gui
        for i in range(3):
            ctx.progress(i)
        return 42

    progress: list[object] = []

    def on_progress(v: object) -> None:
        assert QThread.currentThread() is gui
        progress.append(v)

    def on_done(v: object) -> None:
        seen["done_on_gui"] = QThread.currentThread() is gui
        seen["result"] = v

    handle = run_task(lanes.net, work, on_done, on_progress=on_progress)
    with qtbot.waitSignal(handle.signals.finished, timeout=5000):
        pass
    assert seen == {"worker_is_gui": False, "done_on_gui": True, "result": 42}
    assert progress == [0, 1, 2]
    assert handle.done and not lanes.busy


def test_error_goes_to_on_error(qtbot, lanes):
    errors: list[BaseException] = []

    def work(ctx: TaskContext) -> None:
        raise ValueError("boom")

    handle = run_task(lanes.db, work, on_error=errors.append)
    with qtbot.waitSignal(handle.signals.failed, timeout=5000):
        pass
    assert len(errors) == 1 and str(errors[0]) == "boom"


def test_cancel_stops_a_running_task_and_shutdown_reports_idle(qtbot, lanes):
    started = threading.Event()

    def work(ctx: TaskContext) -> None:
        started.set()
        while True:
            ctx.check()
            time.sleep(0.01)

    errors: list[BaseException] = []
    handle = run_task(lanes.net, work, on_error=errors.append)
    assert started.wait(5)
    idle: list[bool] = []
    lanes.shutdown(lambda: idle.append(True))
    qtbot.waitUntil(lambda: bool(idle), timeout=5000)
    assert handle.cancelled and isinstance(errors[0], CancelledError)


def test_db_lane_runs_one_job_at_a_time(qtbot, lanes):
    lock = threading.Lock()
    overlap: list[bool] = []
    threads: set[int] = set()

    def work(ctx: TaskContext) -> None:
        got = lock.acquire(blocking=False)
        overlap.append(not got)
        threads.add(threading.get_ident())
        time.sleep(0.02)
        if got:
            lock.release()

    handles = [run_task(lanes.db, work) for _ in range(5)]
    qtbot.waitUntil(lambda: all(h.done for h in handles), timeout=5000)
    assert overlap == [False] * 5
    assert len(threads) == 1


def test_a_settled_task_leaves_no_qt_object_to_the_cyclic_collector(qtbot, lanes):
    """Each task's signals object is deleted by the GUI thread's event loop once the task settles, never
    left in a reference cycle for Python's cyclic collector, which may run on any thread (a lane's too)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from client.tasks import TaskSignals

    handles = [run_task(lanes.net, lambda ctx, i=i: i, name=f"t{i}") for i in range(3)]
    handles.append(run_task(lanes.db, lambda ctx: 1 / 0, name="fails"))
    qtbot.waitUntil(lambda: all(h.done for h in handles), timeout=10000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not any(shiboken6.isValid(h.signals) for h in handles)  # their Qt objects are gone
    handles.clear()
    was = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        # (other tests' Python wrappers may be there, their Qt objects long deleted: only a live one counts)
        assert not [o for o in gc.garbage if isinstance(o, TaskSignals) and shiboken6.isValid(o)]
    finally:
        gc.set_debug(was)
        gc.garbage.clear()


def test_many_short_tasks_deliver_everything_while_the_gui_thread_deletes_the_settled_ones(qtbot, lanes):
    """Hundreds of tasks that report progress and end at once, on four lane threads, while the GUI thread
    settles and deletes each finished task's signals object: every value arrives once and in order, and
    no lane thread touches an object the GUI thread may already have deleted (a crash, when one did)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    seen: dict[int, list[object]] = {}

    def work(ctx: TaskContext, i: int) -> int:
        ctx.progress(i)
        return -i

    handles = []
    for i in range(400):
        seen[i] = []
        handles.append(run_task(lanes.net, lambda ctx, i=i: work(ctx, i), on_done=seen[i].append,
                                on_progress=seen[i].append, name=f"short{i}"))
    qtbot.waitUntil(lambda: all(h.done for h in handles), timeout=30000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert seen == {i: [i, -i] for i in range(400)}
    assert not any(shiboken6.isValid(h.signals) for h in handles)
