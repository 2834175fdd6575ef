"""A busy server's Retry-After is spread, so clients turned away together do not return together, and
they return on new connections."""

from __future__ import annotations

import random

from server.limits import BUSY_JITTER, RETRY_AFTER_S, busy_answer
from server.throttle import TooManyAttempts
from sync.protocol.errors import ServerBusyError


def test_busy_503_names_waits_spread_between_the_base_and_twice_it() -> None:
    rng = random.Random(7)
    busy = ServerBusyError("server_busy", "busy", retry_after_s=RETRY_AFTER_S)
    waits = [int(busy_answer(busy, rng=rng).headers["Retry-After"]) for _ in range(200)]
    assert min(waits) >= RETRY_AFTER_S and max(waits) <= RETRY_AFTER_S * BUSY_JITTER
    assert len(set(waits)) >= 2  # not one fixed value for everyone


def test_a_busy_503_closes_the_connection_and_a_429_keeps_it() -> None:
    """A client turned away by a busy worker comes back on a new connection, which any worker may
    accept; a throttled sign-in's connection stays open."""
    busy = ServerBusyError("server_busy", "busy", retry_after_s=RETRY_AFTER_S)
    assert busy_answer(busy).headers["Connection"] == "close"
    assert "Connection" not in busy_answer(TooManyAttempts(8.0), 429).headers


def test_a_throttles_429_names_its_own_wait() -> None:
    rng = random.Random(7)
    waits = {busy_answer(TooManyAttempts(8.0), 429, rng=rng).headers["Retry-After"] for _ in range(50)}
    assert waits == {"8"}
