"""The download engine against a real server process: verify, resume, cut, cancel, update."""

from __future__ import annotations

import contextlib
import functools
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO

import pytest

from sync.content import sources
from sync.content.cancel import CancelEvent
from sync.content.downloader import Downloader, DownloadProgress
from sync.content.store import ContentStore
from sync.protocol.catalog import blob_path
from sync.protocol.errors import CancelledError
from sync.protocol.keys import PublicKey
from tests.support.courses import publish_source, publisher_keys, random_bytes, write_course_source
from tests.support.server_process import ServerProcess
from tests.support.throttle_proxy import ThrottleProxy


def _publish(server: ServerProcess, tmp_path: Path, course_id: str, lessons: list[bytes],
             docs: list[bytes] | None = None) -> tuple[dict[str, PublicKey], Path]:
    src = write_course_source(tmp_path / f"src-{course_id}", course_id, lessons, docs)
    publish_source(server.data_dir, src)
    return publisher_keys(server.data_dir), src


def test_download_verifies_and_each_lesson_becomes_playable(server: ServerProcess, tmp_path: Path) -> None:
    keys, _ = _publish(server, tmp_path, "full", [random_bytes(200_000 + i, i) for i in range(3)], [b"%PDF-1.4 x"])
    store = ContentStore(tmp_path / "client" / "content", keys)
    playable: list[str] = []
    progress: list[DownloadProgress] = []

    def verified(digest: str) -> None:
        m = store.manifest("full")
        assert m is not None  # the manifest is stored before any blob
        for lesson in m.lessons:
            if lesson.blob == digest:
                assert store.lesson_file(m, lesson.id) is not None
                playable.append(lesson.id)

    d = Downloader(store, server.url + "/repo", keys, concurrency=2, on_blob_verified=verified,
                   on_progress=progress.append)
    manifest = d.download_course("full")
    assert sorted(playable) == ["lesson-1", "lesson-2", "lesson-3"]
    assert store.course_state(manifest) == (sum(manifest.blobs().values()),) * 2
    assert all(store.verify_blob(h) for h in manifest.blobs())
    assert store.document_file(manifest, "doc-1") is not None
    assert progress[-1].bytes_done == progress[-1].bytes_total and progress[-1].blobs_done == 4
    assert progress[-1].blob_bytes == manifest.blobs()  # per lesson: every file whole
    assert d.stats.bytes_received == sum(manifest.blobs().values())
    assert not list((store.root / "partial").iterdir())
    again = Downloader(store, server.url + "/repo", keys)
    again.download_course("full")
    assert again.stats.bytes_received == 0  # nothing fetched twice


def test_started_while_the_server_is_down_it_says_it_waits_and_goes_on_once_it_is_back(
        server: ServerProcess, tmp_path: Path) -> None:
    from sync.protocol.errors import RetryableError

    keys, _ = _publish(server, tmp_path, "later", [random_bytes(50_000, 7)])
    store = ContentStore(tmp_path / "client" / "content", keys)
    server.stop()
    waits: list[tuple[RetryableError, float]] = []
    back = threading.Thread(target=server.start)

    def on_retry(error: RetryableError, delay_s: float) -> None:
        waits.append((error, delay_s))
        if len(waits) == 2:  # the PC kept asking while the server was down; now it comes back
            back.start()

    d = Downloader(store, server.url + "/repo", keys, on_retry=on_retry, backoff_base_s=0.05, max_attempts=50)
    manifest = d.download_course("later")
    back.join()
    assert len(waits) >= 2 and all(isinstance(e, RetryableError) and delay > 0 for e, delay in waits)
    assert waits[0][0].code == "network"
    assert store.verify_blob(manifest.lessons[0].blob)


def test_resumes_after_the_server_is_killed_mid_download(server: ServerProcess, tmp_path: Path) -> None:
    size = 12_000_000
    keys, _ = _publish(server, tmp_path, "killed", [random_bytes(size, 1)])
    store = ContentStore(tmp_path / "client" / "content", keys)
    restarter = threading.Thread(target=lambda: (server.kill(), time.sleep(0.5), server.start()))

    def on_progress(p: DownloadProgress) -> None:
        if p.bytes_done > size // 10 and restarter.ident is None:
            restarter.start()

    # The pacing proxy keeps the server from pushing the whole body into socket buffers at once,
    # so killing the server really leaves most of the file unsent.
    with ThrottleProxy("127.0.0.1", server.port, rate_bps=16_000_000) as proxy:
        d = Downloader(store, proxy.url + "/repo", keys, on_progress=on_progress, backoff_base_s=0.2)
        try:
            manifest = d.download_course("killed")
        finally:
            if restarter.ident is not None:
                restarter.join()
    assert restarter.ident is not None and d.stats.retries >= 1 and d.stats.requests >= 2
    assert store.verify_blob(manifest.lessons[0].blob)
    assert d.stats.bytes_received < size * 1.05  # resumed with Range, not started over


