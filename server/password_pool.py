"""Password hashing (scrypt) in its own small, bounded pool of threads.

scrypt takes tens of milliseconds of CPU and 16 MB of memory per check. Run in the threads
that serve every request, a flood of sign-ins would starve record uploads; here at most
``workers`` checks run at once, at most ``queue`` more wait, and any further sign-in is
answered 503 with a Retry-After straight away.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a pool thread; the caller waits for it. ServerBusyError when full."""
        with self._slots.hold():
            return self._executor.submit(fn, *args).result()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
