"""Is the server reachable: ``wait_for_server`` probes until the server answers, waiting
between probes as ``sync.net.backoff.Backoff`` says and sleeping through an injected ``sleep``
so tests and the GUI control time; a ``cancel`` event stops it. Must not import Qt, client/
or server/.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sync.net.backoff import Backoff as Backoff  # named here too: the uploader takes both from this module

Sleep = Callable[[float], None]
Clock = Callable[[], float]


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
