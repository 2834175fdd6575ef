"""Is the server reachable, and how long to wait before trying again.

``Backoff`` is capped exponential backoff with full jitter (delay = uniform(0, min(cap,
base * 2**attempt))), with an injectable random source. ``wait_for_server`` probes until the
server answers, sleeping through an injected ``sleep`` so tests and the GUI control time;
a ``cancel`` event stops it. Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Sleep = Callable[[float], None]
Clock = Callable[[], float]


@dataclass
class Backoff:
    base_s: float = 1.0
    cap_s: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap_s, self.base_s * (2 ** min(self.attempt, 30)))
        self.attempt += 1
        return self.rng.uniform(0, ceiling)

    def reset(self) -> None:
        self.attempt = 0


def cancellable_sleep(cancel: threading.Event | None) -> Sleep:
    """A sleep that returns early when ``cancel`` is set."""
    if cancel is None:
        return time.sleep

    def sleep(seconds: float) -> None:
        cancel.wait(seconds)

    return sleep


def wait_for_server(
    probe: Callable[[], bool],
    *,
    max_wait_s: float,
    backoff: Backoff | None = None,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    cancel: threading.Event | None = None,
) -> bool:
    """Probe until the server answers (True) or ``max_wait_s`` passes or cancel is set (False)."""
    backoff = backoff or Backoff()
    deadline = clock() + max_wait_s
    while True:
        if cancel is not None and cancel.is_set():
            return False
        if probe():
            backoff.reset()
            return True
        remaining = deadline - clock()
        if remaining <= 0:
            return False
        sleep(min(backoff.next_delay(), remaining))
