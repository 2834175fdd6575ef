"""How long to wait before asking the server again: the one backoff of every client engine.

``Backoff`` is capped exponential backoff with jitter. The n-th wait in a row (n from 0) is
drawn uniformly from [c/2, c] with c = min(cap_s, base_s * 2**n): waits grow, never pass
the cap, never drop below half of it once there, and PCs that lost the server at the same
moment do not come back in step. A server that answered 429/503 with Retry-After is not
asked again sooner than it said (the wait is spread over up to a quarter more, for the same
reason); ``parse_retry_after`` reads that header. ``reset()`` after a success. The random
source is injectable, so tests are exact. Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from sync.protocol.errors import ServerBusyError

MAX_RETRY_AFTER_S = 600.0
"""A Retry-After longer than this is read as this: a wrong header must not silence a PC for days."""


@dataclass
class Backoff:
    """Waits in seconds between tries of one kind. Not thread-safe: one per worker loop."""

    base_s: float = 1.0
    cap_s: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self, retry_after_s: float | None = None) -> float:
        """The wait before the next try; at least ``retry_after_s`` when the server named one."""
        ceiling = min(self.cap_s, self.base_s * (2 ** min(self.attempt, 30)))
        self.attempt += 1
        delay = self.rng.uniform(ceiling / 2, ceiling)
        if retry_after_s is not None and retry_after_s > 0:
            asked = min(retry_after_s, MAX_RETRY_AFTER_S)
            delay = max(delay, asked * self.rng.uniform(1.0, 1.25))
        return delay

    def delay_after(self, error: BaseException) -> float:
        """The wait before the next try after ``error``, honouring a busy server's Retry-After."""
        return self.next_delay(error.retry_after_s if isinstance(error, ServerBusyError) else None)

    def reset(self) -> None:
        self.attempt = 0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delay-seconds or an HTTP date), at most MAX_RETRY_AFTER_S;
    None when there is no header or it cannot be read."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)
