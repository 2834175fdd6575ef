"""Where course packages come from: a repository over HTTP(S) or a folder (share, USB stick).

Both kinds answer the same two questions: give me this small file whole (catalog,
manifest), and give me this blob from byte ``offset`` on (resume). HTTP errors become the
sync/protocol/errors.py types, so the downloader decides retry-or-fail the same way for both. Paths
are built by the caller from validated ids and hashes; the folder source still refuses any
path that would leave its folder. TLS verification is always on (``verify`` comes from
SiteConfig.tls_verify()). Both take the download's cancel event: a cancel ends an HTTP read
blocked on a stalled connection at once (the socket is shut for reading); a folder's reads do
not stall that way, so there the downloader's check between chunks is enough.
Must not import Qt or anything from client/ or server/.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Protocol

import requests
import urllib3

from sync.content.cancel import CancelEvent
from sync.net.backoff import parse_retry_after
from sync.protocol.errors import (
    AuthError,
    FormatError,
    IntegrityError,
    RejectedError,
    RetryableError,
    ServerBusyError,
    SyncError,
    UnsafePathError,
)

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
_UNSATISFIED = re.compile(r"^bytes \*/(\d+)$")


class RangeNotSatisfiable(Exception):
    """The source has no bytes at the requested offset (the partial file is already whole, or wrong)."""

    def __init__(self, total: int | None) -> None:
        super().__init__(f"range not satisfiable (size {total})")
        self.total = total


class BlobReader(Protocol):
    start: int  # the offset the bytes start at: the requested one, or 0 if the source sent it all
    etag: str | None

    def chunks(self, size: int) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class RepoSource(Protocol):
    location: str

    def fetch(self, path: str, max_bytes: int, cancel: CancelEvent) -> bytes: ...

    def open_blob(self, path: str, offset: int, etag: str | None, cancel: CancelEvent) -> BlobReader:
        """The reader stops early, or not at all, on ``cancel``: the caller checks it after each chunk."""
        ...


def open_source(location: str | Path, verify: bool | str = True) -> RepoSource:
    """An HttpSource for http(s) URLs, else a FolderSource."""
    text = str(location)
    if text.startswith(("http://", "https://")):
        return HttpSource(text, verify=verify)
    return FolderSource(Path(text))


# -- HTTP ------------------------------------------------------------------------------------
def http_error(resp: requests.Response, what: str) -> SyncError:
    status = resp.status_code
    detail = f"{what}: HTTP {status} from {resp.url}"
    if status in (404, 410):
        return SyncError("not_found", detail)
    if status in (401, 403):
        return AuthError("forbidden", detail)
    if status in (429, 503):
        return ServerBusyError("server_busy", detail, retry_after_s=parse_retry_after(resp.headers.get("Retry-After")))
    if status >= 500:
        return RetryableError("server_error", detail)
    return RejectedError("http_error", detail)


def _network_error(exc: Exception, what: str) -> SyncError:
    if isinstance(exc, requests.exceptions.SSLError):
        return SyncError("tls", f"{what}: TLS check failed: {exc}")
    return RetryableError("network", f"{what}: {type(exc).__name__}: {exc}")


_NET_ERRORS = (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)


def _reading_stopper(resp: requests.Response) -> Callable[[], None]:
    """What a cancel calls while ``resp`` is read: urllib3's HTTPResponse.shutdown() shuts the socket
    for reading, so a read blocked on a stalled connection returns at once (as a cut), and so does
    any later read. Once the response is closed, or its connection went back to the pool, it
    refuses (ValueError, RuntimeError): nothing is being read then."""
    def stop() -> None:
        with contextlib.suppress(ValueError, RuntimeError, OSError):
            resp.raw.shutdown()

    return stop


class _HttpBlob:
    def __init__(self, resp: requests.Response, start: int, cancel: CancelEvent) -> None:
        self._resp = resp
        self.start = start
        self.etag = resp.headers.get("ETag")
        self._hooked = contextlib.ExitStack()
        self._hooked.enter_context(cancel.while_set_calls(_reading_stopper(resp)))

    def chunks(self, size: int) -> Iterator[bytes]:
        # read1: one socket read per chunk, so everything received before a cut is handed over
        # (iter_content would drop a partly filled chunk when the connection breaks).
        raw = self._resp.raw
        try:
            while data := raw.read1(size, decode_content=False):
                yield data
        except _NET_ERRORS as exc:
            raise _network_error(exc, "download interrupted") from exc

    def close(self) -> None:
        self._hooked.close()
        self._resp.close()


class HttpSource:
    """A repository at an http(s) URL; one requests.Session per thread (sessions are not shared)."""

    def __init__(self, base_url: str, verify: bool | str = True) -> None:
        if verify is False:
            raise ValueError("TLS verification is never turned off")
        self.location = base_url.rstrip("/")
        self._verify = verify
        self._local = threading.local()

    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.headers["User-Agent"] = "StudyDesk/0.1"
            self._local.session = s
        return s

    def url(self, path: str) -> str:
        return f"{self.location}/{path}"

    def _get(self, path: str, headers: dict[str, str]) -> requests.Response:
        try:
            return self._session().get(self.url(path), headers=headers, stream=True, verify=self._verify,
                                       timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        except _NET_ERRORS as exc:
            raise _network_error(exc, f"cannot fetch {path}") from exc

    def fetch(self, path: str, max_bytes: int, cancel: CancelEvent) -> bytes:
        with (contextlib.closing(self._get(path, {"Cache-Control": "no-cache"})) as resp,
              cancel.while_set_calls(_reading_stopper(resp))):
            if resp.status_code != 200:
                raise http_error(resp, f"cannot fetch {path}")
            data = bytearray()
            try:
                for chunk in resp.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > max_bytes:
                        raise FormatError("too_large", f"{path} is larger than {max_bytes} bytes")
            except _NET_ERRORS as exc:
                raise _network_error(exc, f"cannot fetch {path}") from exc
            return bytes(data)

    def open_blob(self, path: str, offset: int, etag: str | None, cancel: CancelEvent) -> BlobReader:
        headers = {"Accept-Encoding": "identity"}
        if offset > 0:
            headers["Range"] = f"bytes={offset}-"
            if etag:
                headers["If-Range"] = etag
        resp = self._get(path, headers)
        if resp.status_code == 200:
            return _HttpBlob(resp, 0, cancel)
        if resp.status_code == 206 and offset > 0:
            m = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
            if not m or int(m.group(1)) != offset:
                resp.close()
                raise IntegrityError("bad_range", f"{path}: the server answered a different byte range")
            return _HttpBlob(resp, offset, cancel)
        if resp.status_code == 416:
            m = _UNSATISFIED.match(resp.headers.get("Content-Range", ""))
            resp.close()
            raise RangeNotSatisfiable(int(m.group(1)) if m else None)
        resp.close()
        raise http_error(resp, f"cannot fetch {path}")


# -- folder ----------------------------------------------------------------------------------
class _FileBlob:
    def __init__(self, f: IO[bytes], start: int, etag: str) -> None:
        self._f = f
        self.start = start
        self.etag: str | None = etag

    def chunks(self, size: int) -> Iterator[bytes]:
        try:
            while chunk := self._f.read(size):
                yield chunk
        except OSError as exc:
            raise SyncError("read_failed", f"cannot read the package: {exc.strerror or exc}") from exc

    def close(self) -> None:
        self._f.close()


class FolderSource:
    """A repository laid out in a folder (a USB stick, a share, an export)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)

    def _path(self, path: str) -> Path:
        if "\\" in path or path.startswith("/") or ".." in path.split("/"):
            raise UnsafePathError("unsafe_path", f"{path!r} leaves the package folder")
        full = self.root / path
        root = self.root.resolve()
        if not full.resolve().is_relative_to(root):
            raise UnsafePathError("unsafe_path", f"{path!r} leaves the package folder")
        return full

    def fetch(self, path: str, max_bytes: int, cancel: CancelEvent) -> bytes:
        full = self._path(path)
        try:
            with open(full, "rb") as f:
                data = f.read(max_bytes + 1)
        except FileNotFoundError as exc:
            raise SyncError("not_found", f"{path} is not in {self.root}") from exc
        except OSError as exc:
            raise SyncError("read_failed", f"cannot read {path}: {exc.strerror or exc}") from exc
        if len(data) > max_bytes:
            raise FormatError("too_large", f"{path} is larger than {max_bytes} bytes")
        return data

    def open_blob(self, path: str, offset: int, etag: str | None, cancel: CancelEvent) -> BlobReader:
        full = self._path(path)
        try:
            f = open(full, "rb")  # noqa: SIM115 - closed by the reader
        except FileNotFoundError as exc:
            raise SyncError("not_found", f"{path} is not in {self.root}") from exc
        except OSError as exc:
            raise SyncError("read_failed", f"cannot read {path}: {exc.strerror or exc}") from exc
        st = os.fstat(f.fileno())
        mine = f'"{st.st_size:x}-{st.st_mtime_ns:x}"'
        start = offset if etag in (None, mine) else 0
        if start > st.st_size or (start == st.st_size and start > 0):
            f.close()
            raise RangeNotSatisfiable(st.st_size)
        f.seek(start)
        return _FileBlob(f, start, mine)
