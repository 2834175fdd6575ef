"""Reading a record: the one-pass path for plain records decides and writes exactly what the
field-by-field checks decide and write, on random records near and across every boundary."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol import records
from sync.protocol.canonical import canonical_bytes, canonical_bytes_v2, check_v2_value
from sync.protocol.errors import FormatError
from sync.protocol.records import MAX_BODY_BYTES, V2, Record

_VALID = {
    "id": "7d0c1f9e-3b7a-4c2e-9a51-0e6b8f2d4c11", "device_id": "dev.1_a-B", "user_id": "u1", "seq": 3,
    "prev": "ab" * 32, "type": "watch", "course_id": "course-1", "lesson_id": "lesson-7",
    "body": {"segments_ms": [[0, 60000]], "wall_start": "2026-11-22T04:46:33.925Z", "completed": False},
    "created_at": "2026-12-03T18:26:13.938Z", "sig": "c2ln" * 22, "v": 2,
}

# strings around each field's pattern: the characters it allows, the line end and NUL its checks
# treat specially, quotes and escapes, non-ASCII, a lone surrogate, lengths across each limit
_chars = st.sampled_from(["a", "Z", "0", "9", ".", "_", "-", "f", " ", "\n", "\x00", '"', "\\", "/", "\x7f", "\x1f",
                          "é", "日", "😀", "\ud800", ":", "T", "+", "="])
_text = st.one_of(st.text(_chars, max_size=8), st.text(_chars, min_size=120, max_size=135),
                  st.sampled_from(["", "a" * 128, "a" * 129, "ab" * 32, "AB" * 32, "ab" * 32 + "\n", "a\n", "watch",
                                   "w" * 32, "w" * 33, "x" * 40, "x" * 41, "2026-12-03T18:26:13.938Z", "s" * 200,
                                   "s" * 201]))
_number = st.one_of(st.integers(-(2**53) - 2, 2**53 + 2), st.sampled_from([0, 1, -1, 2**53 - 1, 2**53, -(2**53 - 1),
                                                                           -(2**53), 2**64, True, False]),
                    st.floats(allow_nan=True), st.just(1.0))
_scalar = st.one_of(_number, _text, st.none(), st.booleans())
_key = st.one_of(st.text(_chars, max_size=6), st.sampled_from(["segments_ms", "😀", "é"]))
_value = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(_key, inner, max_size=3),
                                                       st.tuples(inner)), max_leaves=8)
_body = st.one_of(st.dictionaries(_key, _value, max_size=6), st.just({"x": "a" * (MAX_BODY_BYTES - 7)}),
                  st.just({"x": "a" * (MAX_BODY_BYTES - 6)}), _value)

_id = st.one_of(st.text("aZ09._-", min_size=1, max_size=130), _text)
_fields: dict[str, st.SearchStrategy[Any]] = {
    "id": _id, "device_id": _id, "user_id": _id, "course_id": st.one_of(st.none(), _id, _number),
    "lesson_id": st.one_of(st.none(), _id), "prev": st.one_of(st.text("0123456789abcdef", min_size=63, max_size=65),
                                                            _text),
    "type": st.one_of(st.text("az09_", min_size=1, max_size=33), _text), "created_at": st.one_of(_text, _number),
    "sig": st.one_of(_text, st.none()), "seq": _number, "body": _body, "v": st.one_of(_number, _text, st.none()),
}


def _outcome(read: Any, d: Any) -> tuple[str, Any]:
    try:
        r = read(d)
    except FormatError as exc:
        return "refused", (exc.code, exc.detail)
    return "read", (r, r.body_bytes(), r.signing_bytes(), r.hash, type(r.id), type(r.body))


def _field_by_field(d: Any) -> Record:
    return records._from_any_dict(Record, d)


@settings(max_examples=500, deadline=None)
@given(data=st.data(), v1=st.booleans(), changes=st.lists(st.sampled_from(sorted(_fields)), max_size=3),
       drop=st.sampled_from([*[""] * 3 * len(_VALID), *_VALID]),
       extra=st.sampled_from([None, None, None, "extra", "V"]))
def test_plain_and_field_by_field_reads_agree(data: st.DataObject, v1: bool, changes: list[str], drop: str,
                                              extra: str | None) -> None:
    d = {k: v for k, v in _VALID.items() if k != "v" or not v1}
    for name in changes:
        d[name] = data.draw(_fields[name], label=name)
    d.pop(drop, None)  # now and then a field is left out
    if extra is not None:
        d[extra] = 1
    plain, checked = _outcome(Record.from_dict, d), _outcome(_field_by_field, d)
    assert plain == checked
    if plain[0] == "read":
        r = plain[1][0]
        assert r.signing_bytes() == (canonical_bytes_v2 if r.v == V2 else canonical_bytes)(r.unsigned_dict())
        try:
            text = r.canonical()
        except UnicodeEncodeError:  # a sig with a lone surrogate: no JSON on the wire holds one
            return
        wire = json.loads(text)  # as the server reads it
        assert _outcome(Record.from_dict, wire) == _outcome(_field_by_field, wire)
        assert Record.from_dict(wire).signing_bytes() == r.signing_bytes()


def _reference_check(obj: Any, where: str = "value") -> None:
    """check_v2_value as first written: one call per value."""
    if type(obj) is dict:
        for key, item in obj.items():
            if type(key) is not str or not (key.isascii() or max(key) <= "\uffff"):
                raise FormatError("not_canonical", f"{where}: key {key!r} is not a string of the BMP")
            _reference_item(item, where)
    elif type(obj) is list:
        for item in obj:
            _reference_item(item, where)
    else:
        _reference_item(obj, where)


def _reference_item(obj: Any, where: str) -> None:
    kind = type(obj)
    if kind is str or kind is bool or obj is None:
        return
    if kind is int:
        if not -(2**53 - 1) <= obj <= 2**53 - 1:
            raise FormatError("not_canonical", f"{where}: integer {obj} is outside +-(2^53 - 1)")
        return
    if kind is list or kind is dict:
        _reference_check(obj, where)
        return
    if isinstance(obj, float):
        raise FormatError("not_canonical", f"{where}: {obj!r} is not an integer (v2 signs integers only)")
    raise FormatError("not_canonical", f"{where}: {type(obj).__name__} cannot be encoded as canonical JSON")


def _check(check: Any, value: Any) -> tuple[str, str] | None:
    try:
        check(value)
    except FormatError as exc:
        return exc.code, exc.detail
    return None


@settings(max_examples=400, deadline=None)
@given(value=_value)
def test_the_v2_check_decides_as_first_written_and_as_the_writers_agree(value: Any) -> None:
    refused = _check(check_v2_value, value)
    assert refused == _check(_reference_check, value)
    if refused is None:  # what passes is written by orjson as by the json module (or by neither)
        try:
            written: bytes | None = canonical_bytes_v2(value)
        except FormatError:
            written = None
        try:
            expected: bytes | None = canonical_bytes(value)
        except (FormatError, UnicodeEncodeError):
            expected = None
        assert written == expected


def test_a_record_that_is_not_a_dict_or_is_a_subclass_is_read_field_by_field() -> None:
    class Mapping(dict[str, Any]):
        pass

    for d in ([], None, "x"):
        assert _outcome(Record.from_dict, d) == _outcome(_field_by_field, d) == ("refused", (
            "bad_record", "a record must be a JSON object"))
    assert Record.from_dict(Mapping(_VALID)) == Record.from_dict(dict(_VALID))


def test_a_record_read_in_one_pass_is_a_frozen_record_like_any_other() -> None:
    r = Record.from_dict(dict(_VALID))
    assert type(r) is Record and r == _field_by_field(dict(_VALID))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.seq = 4  # type: ignore[misc]
    changed = dataclasses.replace(r, seq=4)
    assert changed.seq == 4 and changed.signing_bytes() == canonical_bytes_v2(changed.unsigned_dict())
