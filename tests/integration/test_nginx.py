"""The client engine against a plain static nginx serving the published repository folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sync.content.cancel import CancelEvent
from sync.content.downloader import Downloader, DownloadProgress
from sync.content.store import ContentStore
from sync.protocol.errors import CancelledError, ServerBusyError
from tests.support.courses import publish_source, publisher_keys, random_bytes, write_course_source
from tests.support.nginx import Nginx, nginx_available

pytestmark = pytest.mark.skipif(not nginx_available(), reason="Debian's nginx is not installed")


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    data = tmp_path / "server"
    src = write_course_source(tmp_path / "src", "static", [random_bytes(1_500_000, 1), random_bytes(300_000, 2)])
    publish_source(data, src)
    server = Nginx(data / "repo", tmp_path / "nginx").start()
    try:
        yield server
    finally:
        server.stop()


def test_nginx_serves_range_and_if_range(nginx: Nginx) -> None:
    cat = requests.get(nginx.url + "/catalog.json", timeout=5)
    assert cat.status_code == 200
    etag = cat.headers["etag"]
    part = requests.get(nginx.url + "/catalog.json", headers={"Range": "bytes=5-", "If-Range": etag}, timeout=5)
    assert part.status_code == 206 and part.content == cat.content[5:]
    assert requests.get(nginx.url + "/catalog.json", headers={"Range": "bytes=5-", "If-Range": '"x"'},
                        timeout=5).status_code == 200


def test_download_and_resume_from_static_nginx(nginx: Nginx, tmp_path: Path) -> None:
    keys = publisher_keys(tmp_path / "server")
    content = tmp_path / "client"
    cancel = CancelEvent()

    def stop_midway(p: DownloadProgress) -> None:
        if p.bytes_done > 600_000:
            cancel.set()

    first = Downloader(ContentStore(content, keys), nginx.url, keys, concurrency=1, rate_limit_bps=4_000_000,
                       on_progress=stop_midway, cancel=cancel)
    with pytest.raises(CancelledError):
        first.download_course("static")
    store = ContentStore(content, keys)
    manifest = store.manifest("static")
    assert manifest is not None
    kept = store.course_state(manifest)[0]
    assert 600_000 <= kept < 1_800_000

    second = Downloader(store, nginx.url, keys, concurrency=2)
    second.download_course("static")
    assert second.stats.bytes_received == 1_800_000 - kept  # nginx honoured Range + If-Range
    assert all(store.verify_blob(h) for h in manifest.blobs())


def test_busy_static_server_is_retried_then_reported(tmp_path: Path) -> None:
    data = tmp_path / "server"
    publish_source(data, write_course_source(tmp_path / "src", "busy", [b"x" * 1000]))
    busy = 'location /busy/ { add_header Retry-After 1 always; return 503; }'
    server = Nginx(data / "repo", tmp_path / "nginx", extra_server_conf=busy).start()
    try:
        keys = publisher_keys(data)
        d = Downloader(ContentStore(tmp_path / "client", keys), f"http://127.0.0.1:{server.port}/busy", keys,
                       max_attempts=2)
        with pytest.raises(ServerBusyError) as info:
            d.download_course("busy")
        assert info.value.code == "server_busy" and info.value.retry_after_s == 1.0
        assert d.stats.retries == 1
    finally:
        server.stop()