def test_cancel_keeps_partial_state_and_a_new_downloader_resumes(server: ServerProcess, tmp_path: Path) -> None:
    size = 2_000_000
    keys, _ = _publish(server, tmp_path, "cancel", [random_bytes(size, 2)])
    content = tmp_path / "client" / "content"
    cancel = CancelEvent()

    def on_progress(p: DownloadProgress) -> None:
        if p.bytes_done > size // 2:
            cancel.set()

    first = Downloader(ContentStore(content, keys), server.url + "/repo", keys, rate_limit_bps=3_000_000,
                       on_progress=on_progress, cancel=cancel)
    with pytest.raises(CancelledError):
        first.download_course("cancel")
    store = ContentStore(content, keys)  # as after an app restart
    manifest = store.manifest("cancel")
    assert manifest is not None and store.lesson_file(manifest, "lesson-1") is None
    part, state = store.partial_paths(manifest.lessons[0].blob)
    kept = part.stat().st_size
    assert size // 2 <= kept < size and state.is_file()
    assert store.course_state(manifest) == (kept, size)

    second = Downloader(store, server.url + "/repo", keys)
    second.download_course("cancel")
    assert second.stats.bytes_received == size - kept
    assert store.verify_blob(manifest.lessons[0].blob)


def test_survives_connection_cuts_with_little_overhead(server: ServerProcess, tmp_path: Path) -> None:
    lessons = [random_bytes(400_000, 10 + i) for i in range(3)]
    keys, _ = _publish(server, tmp_path, "cuts", lessons)
    total = sum(len(x) for x in lessons)
    store = ContentStore(tmp_path / "client" / "content", keys)
    with ThrottleProxy("127.0.0.1", server.port, cut_after=[150_000, 500_000, 800_000, 1_000_000]) as proxy:
        d = Downloader(store, proxy.url + "/repo", keys, concurrency=1, backoff_base_s=0.05)
        manifest = d.download_course("cuts")
        assert proxy.cuts == 4
        # Everything received before a cut is kept and resumed with Range: only HTTP headers are extra.
        assert proxy.bytes_down / total < 1.02
        assert d.stats.bytes_received == total
    assert d.stats.retries >= 3  # a cut between two requests is healed by the connection pool itself
    assert all(store.verify_blob(h) for h in manifest.blobs())


def test_update_fetches_only_the_changed_lesson(server: ServerProcess, tmp_path: Path) -> None:
    lessons = [random_bytes(50_000, 20 + i) for i in range(10)]
    keys, src = _publish(server, tmp_path, "update", lessons)
    store = ContentStore(tmp_path / "client" / "content", keys)
    Downloader(store, server.url + "/repo", keys).download_course("update")
    (src / "lesson4.mp4").write_bytes(random_bytes(60_000, 99))
    publish_source(server.data_dir, src)
    d = Downloader(store, server.url + "/repo", keys)
    v2 = d.download_course("update")
    assert v2.version == 2 and d.stats.bytes_received == 60_000
    assert store.manifest("update").version == 2  # type: ignore[union-attr]
    v1 = store.manifest("update", 1)
    assert v1 is not None and all(store.verify_blob(h) for h in v1.blobs())
    store.remove_course("update")
    assert store.manifest("update") is None and not list(store.blobs_dir.iterdir())


def test_a_link_that_keeps_breaking_but_delivers_never_gives_up(server: ServerProcess, tmp_path: Path) -> None:
    size = 1_000_000
    keys, _ = _publish(server, tmp_path, "flaky", [random_bytes(size, 30)])
    store = ContentStore(tmp_path / "client" / "content", keys)
    cuts = [50_000 + i * 80_000 for i in range(10)]
    with ThrottleProxy("127.0.0.1", server.port, cut_after=cuts) as proxy:
        d = Downloader(store, proxy.url + "/repo", keys, max_attempts=3, backoff_base_s=0.01)
        manifest = d.download_course("flaky")
        assert proxy.cuts == 10 and d.stats.retries >= 9  # far more failures than max_attempts
    assert store.verify_blob(manifest.lessons[0].blob)


