"""Records: canonical bytes, signatures, chain links and tamper detection."""

from __future__ import annotations

import dataclasses
import itertools
import uuid

import pytest

from sync.protocol.errors import FormatError, IntegrityError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner, Record, make_record, verify_chain


def _signer() -> DeviceSigner:
    return DeviceSigner(str(uuid.uuid4()), "user-1", PrivateKey.generate())


def _chain(signer: DeviceSigner, n: int) -> list[Record]:
    out: list[Record] = []
    prev = GENESIS
    for i in range(1, n + 1):
        r = make_record(signer, seq=i, prev=prev, record_type="watch", course_id="c1", lesson_id="l1",
                        body={"segments": [[i, i + 1.5]], "note": "学习"})
        out.append(r)
        prev = r.hash
    return out


def test_signed_record_round_trips_through_json_and_verifies() -> None:
    s = _signer()
    r = _chain(s, 1)[0]
    again = Record.from_json(r.canonical())
    assert again == r
    again.verify(s.key.public)
    assert r.prev == GENESIS and r.seq == 1


def test_canonical_bytes_are_sorted_and_compact() -> None:
    r = _chain(_signer(), 1)[0]
    text = r.signing_bytes().decode()
    assert " " not in text.replace("学习", "")
    assert text.index('"body"') < text.index('"course_id"') < text.index('"seq"')
    assert "学习" in text  # UTF-8, not \\u escapes


def test_chain_verifies_and_each_prev_is_previous_hash() -> None:
    s = _signer()
    chain = _chain(s, 5)
    verify_chain(chain, s.key.public)
    for a, b in itertools.pairwise(chain):
        assert b.prev == a.hash


@pytest.mark.parametrize("field,value", [("body", {"segments": [[0, 999]]}), ("seq", 7), ("user_id", "user-2"),
                                         ("created_at", "2030-01-01T00:00:00.000Z"), ("lesson_id", "l2")])
def test_any_edit_breaks_the_signature(field: str, value: object) -> None:
    s = _signer()
    r = _chain(s, 1)[0]
    tampered = dataclasses.replace(r, **{field: value})
    with pytest.raises(IntegrityError) as e:
        tampered.verify(s.key.public)
    assert e.value.code == "bad_signature"


def test_another_key_cannot_verify() -> None:
    r = _chain(_signer(), 1)[0]
    with pytest.raises(IntegrityError):
        r.verify(PrivateKey.generate().public)


def test_dropped_record_is_a_gap_and_reordered_records_break_the_chain() -> None:
    s = _signer()
    chain = _chain(s, 4)
    with pytest.raises(IntegrityError) as e:
        verify_chain([chain[0], chain[2], chain[3]], s.key.public)
    assert e.value.code == "gap"
    with pytest.raises(IntegrityError) as e:
        verify_chain([chain[1], chain[0]], s.key.public, start_seq=2, start_prev=chain[0].hash)
    assert e.value.code in ("gap", "broken_chain")


def test_resigned_forgery_with_wrong_prev_breaks_the_chain() -> None:
    s = _signer()
    chain = _chain(s, 3)
    forged = make_record(s, seq=3, prev=GENESIS, record_type="watch", course_id="c1", lesson_id="l1", body={})
    with pytest.raises(IntegrityError) as e:
        verify_chain([*chain[:2], forged], s.key.public)
    assert e.value.code == "broken_chain"


@pytest.mark.parametrize(
    "patch,code",
    [({"seq": 0}, "bad_field"), ({"seq": True}, "bad_field"), ({"prev": "xyz"}, "bad_field"),
     ({"id": "../etc"}, "bad_id"), ({"body": []}, "bad_field"), ({"extra": 1}, "bad_field"),
     ({"type": "DROP TABLE"}, "bad_field"), ({"body": {"x": "a" * 70000}}, "bad_field")],
)
def test_malformed_records_get_a_named_reason(patch: dict[str, object], code: str) -> None:
    d = _chain(_signer(), 1)[0].to_dict()
    d.update(patch)
    with pytest.raises(FormatError) as e:
        Record.from_dict(d)
    assert e.value.code == code


def test_missing_field_is_named() -> None:
    d = _chain(_signer(), 1)[0].to_dict()
    del d["sig"]
    with pytest.raises(FormatError) as e:
        Record.from_dict(d)
    assert e.value.code == "missing_field" and "sig" in e.value.detail
