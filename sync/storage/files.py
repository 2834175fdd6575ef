"""Files written the one way this project writes them, by client and server alike.

``atomic_writer``, ``atomic_write_bytes`` and ``atomic_copy_verified`` write a temp file with a unique name in
the target folder, fsync it, rename it over the target and fsync the folder, so a reader (or
a restart after a power cut) sees the old file or the whole new one, never a part. The temp
file is removed on every failure, whatever raised; two writers of one target never share a
temp file. OS errors become ``StorageError`` (``disk_full`` when the disk is full).
Must not import Qt or any client engine.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

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


def _temp_beside(target: Path) -> tuple[int, str]:
    """A new, uniquely named temp file in ``target``'s folder (created with O_EXCL), opened for writing."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
    except OSError as exc:
        raise storage_error(exc, f"cannot write to {target.parent}") from exc


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = 0o644) -> Iterator[BinaryIO]:
    """A file to write ``path``'s new content into, placed at ``path`` only when the block ends
    without an exception (fsync, rename, fsync of the folder); readers see the old file or the
    whole new one, never a part. For content too large to hold in memory."""
    fd, tmp = _temp_beside(path)
    placed = False
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        placed = True
    except OSError as exc:
        raise storage_error(exc, f"cannot write {path.name}") from exc
    finally:
        if not placed:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes | bytearray | memoryview, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    with atomic_writer(path, mode) as f:
        f.write(data)


def atomic_copy_verified(src: Path, dest: Path, digest: str, mismatch: SyncError, mode: int = 0o644) -> None:
    """Copy ``src`` to ``dest`` (temp file, fsync, rename), hashing it as it is read; raise
    ``mismatch`` and leave ``dest`` untouched unless what was copied has sha256 ``digest``."""
    h = hashlib.sha256()
    with atomic_writer(dest, mode) as out, open(src, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            out.write(chunk)
        if h.hexdigest() != digest:
            raise mismatch  # leaving the block by an exception: dest stays as it was, the temp file goes


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()
