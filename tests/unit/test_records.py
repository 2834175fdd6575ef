"""Records: canonical bytes, signatures, chain links and tamper detection."""

from __future__ import annotations

import dataclasses
import itertools
import json
import uuid

import pytest

from sync.protocol.canonical import canonical_bytes, canonical_bytes_v2, v2_bytes
from sync.protocol.errors import FormatError, IntegrityError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, V2, DeviceSigner, Record, make_record, verify_chain


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


@pytest.mark.parametrize("body", [{}, {"segments": [[0, 1.5]], "note": "学习\n\"引号\"\u0001", "z": None,
                                       "a": [True, {}]}, {"nested": {"b": 1, "a": {"é": "x"}}, "": ""}])
def test_signing_bytes_built_from_the_body_text_are_the_canonical_bytes_of_the_whole(body: dict[str, object]) -> None:
    s = _signer()
    r = make_record(s, seq=1, prev=GENESIS, record_type="note", course_id=None, lesson_id="l1", body=body)
    read = Record.from_dict(json.loads(r.canonical()))
    for record in (r, read, dataclasses.replace(read, seq=1)):
        assert record.signing_bytes() == canonical_bytes(record.unsigned_dict())
        assert record.body_text().encode() == canonical_bytes(record.body)
    read.verify(s.key.public)


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


# ----- protocol v2 ------------------------------------------------------------------------------
def _v2(signer: DeviceSigner, seq: int = 1, prev: str = GENESIS, body: dict[str, object] | None = None) -> Record:
    return make_record(signer, seq=seq, prev=prev, record_type="watch", course_id="c1", lesson_id="l1",
                       body=body if body is not None else {"segments_ms": [[0, 60000]], "elapsed_mono_ms": 60012},
                       v=V2)


def test_v2_signing_bytes_are_rfc_8785() -> None:
    """Written out by hand from RFC 8785: keys in UTF-16 order, integers as plain digits, the
    JSON escapes of section 3.2.2.2 (lower-case hex), '/' and non-ASCII left as they are."""
    value = {"b": [1, -2, 9007199254740991], "a": 'é\n\x01"\\/', "z": True, "n": None, "日": 0, "é": 1, "": []}
    assert canonical_bytes_v2(value) == '{"":[],"a":"é\\n\\u0001\\"\\\\/","b":[1,-2,9007199254740991],"n":null,' \
                                        '"z":true,"é":1,"日":0}'.encode()


@pytest.mark.parametrize("value", [{"x": 1.5}, {"x": 1.0}, {"x": [2**53]}, {"x": -(2**53)}, {"😀": 1},
                                   {"x": float("nan")}])
def test_v2_refuses_what_rfc_8785_might_write_otherwise(value: dict[str, object]) -> None:
    with pytest.raises(FormatError) as e:
        canonical_bytes_v2(value)
    assert e.value.code == "not_canonical"


def test_v2_record_round_trips_verifies_and_chains_after_v1_records() -> None:
    s = _signer()
    old = _chain(s, 2)  # v1 records already in an outbox
    new = _v2(s, seq=3, prev=old[-1].hash)
    assert new.v == 2 and new.to_dict()["v"] == 2 and "v" not in old[0].to_dict()
    assert new.signing_bytes() == canonical_bytes_v2(new.unsigned_dict())
    assert Record.from_json(new.canonical()) == new
    verify_chain([*old, new], s.key.public)


def test_the_version_is_signed() -> None:
    s = _signer()
    r = _v2(s)
    for tampered in (dataclasses.replace(r, v=1), dataclasses.replace(_chain(s, 1)[0], v=2)):
        with pytest.raises((IntegrityError, FormatError)):
            tampered.verify(s.key.public)


@pytest.mark.parametrize(("patch", "detail"), [({"v": 1}, "v must be 2"), ({"v": 3}, "v must be 2"),
                                               ({"v": True}, "v must be 2"), ({"v": "2"}, "v must be 2"),
                                               ({"body": {"segments_ms": [[0, 1.5]]}}, "integers only"),
                                               ({"seq": 2**53}, "at most 2^53 - 1")])
def test_malformed_v2_records_are_refused(patch: dict[str, object], detail: str) -> None:
    d = _v2(_signer()).to_dict() | patch
    with pytest.raises(FormatError) as e:
        Record.from_dict(d)
    assert e.value.code == "bad_field" and detail in e.value.detail


def test_the_v2_writer_writes_what_the_v1_writer_writes_for_the_v2_subset() -> None:
    """orjson writes the v2 bytes; for values of the v2 subset they are the json module's, which
    test_v2_signing_bytes_are_rfc_8785 checks against the RFC: every character of the BMP (the
    surrogates aside) in a key and in a value, every kind of value, nested."""
    bmp = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    for k in range(0, len(bmp), 512):
        part = bmp[k : k + 512]
        value = {f"k{c}": f"{c}x{c}" for c in part} | {"n": [0, -1, 2**53 - 1, -(2**53 - 1), None, True, False]}
        assert v2_bytes(value) == canonical_bytes(value)
    nested = {"b": [{"z": [[1, "😀"], {}], "a": None}, []], "a": {"é": {"日": "\u2028\x7f"}}, "": ""}
    assert v2_bytes(nested) == canonical_bytes(nested) == canonical_bytes_v2(nested)


def test_a_record_that_cannot_be_written_canonically_is_refused() -> None:
    d = _v2(_signer()).to_dict()
    for patch in ({"created_at": "2026-11-23T08:00:00\ud800Z"}, {"body": {"note": "\ud800"}}):
        with pytest.raises(FormatError) as e:
            Record.from_dict(d | patch)
        assert e.value.code == "not_canonical"
    with pytest.raises(FormatError) as e:
        Record.from_dict(_chain(_signer(), 1)[0].to_dict() | {"created_at": "\ud800"})
    assert e.value.code == "not_canonical"
