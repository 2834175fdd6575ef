"""One lesson at a time per person on this PC: whoever holds the study lock earns credit.

A person may open two player windows, or start a second copy of the app; only one of them may
earn credit (a person cannot study two lessons at once). The lock is an OS file lock on
``<profile folder>/study.lock``, taken without waiting: ``flock`` on Linux and macOS,
``msvcrt.locking`` on Windows. The OS drops it when its holder exits in any way (``kill -9``
and power loss included), so no stale lock ever needs clearing. Each ``StudyLock`` opens the
file on its own, so two windows of one process exclude each other too. The file holds the
holder's process id, for people reading it, never for deciding anything.

Two copies of the app with different data folders hold different profiles and device keys:
no lock on this PC can see both; the server's ``overlap`` rule credits one person's wall time
once across devices.
Thread-safe enough for its use: acquire and release are each one system call.
Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

LOCK_NAME = "study.lock"


class StudyLock:
    """The study lock of one person's profile folder (not held until ``acquire`` says so)."""

    def __init__(self, profile_dir: Path) -> None:
        self.path = profile_dir / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; False (at once) when another window or app does."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        """Let another window or app earn credit. Safe to call when not held."""
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                _unlock(fd)
            finally:
                os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
