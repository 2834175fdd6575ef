"""A thread-safe token bucket that caps the bytes per second of all downloads together.

Every worker asks for the bytes it is about to read; the bucket makes it wait just long
enough. Waiting honours a cancel event so a capped download stops at once when cancelled.
Must not import Qt or anything from client/ or server/.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sync.protocol.errors import CancelledError


class TokenBucket:
    """``rate_bps`` bytes per second (0 = unlimited), bursts of at most ``burst_bytes``."""

    def __init__(self, rate_bps: float, burst_bytes: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate_bps = float(rate_bps)
        # A small burst keeps the link smooth; at least one read chunk so a read never waits forever.
        self.burst = float(burst_bytes if burst_bytes is not None else max(16 * 1024, rate_bps / 4))
        self._clock = clock
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    @property
    def unlimited(self) -> bool:
        return self.rate_bps <= 0

    def acquire(self, n: int, cancel: threading.Event | None = None) -> None:
        """Take ``n`` tokens, sleeping while the bucket is empty. Raises CancelledError on cancel."""
        if self.unlimited or n <= 0:
            return
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate_bps)
                self._last = now
                need = min(float(n), self.burst)
                if self._tokens >= need:
                    self._tokens -= n  # may go negative for n > burst: later callers wait it off
                    return
                wait_s = (need - self._tokens) / self.rate_bps
            if cancel is not None:
                if cancel.wait(wait_s):
                    raise CancelledError("cancelled", "download cancelled")
            else:
                time.sleep(wait_s)
