"""Backoff and the connectivity wait the uploader uses, with injected time (no sleeping)."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

from sync.net.backoff import MAX_RETRY_AFTER_S, Backoff, parse_retry_after
from sync.net.connectivity import cancellable_sleep, wait_for_server
from sync.protocol.errors import RetryableError, ServerBusyError


class _Fixed(random.Random):
    """A random source that always draws the same point of the range (0.0 = low end, 1.0 = high end)."""

    def __init__(self, point: float) -> None:
        super().__init__()
        self.point = point

    def random(self) -> float:
        return self.point


def test_backoff_is_capped_exponential_with_jitter() -> None:
    b = Backoff(base_s=1, cap_s=30, rng=random.Random(7))
    delays = [b.next_delay() for _ in range(12)]
    ceilings = [min(30, 2**i) for i in range(12)]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered
    assert max(delays[6:]) > 8  # grows towards the cap
    b.reset()
    assert b.next_delay() <= 1


def test_backoff_bounds_are_exact_at_both_ends_of_the_jitter() -> None:
    low = Backoff(base_s=10, cap_s=600, rng=_Fixed(0.0))
    high = Backoff(base_s=10, cap_s=600, rng=_Fixed(1.0))
    lows = [low.next_delay() for _ in range(11)]
    highs = [high.next_delay() for _ in range(11)]
    assert lows == [5, 10, 20, 40, 80, 160, 300, 300, 300, 300, 300]
    assert highs == [10, 20, 40, 80, 160, 320, 600, 600, 600, 600, 600]


def test_a_busy_servers_retry_after_is_never_cut_short() -> None:
    b = Backoff(base_s=1, cap_s=30, rng=_Fixed(0.0))
    assert b.delay_after(ServerBusyError("server_busy", "503", retry_after_s=45)) == 45  # beyond the cap too
    assert b.delay_after(RetryableError("network", "reset")) == 1  # no Retry-After: the backoff's own wait
    assert b.next_delay(retry_after_s=10 * MAX_RETRY_AFTER_S) == MAX_RETRY_AFTER_S
    spread = Backoff(base_s=1, cap_s=30, rng=_Fixed(1.0))
    assert spread.delay_after(ServerBusyError("server_busy", "429", retry_after_s=40)) == 50  # spread, never sooner
    assert spread.next_delay(retry_after_s=1) == 2  # the backoff's own wait is longer here


def test_retry_after_header_as_seconds_or_http_date() -> None:
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("Wed, 01 May 2024 12:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now=now) == 0.0  # already past
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("99999") == MAX_RETRY_AFTER_S
    for bad in (None, "", "soon", "nan"):
        assert parse_retry_after(bad) is None


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
