"""Sideloading: import course packages from a folder (USB stick, share) and export them to one.

A package folder has the repository layout (``manifests/<course>/<version>.json``,
``blobs/sha256/<hex>``, optionally ``catalog.json``). Import goes through the same
Downloader as the network, so signatures, checksums, resume and atomic placement are
exactly the same; the catalog is not needed because every manifest carries its own
publisher signature. Export copies a course's stored, verified files, re-checking each
checksum on the way, and writes each file atomically.
Must not import Qt or anything from client/ or server/.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from sync.content.cancel import CancelEvent
from sync.content.downloader import Downloader, DownloadProgress
from sync.content.sources import FolderSource
from sync.content.store import ContentStore
from sync.protocol.catalog import blob_path, manifest_path
from sync.protocol.errors import CancelledError, IntegrityError, SyncError
from sync.protocol.keys import PublicKey
from sync.protocol.manifest import Manifest, check_id
from sync.storage.files import atomic_copy_verified, atomic_write_bytes, file_sha256


def package_versions(folder: Path) -> dict[str, list[int]]:
    """Course id -> versions found in a package folder (names only; nothing is trusted yet)."""
    found: dict[str, list[int]] = {}
    manifests = folder / "manifests"
    if not manifests.is_dir():
        raise SyncError("not_a_package", f"{folder} has no manifests/ folder: it is not a course package")
    for course in sorted(manifests.iterdir()):
        with contextlib.suppress(SyncError):
            check_id(course.name, "package")
            versions = sorted(int(p.stem) for p in course.glob("*.json") if p.stem.isdigit())
            if versions:
                found[course.name] = versions
    return found


def import_package(
    folder: Path,
    store: ContentStore,
    trusted_keys: Mapping[str, PublicKey],
    *,
    course_id: str | None = None,
    on_progress: Callable[[DownloadProgress], None] | None = None,
    on_blob_verified: Callable[[str], None] | None = None,
    cancel: CancelEvent | None = None,
) -> list[Manifest]:
    """Import the latest version of each course in ``folder`` (or only ``course_id``)."""
    versions = package_versions(folder)
    if course_id is not None:
        if course_id not in versions:
            raise SyncError("not_found", f"course {course_id!r} is not in the package at {folder}")
        versions = {course_id: versions[course_id]}
    if not versions:
        raise SyncError("not_a_package", f"{folder} holds no course manifests")
    downloader = Downloader(store, FolderSource(folder), trusted_keys, concurrency=1, on_progress=on_progress,
                            on_blob_verified=on_blob_verified, cancel=cancel)
    return [downloader.download_course(cid, max(vs)) for cid, vs in versions.items()]


def export_package(store: ContentStore, course_id: str, dest: Path, version: int | None = None,
                   on_progress: Callable[[int, int], None] | None = None,
                   cancel: threading.Event | None = None) -> Manifest:
    """Copy one stored course version (latest by default) into ``dest`` in repository layout."""
    manifest = store.manifest(course_id, version)
    if manifest is None:
        raise SyncError("not_found", f"course {course_id!r} is not stored on this computer")
    missing = store.missing_blobs(manifest)
    if missing:
        raise SyncError("course_incomplete", f"{len(missing)} files of {course_id} are not downloaded yet")
    total = sum(manifest.blobs().values())
    done = 0
    for digest, size in manifest.blobs().items():
        if cancel is not None and cancel.is_set():
            raise CancelledError("cancelled", "export cancelled")
        _copy_verified(store.blob_path(digest), dest / blob_path(digest), digest)
        done += size
        if on_progress is not None:
            on_progress(done, total)
    # The manifest goes last: a package with a manifest is a package with all its blobs.
    data = store.manifest_bytes(manifest.course_id, manifest.version)
    atomic_write_bytes(dest / manifest_path(manifest.course_id, manifest.version), data)
    return manifest


def _copy_verified(src: Path, dest: Path, digest: str) -> None:
    """Copy a blob, checking its sha256 as it is read; an existing good copy is kept as is."""
    if dest.is_file() and dest.stat().st_size == src.stat().st_size:
        with contextlib.suppress(OSError):
            if file_sha256(dest) == digest:
                return
    mismatch = IntegrityError("hash_mismatch", f"stored file {digest[:12]} is damaged; download it again")
    atomic_copy_verified(src, dest, digest, mismatch)

