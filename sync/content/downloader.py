"""The course download engine: signed catalog -> signed manifest -> verified blobs.

Works the same against the own server, a plain static web server or a folder. Every blob
is streamed into ``partial/<hex>.part`` with its sha256 computed on the way, resumed with a
Range request after a cut, a cancel or an app restart, checked, and only then renamed into
the store, so a lesson becomes playable the moment its own blob is verified (``on_blob_verified``).
Retryable errors (network, 5xx, 429/503) are retried after the waits of ``sync.net.backoff.Backoff``
(honouring a busy server's Retry-After), and each wait is announced through ``on_retry`` (so a
window can say it waits for the network instead of showing an empty bar); everything else
fails at once with a sync/protocol/errors.py type, leaving what is stored intact.
A cancel (a sync.content.cancel.CancelEvent) stops it at once, even inside a read of a stalled
connection: the source ends that read, and whatever the attempt then raised or returned, the
download ends as cancelled, keeping its partial files for the next start.
Must not import Qt or anything from client/ or server/.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sync.content.cancel import CancelEvent
from sync.content.ratelimit import TokenBucket
from sync.content.sources import BlobReader, RangeNotSatisfiable, RepoSource, open_source
from sync.content.store import ContentStore
from sync.net.backoff import Backoff
from sync.protocol.catalog import MAX_CATALOG_BYTES, Catalog, blob_path, manifest_path
from sync.protocol.errors import (
    CancelledError,
    IntegrityError,
    RetryableError,
    StorageError,
    SyncError,
)
from sync.protocol.keys import PublicKey
from sync.protocol.manifest import MAX_MANIFEST_BYTES, Manifest
from sync.storage.files import atomic_write_bytes, storage_error

__all__ = ["DownloadProgress", "DownloadStats", "Downloader"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """A snapshot for progress bars. Bytes count what is on disk, including partial files."""

    bytes_done: int
    bytes_total: int
    rate_bps: float
    eta_s: float | None
    blobs_done: int
    blobs_total: int
    blob_bytes: Mapping[str, int] = field(default_factory=dict)  # sha256 -> bytes on disk (per lesson bars)


class ProgressMeter:
    """Thread-safe byte counts per blob; calls ``on_progress`` at most every ``interval_s``."""

    def __init__(self, sizes: dict[str, int], have: dict[str, int], blobs_done: int,
                 on_progress: Callable[[DownloadProgress], None] | None, interval_s: float = 0.25) -> None:
        self._total = sum(sizes.values())
        self._have = dict(have)
        self._blobs_total = len(sizes)
        self._blobs_done = blobs_done
        self._callback = on_progress
        self._interval_s = interval_s
        self._lock = threading.Lock()
        self._last_emit = 0.0
        self._rate = 0.0
        self._sample = (time.monotonic(), sum(have.values()))

    def update(self, digest: str, have: int) -> None:
        with self._lock:
            self._have[digest] = have
        self.emit()

    def blob_done(self, digest: str) -> None:
        with self._lock:
            self._blobs_done += 1
        self.emit(force=True)

    def snapshot(self) -> DownloadProgress:
        with self._lock:
            done = sum(self._have.values())
            now = time.monotonic()
            t0, d0 = self._sample
            if now - t0 >= 0.5:  # rate over the last half second or more, smoothed
                current = max(0.0, (done - d0) / (now - t0))
                self._rate = current if self._rate == 0 else 0.7 * self._rate + 0.3 * current
                self._sample = (now, done)
            eta = (self._total - done) / self._rate if self._rate > 0 else None
            return DownloadProgress(done, self._total, self._rate, eta, self._blobs_done, self._blobs_total,
                                    dict(self._have))

    def emit(self, force: bool = False) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last_emit < self._interval_s:
                return
            self._last_emit = now
        self._callback(self.snapshot())


@dataclass(slots=True)
class DownloadStats:
    """What one Downloader did, for tests and benchmarks (payload bytes, not headers)."""

    bytes_received: int = 0
    requests: int = 0
    retries: int = 0
    restarts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


class _Restart(Exception):
    """The partial file was wrong after a resume: start this blob over once, from byte 0."""


class Downloader:
    """Downloads one course version at a time. Runs on a worker thread, never the GUI thread."""

    def __init__(
        self,
        store: ContentStore,
        source: RepoSource | str | Path,
        trusted_keys: Mapping[str, PublicKey],
        *,
        concurrency: int = 2,
        rate_limit_bps: float = 0,
        on_progress: Callable[[DownloadProgress], None] | None = None,
        on_blob_verified: Callable[[str], None] | None = None,
        on_retry: Callable[[RetryableError, float], None] | None = None,
        cancel: CancelEvent | None = None,
        max_attempts: int = 8,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        tls_verify: bool | str = True,
    ) -> None:
        """``source``: a RepoSource, or a URL/folder opened with ``tls_verify`` (pass SiteConfig.tls_verify()).

        ``on_retry(error, delay_s)`` is called (on a download thread) before each wait after a
        retryable error; the next ``on_progress`` with more bytes means the transfer moves again.
        """
        self.store = store.ensure()
        self.source = open_source(source, verify=tls_verify) if isinstance(source, str | Path) else source
        self.trusted_keys = dict(trusted_keys)
        self.concurrency = max(1, int(concurrency))
        self.bucket = TokenBucket(rate_limit_bps)
        self.chunk = 64 * 1024 if rate_limit_bps <= 0 else int(min(64 * 1024, max(4096, rate_limit_bps / 16)))
        self.on_progress = on_progress
        self.on_blob_verified = on_blob_verified
        self.on_retry = on_retry
        self.cancel = cancel or CancelEvent()
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.stats = DownloadStats()
        self._abort = threading.Event()  # set when one blob failed, so the others stop early
        self._meter: ProgressMeter | None = None

    # -- metadata ------------------------------------------------------------------------
    def fetch_catalog(self) -> Catalog:
        data = self._with_retries(lambda: self.source.fetch("catalog.json", MAX_CATALOG_BYTES, self.cancel))
        return Catalog.parse_verified(data, self.trusted_keys)

    def fetch_manifest(self, course_id: str, version: int | None = None) -> tuple[Manifest, bytes]:
        """The verified manifest (the catalog's latest if no version) and its exact bytes."""
        expected_sha: str | None = None
        if version is None:
            entry = self.fetch_catalog().entry(course_id)
            if entry is None:
                raise SyncError("not_found", f"course {course_id!r} is not in the catalog")
            version, expected_sha = entry.version, entry.sha256
        path = manifest_path(course_id, version)
        data = self._with_retries(lambda: self.source.fetch(path, MAX_MANIFEST_BYTES, self.cancel))
        if expected_sha is not None and hashlib.sha256(data).hexdigest() != expected_sha:
            raise IntegrityError("hash_mismatch", f"{path} does not match the catalog's checksum")
        manifest = Manifest.parse_verified(data, self.trusted_keys)
        if manifest.course_id != course_id or manifest.version != version:
            raise IntegrityError("wrong_manifest", f"{path} describes {manifest.course_id} v{manifest.version}")
        return manifest, data

    # -- the whole course ------------------------------------------------------------------
    def download_course(self, course_id: str, version: int | None = None) -> Manifest:
        """Fetch, verify and store a course version with all its blobs. Safe to call again to resume."""
        self._check_cancel()
        manifest, data = self.fetch_manifest(course_id, version)
        self.store.save_manifest(data)
        self.download_blobs(manifest)
        return manifest

    def download_blobs(self, manifest: Manifest) -> None:
        blobs = manifest.blobs()
        missing = self.store.missing_blobs(manifest)
        have = {d: s for d, s in blobs.items() if d not in missing}
        for digest, size in missing.items():
            part, _ = self.store.partial_paths(digest)
            with contextlib.suppress(OSError):
                have[digest] = min(part.stat().st_size, size)
        self._meter = ProgressMeter(blobs, have, len(blobs) - len(missing), self.on_progress)
        self._meter.emit(force=True)
        self._abort.clear()
        if not missing:
            return
        self._check_free_space(sum(missing.values()) - sum(have.get(d, 0) for d in missing))
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(missing)),
                                thread_name_prefix="download") as pool:
            futures = [pool.submit(self._blob_worker, d, s) for d, s in missing.items()]
            errors = [f.exception() for f in futures]
        self._meter.emit(force=True)
        failures = [e for e in errors if e is not None]
        if failures:
            real = [e for e in failures if not isinstance(e, CancelledError)]
            raise (real or failures)[0]

    def _check_free_space(self, needed: int) -> None:
        """Refuse before writing anything when the disk cannot hold the course (other programs need room too)."""
        try:
            free = shutil.disk_usage(self.store.partial_dir).free
        except OSError:
            return
        if needed > free:
            raise StorageError("disk_full", f"the course needs {needed} more bytes but only {free} are free")

    def _blob_worker(self, digest: str, size: int) -> None:
        try:
            self._fetch_blob(digest, size)
        except BaseException:
            self._abort.set()
            raise

    # -- one blob --------------------------------------------------------------------------
    def _fetch_blob(self, digest: str, size: int) -> None:
        with self.store.blob_lock(digest):
            if self.store.has_blob(digest):  # another download (another course, another process) got it
                assert self._meter is not None
                self._meter.update(digest, size)
                self._meter.blob_done(digest)
                if self.on_blob_verified is not None:
                    self.on_blob_verified(digest)
                return
            self._fetch_blob_locked(digest, size)

    def _fetch_blob_locked(self, digest: str, size: int) -> None:
        part, _ = self.store.partial_paths(digest)
        restarted = False
        while True:
            try:
                self._with_retries(lambda: self._fetch_once(digest, size), progress=lambda: _size_of(part))
                return
            except _Restart:
                if restarted:
                    raise IntegrityError("hash_mismatch", f"blob {digest[:12]} does not match its checksum") from None
                restarted = True
                self.stats.add(restarts=1)

    def _with_retries(self, fn: Callable[[], bytes | None], progress: Callable[[], int] | None = None) -> bytes:
        """Call ``fn`` until it succeeds; ``progress`` (bytes kept so far) resets the attempt count
        whenever a failed attempt still moved forward, so a flaky link that keeps delivering never gives up."""
        attempt = 0
        backoff = Backoff(self.backoff_base_s, self.backoff_cap_s)
        kept = progress() if progress else 0
        while True:
            self._check_cancel()
            try:
                data = fn() or b""
            except RetryableError as exc:
                self._check_cancel(exc)  # a cancel cuts the read: that is no network error to wait out
                now_kept = progress() if progress else 0
                if now_kept > kept:
                    attempt = 1
                    backoff.reset()
                else:
                    attempt += 1
                kept = now_kept
                if attempt >= self.max_attempts:
                    raise
                delay = backoff.delay_after(exc)
                log.info("retrying in %.1fs after: %s", delay, exc.detail)
                self.stats.add(retries=1)
                if self.on_retry is not None:
                    self.on_retry(exc, delay)
                if self.cancel.wait(delay) or self._abort.is_set():
                    raise CancelledError("cancelled", "download cancelled") from exc
            else:
                self._check_cancel()  # what a cut read returned may be short
                return data

    def _check_cancel(self, cause: BaseException | None = None) -> None:
        if self.cancel.is_set() or self._abort.is_set():
            raise CancelledError("cancelled", "download cancelled") from cause

    def _resume_point(self, digest: str, size: int) -> tuple[int, str | None]:
        """How many bytes of the partial file can be kept, and the ETag to send with If-Range."""
        part, state_path = self.store.partial_paths(digest)
        try:
            state = json.loads(state_path.read_text("utf-8"))
            have = part.stat().st_size
        except (OSError, ValueError):
            return 0, None
        if not isinstance(state, dict) or state.get("size") != size or have > size:
            return 0, None
        etag = state.get("etag") if state.get("source") == self.source.location else None
        return have, etag if isinstance(etag, str) else None

    def _fetch_once(self, digest: str, size: int) -> None:
        part, state_path = self.store.partial_paths(digest)
        offset, etag = self._resume_point(digest, size)
        try:
            reader = self.source.open_blob(blob_path(digest), offset, etag, self.cancel)
        except RangeNotSatisfiable as exc:
            if offset == size and exc.total == size:
                return self._finish(digest, part, state_path, self._hash_prefix(part, size), resumed=True)
            if exc.total is not None and exc.total != size:
                self._discard(digest)
                raise IntegrityError("size_mismatch",
                                     f"blob {digest[:12]} has {exc.total} bytes at the source, not {size}") from None
            self._discard(digest)
            raise RetryableError("range", "the partial file did not fit; starting over") from None
        self.stats.add(requests=1)
        try:
            start = reader.start if reader.start == offset else 0
            hasher = self._hash_prefix(part, start)
            atomic_write_bytes(state_path, json.dumps(
                {"size": size, "etag": reader.etag, "source": self.source.location}).encode())
            written = self._stream(digest, size, part, start, reader, hasher)
        finally:
            reader.close()
        if written < size:
            raise RetryableError("truncated", f"blob {digest[:12]}: the transfer ended after {written} of {size} bytes")
        return self._finish(digest, part, state_path, hasher, resumed=start > 0)

    def _hash_prefix(self, part: Path, length: int) -> hashlib._Hash:
        hasher = hashlib.sha256()
        if length:
            with open(part, "rb") as f:
                remaining = length
                while remaining and (chunk := f.read(min(1 << 20, remaining))):
                    hasher.update(chunk)
                    remaining -= len(chunk)
        return hasher

    def _stream(self, digest: str, size: int, part: Path, start: int, reader: BlobReader,
                hasher: hashlib._Hash) -> int:
        written = start
        assert self._meter is not None
        try:
            with open(part, "r+b" if start and part.exists() else "wb") as f:
                f.truncate(start)
                f.seek(start)
                try:
                    for chunk in reader.chunks(self.chunk):
                        if written + len(chunk) > size:
                            raise IntegrityError("size_mismatch", f"blob {digest[:12]} is longer than {size} bytes")
                        self.bucket.acquire(len(chunk), self.cancel)
                        f.write(chunk)
                        hasher.update(chunk)
                        written += len(chunk)
                        self.stats.add(bytes_received=len(chunk))
                        self._meter.update(digest, written)
                        self._check_cancel()
                finally:
                    f.flush()
                    os.fsync(f.fileno())
        except OSError as exc:
            raise storage_error(exc, "cannot save the download") from exc
        except IntegrityError:
            self._discard(digest)
            raise
        return written

    def _finish(self, digest: str, part: Path, state_path: Path, hasher: hashlib._Hash, resumed: bool) -> None:
        if hasher.hexdigest() != digest:
            self._discard(digest)
            if resumed:
                raise _Restart()
            raise IntegrityError("hash_mismatch", f"blob {digest[:12]} does not match its checksum")
        self.store.place_blob(digest, part)
        with contextlib.suppress(OSError):
            state_path.unlink()
        assert self._meter is not None
        self._meter.blob_done(digest)
        if self.on_blob_verified is not None:
            self.on_blob_verified(digest)

    def _discard(self, digest: str) -> None:
        for p in self.store.partial_paths(digest):
            with contextlib.suppress(OSError):
                p.unlink()
        if self._meter is not None:
            self._meter.update(digest, 0)


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