def test_two_courses_sharing_a_file_download_it_once_at_the_same_time(server: ServerProcess,
                                                                      tmp_path: Path) -> None:
    shared = random_bytes(800_000, 40)
    keys, _ = _publish(server, tmp_path, "first", [shared, random_bytes(1000, 41)])
    _publish(server, tmp_path, "second", [shared, random_bytes(1000, 42)])
    store = ContentStore(tmp_path / "client" / "content", keys)
    downloaders = [Downloader(store, server.url + "/repo", keys, rate_limit_bps=2_000_000) for _ in range(2)]
    errors: list[BaseException] = []

    def run(d: Downloader, course: str) -> None:
        try:
            d.download_course(course)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d, c)) for d, c in zip(downloaders, ("first", "second"),
                                                                          strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(d.stats.bytes_received for d in downloaders) == 800_000 + 2000  # the shared file once
    for course in ("first", "second"):
        m = store.manifest(course)
        assert m is not None and all(store.verify_blob(h) for h in m.blobs())


class _StallingRepo:
    """A plain static web server for a published repository that sends the first ``sent`` bytes of
    ``stalled`` and then keeps that connection open without sending anything until ``release`` is set
    (what a stuck server or proxy does). ``stalling`` is set once those bytes are out."""

    def __init__(self, repo: Path, stalled: str, sent: int) -> None:
        self.stalling, self.release = threading.Event(), threading.Event()
        outer = self

        class Handler(SimpleHTTPRequestHandler):
            def copyfile(self, source: BinaryIO, outputfile: BinaryIO) -> None:  # type: ignore[override]
                if self.path.lstrip("/") != stalled:
                    return super().copyfile(source, outputfile)
                outputfile.write(source.read(sent))
                outputfile.flush()
                outer.stalling.set()
                outer.release.wait()
                with contextlib.suppress(OSError):  # the client may have hung up meanwhile
                    shutil.copyfileobj(source, outputfile)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(repo)))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="stalling-repo", daemon=True)

    @contextlib.contextmanager
    def running(self) -> Iterator[_StallingRepo]:
        self._thread.start()
        try:
            yield self
        finally:
            self.release.set()
            self._httpd.shutdown()
            self._httpd.server_close()


@pytest.mark.parametrize("stalls", ["blob", "catalog"])
def test_cancel_ends_a_stalled_read_at_once_and_keeps_what_came(stalls: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing the app, the cancel button and Ctrl-C all set the download's CancelEvent: the read
    that waits on a connection the server keeps open without sending must end then, not when the
    read timeout (made far longer here than the wait below) gives up on it."""
    from tests.support.courses import publish_source, publisher_keys, random_bytes, write_course_source

    monkeypatch.setattr(sources, "READ_TIMEOUT_S", 600.0)
    size = 300_000
    result = publish_source(tmp_path / "server", write_course_source(tmp_path / "src", "stall",
                                                                     [random_bytes(size, 50)]))
    keys, repo = publisher_keys(tmp_path / "server"), tmp_path / "server" / "repo"
    digest = result.manifest.lessons[0].blob
    stalled = blob_path(digest) if stalls == "blob" else "catalog.json"
    sent = 100_000 if stalls == "blob" else (repo / "catalog.json").stat().st_size // 2
    store = ContentStore(tmp_path / "client" / "content", keys)
    cancel = CancelEvent()
    outcome: list[BaseException] = []
    with _StallingRepo(repo, stalled, sent).running() as server:
        d = Downloader(store, server.url, keys, cancel=cancel)

        def download() -> None:
            try:
                d.download_course("stall")
            except BaseException as exc:
                outcome.append(exc)

        worker = threading.Thread(target=download, name="stalled-download")
        worker.start()
        assert server.stalling.wait(60)
        deadline = time.monotonic() + 60
        while stalls == "blob" and d.stats.bytes_received < sent and time.monotonic() < deadline:
            time.sleep(0.01)  # until the engine holds all that was sent: its next read waits on the stall
        cancel.set()
        worker.join(60)  # far below the read timeout: an engine that waits for it is still reading here
        assert not worker.is_alive() and not server.release.is_set()
    assert len(outcome) == 1 and isinstance(outcome[0], CancelledError), outcome
    if stalls == "blob":  # what came before the stall stays for the next start to resume
        manifest = store.manifest("stall")
        assert manifest is not None and store.course_state(manifest) == (sent, size)
        part, state = store.partial_paths(digest)
        assert part.stat().st_size == sent and state.is_file()
    else:
        assert store.manifest("stall") is None
