"""Course downloads for the window: start, pause, resume, cancel; resumed after a restart.

Each course downloads as one task on the network lane through sync.content.downloader.Downloader.
Pause is a cancel that keeps the partial files (the engine resumes them with Range);
cancel also removes what was fetched of that course. The courses a person wants
downloaded are remembered in ``<profile>/downloads.json``, so they continue after a
restart. While the engine waits to retry after a network error the course shows
WAITING_NETWORK (and RUNNING again once bytes move); a download that gave up on the network
waits and retries by itself (sooner when ``network_back()`` is called); outside the allowed
time windows a download waits for the next window and starts by itself. The bandwidth cap
comes from the effective site settings. GUI thread only; the engine runs on workers.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from client.tasks import Lanes, TaskContext, TaskHandle, run_task
from sync.protocol.errors import CancelledError, RetryableError
from sync.site.config import SiteConfig
from sync.storage.files import atomic_write_bytes

if TYPE_CHECKING:  # the engines load after the first window shows
    from sync.content.downloader import DownloadProgress
    from sync.content.sources import RepoSource
    from sync.content.store import ContentStore
    from sync.protocol.errors import RetryableError as Retryable
    from sync.protocol.manifest import Manifest

log = logging.getLogger(__name__)

# states a course's download can be in (shown by the course row)
IDLE, QUEUED, RUNNING, PAUSED, WAITING_NETWORK, WAITING_WINDOW, DONE, FAILED = (
    "idle", "queued", "running", "paused", "waiting_network", "waiting_window", "done", "failed")
RETRY_S = 30


def in_windows(windows: tuple[str, ...], now: datetime | None = None) -> bool:
    """True when ``now`` falls inside one of the "HH:MM-HH:MM" windows (or there are none)."""
    if not windows:
        return True
    t = (now or datetime.now()).strftime("%H:%M")
    for w in windows:
        start, end = w.split("-")
        if (start <= t < end) if start <= end else (t >= start or t < end):
            return True
    return False


def repository_source(site: SiteConfig) -> str:
    return site.repository or f"{site.server_url}/repo"


class WantedList:
    """The course ids this person asked to download and has not paused; a JSON list. Worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [c for c in data if isinstance(c, str)] if isinstance(data, list) else []

    def save(self, ids: list[str]) -> None:
        atomic_write_bytes(self.path, json.dumps(sorted(set(ids))).encode("utf-8"))


