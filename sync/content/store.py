"""The local content-addressed store of verified course content, shared by every user of a PC.

Layout under ``<data root>/content/``::

    blobs/sha256/<hex>                 verified file contents (never written in place)
    manifests/<course>/<version>.json  signed manifests exactly as received
    partial/<hex>.part + <hex>.json    downloads in progress and their resume state

A blob enters ``blobs/`` only by an atomic rename after its sha256 was checked, so every
file there is whole and correct; a manifest is re-verified against the trusted keys each
time it is loaded.
Must not import Qt or anything from client/ or server/.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from sync.protocol.catalog import manifest_path
from sync.protocol.errors import IntegrityError, SyncError
from sync.protocol.keys import PublicKey
from sync.protocol.manifest import FileEntry, Manifest, check_id, check_sha256
from sync.storage.files import atomic_write_bytes, file_sha256, fsync_dir, storage_error

try:
    import fcntl
except ImportError:  # Windows: the in-process lock still keeps this app's threads apart
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


class ContentStore:
    """Verified course content on this PC. Thread-safe for readers; the downloader is the writer."""

    def __init__(self, root: Path, trusted_keys: Mapping[str, PublicKey] | None = None) -> None:
        self.root = root
        self.trusted_keys = dict(trusted_keys or {})
        self.blobs_dir = root / "blobs" / "sha256"
        self.manifests_dir = root / "manifests"
        self.partial_dir = root / "partial"

    def ensure(self) -> ContentStore:
        try:
            for d in (self.blobs_dir, self.manifests_dir, self.partial_dir):
                d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error(exc, f"cannot create {self.root}") from exc
        return self

    # -- blobs -------------------------------------------------------------------------
    def has_blob(self, hex_digest: str) -> bool:
        return (self.blobs_dir / check_sha256(hex_digest, "blob")).is_file()

    def blob_path(self, hex_digest: str) -> Path:
        """The path of a verified blob; raises IntegrityError if it is not in the store."""
        path = self.blobs_dir / check_sha256(hex_digest, "blob")
        if not path.is_file():
            raise IntegrityError("missing_blob", f"blob {hex_digest[:12]} is not in the store")
        return path

    def verify_blob(self, hex_digest: str) -> bool:
        """Re-hash a stored blob (slow: reads it whole). False if missing or damaged."""
        path = self.blobs_dir / check_sha256(hex_digest, "blob")
        try:
            return file_sha256(path) == hex_digest
        except OSError:
            return False

    def place_blob(self, hex_digest: str, verified_file: Path) -> Path:
        """Move a file whose sha256 the caller has checked into the store, atomically."""
        dest = self.blobs_dir / check_sha256(hex_digest, "blob")
        try:
            self.blobs_dir.mkdir(parents=True, exist_ok=True)
            os.replace(verified_file, dest)
        except OSError as exc:
            raise storage_error(exc, "cannot place a downloaded file") from exc
        fsync_dir(self.blobs_dir)
        return dest

    @contextlib.contextmanager
    def blob_lock(self, hex_digest: str) -> Iterator[None]:
        """Only one writer per blob: threads of this process, and (where fcntl exists) other processes
        such as the window and a command line sharing this store."""
        key = (str(self.root), check_sha256(hex_digest, "blob"))
        with _LOCKS_GUARD:
            lock = _LOCKS.setdefault(key, threading.Lock())
        with lock:
            if fcntl is None:
                yield
                return
            self.partial_dir.mkdir(parents=True, exist_ok=True)
            with open(self.partial_dir / f"{hex_digest}.lock", "a+b") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    # Removed only once the blob is in place: a waiter that then locks the removed
                    # file finds the blob and stops, so two writers can never share a partial file.
                    if self.has_blob(hex_digest):
                        with contextlib.suppress(OSError):
                            os.unlink(f.name)
                    fcntl.flock(f, fcntl.LOCK_UN)

    def partial_paths(self, hex_digest: str) -> tuple[Path, Path]:
        """The partial file and its JSON resume state for a blob being downloaded."""
        name = check_sha256(hex_digest, "blob")
        return self.partial_dir / f"{name}.part", self.partial_dir / f"{name}.json"

    # -- manifests ---------------------------------------------------------------------
    def save_manifest(self, data: bytes) -> Manifest:
        """Verify signed manifest bytes and keep them exactly as received."""
        manifest = Manifest.parse_verified(data, self.trusted_keys)
        atomic_write_bytes(self.root / manifest_path(manifest.course_id, manifest.version), data)
        return manifest

    def manifest_bytes(self, course_id: str, version: int) -> bytes:
        try:
            return (self.root / manifest_path(course_id, version)).read_bytes()
        except FileNotFoundError as exc:
            raise SyncError("not_found", f"course {course_id} version {version} is not stored") from exc

    def versions(self, course_id: str) -> list[int]:
        folder = self.manifests_dir / check_id(course_id, "course")
        found = []
        for p in folder.glob("*.json") if folder.is_dir() else ():
            if p.stem.isdigit():
                found.append(int(p.stem))
        return sorted(found)

    def manifest(self, course_id: str, version: int | None = None) -> Manifest | None:
        """The stored manifest (the latest by default), re-verified; damaged versions are skipped."""
        candidates = [version] if version is not None else list(reversed(self.versions(course_id)))
        for v in candidates:
            try:
                return Manifest.parse_verified(self.manifest_bytes(course_id, v), self.trusted_keys)
            except SyncError as exc:
                if version is not None and exc.code == "not_found":
                    return None
                log.warning("stored manifest %s v%s does not verify: %s", course_id, v, exc.detail)
        return None

    def installed_courses(self) -> list[Manifest]:
        if not self.manifests_dir.is_dir():
            return []
        found = []
        for folder in sorted(self.manifests_dir.iterdir()):
            if folder.is_dir() and (m := self.manifest(folder.name)) is not None:
                found.append(m)
        return found

    # -- per course ----------------------------------------------------------------------
    def lesson_file(self, manifest: Manifest, lesson_id: str) -> Path | None:
        return self._entry_file(manifest.lessons, lesson_id)

    def document_file(self, manifest: Manifest, document_id: str) -> Path | None:
        return self._entry_file(manifest.documents, document_id)

    def _entry_file(self, entries: tuple[FileEntry, ...], entry_id: str) -> Path | None:
        for e in entries:
            if e.id == entry_id:
                path = self.blobs_dir / e.blob
                return path if path.is_file() else None
        return None

    def course_state(self, manifest: Manifest) -> tuple[int, int]:
        """(bytes present, bytes total); partial downloads count for what they already hold."""
        present = total = 0
        for digest, size in manifest.blobs().items():
            total += size
            if self.has_blob(digest):
                present += size
            else:
                part, _ = self.partial_paths(digest)
                with contextlib.suppress(OSError):
                    present += min(part.stat().st_size, size)
        return present, total

    def missing_blobs(self, manifest: Manifest) -> dict[str, int]:
        return {d: s for d, s in manifest.blobs().items() if not self.has_blob(d)}

    def remove_course(self, course_id: str) -> None:
        """Forget every version of a course, and the blobs no other stored course still uses."""
        folder = self.manifests_dir / check_id(course_id, "course")
        doomed: set[str] = set()
        for v in self.versions(course_id):
            if (m := self.manifest(course_id, v)) is not None:
                doomed.update(m.blobs())
        shutil.rmtree(folder, ignore_errors=True)
        for other in self._all_manifests():
            doomed.difference_update(other.blobs())
        for digest in doomed:
            for p in (self.blobs_dir / digest, *self.partial_paths(digest)):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()

    def _all_manifests(self) -> Iterator[Manifest]:
        if not self.manifests_dir.is_dir():
            return
        for folder in self.manifests_dir.iterdir():
            for v in self.versions(folder.name) if folder.is_dir() else ():
                if (m := self.manifest(folder.name, v)) is not None:
                    yield m
