"""A record batch body is inflated and parsed within bounds; big bodies wait for a parse slot."""

from __future__ import annotations

import gzip
import json

import pytest

from server.limits import Slots
from server.routes_records import (
    BIG_PARSE_SLOTS,
    MAX_JSON_BYTES,
    RETRY_AFTER_S,
    SMALL_JSON_BYTES,
    parse_batch,
    parse_slots,
)
from sync.protocol.errors import FormatError, ServerBusyError

SMALL = json.dumps({"records": [{"id": "r1"}]}).encode()
BIG = json.dumps({"records": [{"id": "r1", "body": {"t": "x" * 60_000}}] * 20}).encode()  # over SMALL_JSON_BYTES


def slots() -> Slots:
    return parse_slots()


def all_taken() -> Slots:
    s = slots()
    for _ in range(BIG_PARSE_SLOTS):
        assert s.try_acquire()
    return s


def test_small_batches_never_wait_for_a_slot() -> None:
    taken = all_taken()
    assert parse_batch(SMALL, False, taken) == [{"id": "r1"}]
    assert parse_batch(gzip.compress(SMALL), True, taken) == [{"id": "r1"}]


@pytest.mark.parametrize("gzipped", [False, True])
def test_big_batches_take_a_slot_and_give_it_back(gzipped: bool) -> None:
    assert len(BIG) > SMALL_JSON_BYTES
    s = slots()
    body = gzip.compress(BIG) if gzipped else BIG
    assert len(parse_batch(body, gzipped, s)) == 20
    for _ in range(BIG_PARSE_SLOTS):  # every slot is free again
        assert s.try_acquire()
    with pytest.raises(ServerBusyError) as info:
        parse_batch(body, gzipped, s)
    assert info.value.code == "server_busy" and info.value.retry_after_s == RETRY_AFTER_S


def test_a_refused_big_batch_gives_its_slot_back() -> None:
    s = slots()
    with pytest.raises(FormatError) as info:
        parse_batch(gzip.compress(b'{"records":[' + b"[]," * (SMALL_JSON_BYTES // 3) + b"[]]}"), True, s)
    assert info.value.code == "too_many_values"
    for _ in range(BIG_PARSE_SLOTS):
        assert s.try_acquire()


def test_inflating_stops_at_the_cap() -> None:
    exact = b'{"records":[]' + b" " * (MAX_JSON_BYTES - 14) + b"}"
    assert len(exact) == MAX_JSON_BYTES
    assert parse_batch(gzip.compress(exact), True, slots()) == []
    with pytest.raises(FormatError) as info:
        parse_batch(gzip.compress(exact + b" "), True, slots())
    assert info.value.code == "too_large"


@pytest.mark.parametrize("body", [b"\x1f\x8bgarbage", gzip.compress(BIG)[:-5000], gzip.compress(SMALL)[:-12]],
                         ids=["garbage", "truncated-big", "truncated-small"])
def test_broken_or_truncated_gzip(body: bytes) -> None:
    with pytest.raises(FormatError) as info:
        parse_batch(body, True, slots())
    assert info.value.code == "bad_gzip"


def test_batch_shape_is_checked() -> None:
    with pytest.raises(FormatError) as info:
        parse_batch(json.dumps({"records": [{}] * 2001}).encode(), False, slots())
    assert info.value.code == "bad_batch"