class DownloadManager(QObject):
    """Owns the download tasks of one signed-in person. GUI thread only."""

    progress = Signal(str, object)  # course_id, sync.content.downloader.DownloadProgress
    state_changed = Signal(str, str)  # course_id, state
    lesson_ready = Signal(str, str)  # course_id, blob sha256 (a lesson may now be playable)
    finished = Signal(str)  # course_id
    failed = Signal(str, object)  # course_id, exception

    def __init__(self, lanes: Lanes, store: ContentStore, site: SiteConfig, profile_dir: Path,
                 now: Callable[[], datetime] = datetime.now) -> None:
        super().__init__()
        self._lanes = lanes
        self._store = store
        self.site = site
        self._wanted = WantedList(profile_dir / "downloads.json")
        self._now = now
        self._tasks: dict[str, TaskHandle] = {}
        self._stop_reason: dict[str, str] = {}  # course_id -> PAUSED, IDLE (cancel) or WAITING_WINDOW
        self.states: dict[str, str] = {}
        self.last_progress: dict[str, DownloadProgress] = {}
        self.errors: dict[str, BaseException] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(RETRY_S * 1000)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()
        self._closed = False

    # ---- public actions
    def resume_wanted(self) -> None:
        """Continue the downloads this person had running before the app closed."""
        run_task(self._lanes.db, lambda _c: self._wanted.load(), self._on_wanted_loaded, name="wanted-load")

    def _on_wanted_loaded(self, ids: list[str]) -> None:
        for course_id in ids:
            if course_id not in self._tasks:
                self._set_state(course_id, QUEUED)
                self.start(course_id)

    def start(self, course_id: str) -> None:
        if self._closed or course_id in self._tasks:
            return
        self._remember(course_id, True)
        if not in_windows(self.site.download_windows, self._now()):
            self._set_state(course_id, WAITING_WINDOW)
            return
        self._set_state(course_id, RUNNING)
        handle = run_task(self._lanes.net, self._work(course_id), partial(self._on_finished_task, course_id),
                          partial(self._on_error, course_id), partial(self._on_progress, course_id),
                          name=f"download:{course_id}")
        self._tasks[course_id] = handle

    def pause(self, course_id: str) -> None:
        self._remember(course_id, False)
        self._stop(course_id, PAUSED)

    def resume(self, course_id: str) -> None:
        self.start(course_id)

    def cancel(self, course_id: str) -> None:
        """Stop and throw away what was fetched of this course (other courses' files are kept)."""
        self._remember(course_id, False)
        self._stop(course_id, IDLE)

    def _stop(self, course_id: str, reason: str) -> None:
        if course_id in self._tasks:
            self._stop_reason[course_id] = reason
            self._tasks[course_id].cancel()
        elif reason == IDLE:
            self._remove(course_id)
        else:
            self._set_state(course_id, reason)

    def network_back(self) -> None:
        """The server answered again: retry downloads waiting for the network now."""
        for course_id, state in list(self.states.items()):
            if state == WAITING_NETWORK:
                self.start(course_id)

    def update_site(self, site: SiteConfig) -> None:
        """New bandwidth cap or time windows; running downloads pick them up on their next start."""
        self.site = site
        self._on_timer_timeout()

    def shutdown(self) -> None:
        """Stop every download, keeping partial files and the wanted list (they resume next start)."""
        self._closed = True
        self._timer.stop()
        for handle in self._tasks.values():
            handle.cancel()

    def state(self, course_id: str) -> str:
        return self.states.get(course_id, IDLE)

    # ---- the worker side
    def _work(self, course_id: str) -> Callable[[TaskContext], Manifest]:
        from sync.content.downloader import Downloader

        store, site = self._store, self.site
        rate = site.bandwidth_cap_kbps * 1000 / 8

        def work(ctx: TaskContext) -> Manifest:
            last = [0.0]

            def on_progress(p: DownloadProgress) -> None:
                now = time.monotonic()
                if now - last[0] >= 0.25 or p.bytes_done >= p.bytes_total:
                    last[0] = now
                    ctx.progress(("progress", p))

            def on_retry(error: Retryable, _delay_s: float) -> None:
                ctx.progress(("waiting", error))

            downloader = Downloader(store, _source(site), site.trusted_keys(), rate_limit_bps=rate,
                                    on_progress=on_progress, on_retry=on_retry,
                                    on_blob_verified=lambda h: ctx.progress(("blob", h)), cancel=ctx.cancel)
            return downloader.download_course(course_id)

        return work

    def _on_progress(self, course_id: str, news: tuple[str, DownloadProgress | str | Retryable]) -> None:
        kind, value = news
        if course_id not in self._tasks:
            return  # news of a task that was stopped meanwhile
        if kind == "blob" and isinstance(value, str):  # a lesson may now be playable
            self.lesson_ready.emit(course_id, value)
        elif kind == "waiting" and isinstance(value, BaseException):  # the engine waits to try again
            self.errors[course_id] = value
            if self.state(course_id) != WAITING_NETWORK:
                self._set_state(course_id, WAITING_NETWORK)
        elif not isinstance(value, str | BaseException):
            before = self.last_progress.get(course_id)
            self.last_progress[course_id] = value
            moving = before is None or value.bytes_done != before.bytes_done or value.blobs_done != before.blobs_done
            if self.state(course_id) == WAITING_NETWORK and moving:
                self.errors.pop(course_id, None)
                self._set_state(course_id, RUNNING)
            self.progress.emit(course_id, value)

    def _on_finished_task(self, course_id: str, _manifest: Manifest) -> None:
        self._on_done(course_id)

    def _on_done(self, course_id: str) -> None:
        self._tasks.pop(course_id, None)
        self._remember(course_id, False)
        self.errors.pop(course_id, None)
        self._set_state(course_id, DONE)
        self.finished.emit(course_id)

    def _on_error(self, course_id: str, error: BaseException) -> None:
        self._tasks.pop(course_id, None)
        reason = self._stop_reason.pop(course_id, None)
        if reason == IDLE:
            self._remove(course_id)
            return
        if isinstance(error, CancelledError):
            self._set_state(course_id, reason or PAUSED)
            return
        self.errors[course_id] = error
        if isinstance(error, RetryableError):
            self._set_state(course_id, WAITING_NETWORK)
        else:
            self._remember(course_id, False)
            self._set_state(course_id, FAILED)
        self.failed.emit(course_id, error)

    def _on_timer_timeout(self) -> None:
        for course_id, state in list(self.states.items()):
            if state in (WAITING_NETWORK, WAITING_WINDOW):
                self.start(course_id)
            elif state == RUNNING and not in_windows(self.site.download_windows, self._now()):
                self._stop(course_id, WAITING_WINDOW)  # stays on the wanted list

    # ---- bookkeeping
    def _set_state(self, course_id: str, state: str) -> None:
        self.states[course_id] = state
        self.state_changed.emit(course_id, state)

    def _remember(self, course_id: str, wanted: bool) -> None:
        wanted_list = self._wanted

        def work(_ctx: TaskContext) -> None:
            ids = set(wanted_list.load())
            ids = ids | {course_id} if wanted else ids - {course_id}
            wanted_list.save(sorted(ids))

        run_task(self._lanes.db, work, name="wanted-save")

    def _remove(self, course_id: str) -> None:
        store = self._store
        self.last_progress.pop(course_id, None)

        def work(_ctx: TaskContext) -> None:
            # content is shared by everyone on this PC: never remove a course someone completed
            manifest = store.manifest(course_id)
            if manifest is not None:
                present, total = store.course_state(manifest)
                if present >= total:
                    return
            store.remove_course(course_id)

        run_task(self._lanes.db, work,
                 lambda _r: self._set_state(course_id, IDLE),
                 lambda e: self.failed.emit(course_id, e), name=f"remove:{course_id}")


def _source(site: SiteConfig) -> RepoSource:
    from sync.content.sources import open_source

    return open_source(repository_source(site), verify=site.tls_verify())
