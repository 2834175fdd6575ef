"""Backoff and the connectivity wait the uploader uses, with injected time (no sleeping)."""

from __future__ import annotations

import random
import threading

from sync.net.connectivity import Backoff, cancellable_sleep, wait_for_server


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    b = Backoff(base_s=1, cap_s=30, rng=random.Random(7))
    delays = [b.next_delay() for _ in range(12)]
    ceilings = [min(30, 2**i) for i in range(12)]
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered
    assert max(delays[6:]) > 8  # grows towards the cap
    b.reset()
    assert b.next_delay() <= 1


def test_wait_for_server_probes_until_up_within_deadline() -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        now[0] += s

    answers = iter([False, False, False, True])
    ok = wait_for_server(lambda: next(answers), max_wait_s=100, backoff=Backoff(rng=random.Random(1)),
                         sleep=sleep, clock=lambda: now[0])
    assert ok and len(sleeps) == 3

    now[0], sleeps[:] = 0.0, []
    assert not wait_for_server(lambda: False, max_wait_s=10, backoff=Backoff(rng=random.Random(2)), sleep=sleep,
                               clock=lambda: now[0])
    assert sum(sleeps) <= 10 + 1e-9


def test_cancel_stops_waiting_at_once() -> None:
    cancel = threading.Event()
    cancel.set()
    assert not wait_for_server(lambda: True, max_wait_s=10, cancel=cancel)
    cancellable_sleep(cancel)(30)  # returns immediately because cancel is set
