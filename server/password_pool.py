"""Password hashing (scrypt) in its own small, bounded pool of threads.

scrypt takes tens of milliseconds of CPU and 16 MB of memory per check. Run in the threads
that serve every request, a flood of sign-ins would starve record uploads; here at most
``workers`` checks run at once and at most ``queue`` more sign-ins wait for one. A sign-in
takes its place (``place``) before it writes anything (only the throttle's read-only check
comes first), so any further sign-in is answered 503 with a Retry-After straight away, having
written nothing: a flood of sign-ins never queues for the database's write lock ahead of record
uploads.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from server.limits import Slots

T = TypeVar("T")

WORKERS = max(1, min(2, os.cpu_count() or 1))
QUEUE = 8
RETRY_AFTER_S = 2.0


class PasswordPool:
    def __init__(self, workers: int = WORKERS, queue: int = QUEUE) -> None:
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="password")
        self._slots = Slots(workers + queue, wait_s=0, retry_after_s=RETRY_AFTER_S, what="sign-ins")

    def place(self) -> AbstractContextManager[None]:
        """A sign-in's place, held from its first database statement to its last (the throttle's
        count, the check, the audit line). ServerBusyError at once when every place is taken."""
        return self._slots.hold()

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a pool thread; the caller, holding a ``place``, waits for it."""
        return self._executor.submit(fn, *args).result()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
