"""Repository sources: HTTP status -> error type, and the folder source's resume rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from sync.content.cancel import CancelEvent
from sync.content.sources import FolderSource, HttpSource, RangeNotSatisfiable, http_error
from sync.protocol.errors import AuthError, RejectedError, RetryableError, ServerBusyError, SyncError


def _response(status: int, headers: dict[str, str] | None = None) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r.headers.update(headers or {})
    r.url = "http://repo.example/x"
    return r


@pytest.mark.parametrize(("status", "kind", "code"), [
    (404, SyncError, "not_found"), (410, SyncError, "not_found"), (401, AuthError, "forbidden"),
    (403, AuthError, "forbidden"), (500, RetryableError, "server_error"), (502, RetryableError, "server_error"),
    (429, ServerBusyError, "server_busy"), (503, ServerBusyError, "server_busy"), (418, RejectedError, "http_error"),
])
def test_http_status_maps_to_retry_or_fail(status: int, kind: type, code: str) -> None:
    err = http_error(_response(status), "fetch")
    assert type(err) is kind and err.code == code and str(status) in err.detail


def test_retry_after_is_kept() -> None:
    err = http_error(_response(503, {"Retry-After": "7"}), "fetch")
    assert isinstance(err, ServerBusyError) and err.retry_after_s == 7.0
    assert http_error(_response(429, {"Retry-After": "soon"}), "fetch").retry_after_s is None  # type: ignore[attr-defined]


def test_tls_verification_cannot_be_turned_off() -> None:
    with pytest.raises(ValueError):
        HttpSource("https://repo.example", verify=False)


def test_folder_source_resumes_only_the_same_file(tmp_path: Path) -> None:
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / "b").write_bytes(b"0123456789")
    source, cancel = FolderSource(tmp_path), CancelEvent()
    first = source.open_blob("blobs/b", 0, None, cancel)
    assert first.start == 0 and b"".join(first.chunks(4)) == b"0123456789"
    first.close()
    same = source.open_blob("blobs/b", 4, first.etag, cancel)
    assert same.start == 4 and b"".join(same.chunks(4)) == b"456789"
    same.close()
    other = source.open_blob("blobs/b", 4, '"not-this-file"', cancel)
    assert other.start == 0  # a different file: start over, as a server answers 200 to a stale If-Range
    other.close()
    with pytest.raises(RangeNotSatisfiable) as info:
        source.open_blob("blobs/b", 10, first.etag, cancel)
    assert info.value.total == 10
    with pytest.raises(SyncError) as missing:
        source.fetch("catalog.json", 100, cancel)
    assert missing.value.code == "not_found"
