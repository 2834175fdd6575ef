"""Files written the one way this project writes them, by client and server alike.

``atomic_write_bytes`` and ``atomic_copy_verified`` write a temp file in the target folder,
fsync it, rename it over the target and fsync the folder, so a reader (or a restart after a
power cut) sees the old file or the whole new one, never a part; the temp file is removed on
every failure. OS errors become ``StorageError`` (``disk_full`` when the disk is full).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from pathlib import Path

from sync.protocol.errors import StorageError, SyncError

CHUNK = 256 * 1024


def storage_error(exc: OSError, what: str) -> StorageError:
    code = "disk_full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "storage"
    return StorageError(code, f"{what}: {exc.strerror or exc}")


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise storage_error(exc, f"cannot write {path.name}") from exc
    fsync_dir(path.parent)


def atomic_copy_verified(src: Path, dest: Path, digest: str, mismatch: SyncError, mode: int = 0o644) -> None:
    """Copy ``src`` to ``dest`` (temp file, fsync, rename), hashing it as it is read; raise
    ``mismatch`` and leave ``dest`` untouched unless what was copied has sha256 ``digest``."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-", suffix=".part")
    except OSError as exc:
        raise storage_error(exc, f"cannot write to {dest.parent}") from exc
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != digest:
            raise mismatch
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except OSError as exc:
        raise storage_error(exc, f"cannot write {dest.name}") from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    fsync_dir(dest.parent)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()
