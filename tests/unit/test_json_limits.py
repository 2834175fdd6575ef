"""The bounded JSON parser: every limit refuses with its own code, right at the limit and not before."""

from __future__ import annotations

import json

import pytest

from sync.protocol.canonical import parse_json_object
from sync.protocol.errors import FormatError
from sync.protocol.json_limits import JsonLimits, parse_bounded

LIMITS = JsonLimits(max_bytes=4096, max_values=100, max_string_bytes=20, max_depth=4, max_number_chars=10)


def refused(data: bytes, limits: JsonLimits = LIMITS) -> str:
    with pytest.raises(FormatError) as info:
        parse_bounded(data, "doc", limits)
    assert info.value.detail.startswith("doc ")
    return info.value.code


def test_honest_document_parses_like_json_loads() -> None:
    doc = (b'{"a":[1,-2.5e-3,{"b":"x\\"y[[[{{"}],"c":"\\ud83d\\ude00","d":"\\\\ud800","e":null,'
           b'"f":true,"g":"\xe4\xb8\xad\xe6\x96\x87","h":1e-400}')
    assert parse_bounded(doc, "doc", LIMITS) == json.loads(doc)


def test_size() -> None:
    assert refused(b"[" + b"0," * 2100 + b"0]") == "too_large"
    assert parse_bounded(b"[" + b" " * 4094 + b"]", "doc", LIMITS) == []


def test_depth_is_counted_exactly_and_before_parsing() -> None:
    assert parse_bounded(b'{"a":[{"b":[1]}]}', "doc", LIMITS) == {"a": [{"b": [1]}]}
    assert refused(b'{"a":[{"b":[[1]]}]}') == "too_deep"
    assert refused(b"[" * 5 + b"]" * 5) == "too_deep"
    assert refused(b"[[]," * 4 + b"[[[[]]]]" + b"]" * 4) == "too_deep"  # deep in the middle, not in one run
    big = JsonLimits(max_bytes=1 << 20, max_values=1 << 20, max_string_bytes=20)
    assert refused(b"[" * 100_000 + b"]" * 100_000, big) == "too_deep"  # json.loads would raise RecursionError
    assert refused(b'["[[[[[[",' * 3 + b"1]") == "malformed_json"  # brackets in strings are not structure


def test_values_and_keys_are_counted() -> None:
    assert parse_bounded(b"[" + b"0," * 98 + b"0]", "doc", LIMITS) == [0] * 99  # 99 values and the array
    assert refused(b"[" + b"0," * 99 + b"0]") == "too_many_values"
    assert refused(b"[" + b'"",' * 99 + b'""]') == "too_many_values"
    assert refused(b"{" + b",".join(b'"k%d":{}' % i for i in range(34)) + b"}") == "too_many_values"
    assert parse_bounded(b'["a,b:c[{", "' + b"," * 19 + b'"]', "doc", LIMITS)  # separators inside strings don't count


def test_string_length() -> None:
    assert parse_bounded(b'["' + b"x" * 20 + b'"]', "doc", LIMITS) == ["x" * 20]
    assert refused(b'["' + b"x" * 21 + b'"]') == "string_too_long"
    assert refused(b'{"' + b"k" * 21 + b'":1}') == "string_too_long"
    assert parse_bounded(b'["\\n' + b"x" * 19 + b'"]', "doc", LIMITS) == ["\n" + "x" * 19]  # an escape counts once
    assert refused(b'["\\n' + b"x" * 20 + b'"]') == "string_too_long"
    assert refused(b'["unterminated') == "malformed_json"


def test_number_literal_length() -> None:
    assert parse_bounded(b"[1234567890,-1.2345678]", "doc", LIMITS) == [1234567890, -1.2345678]
    assert refused(b"[12345678901]") == "number_too_long"
    big = JsonLimits(max_bytes=1 << 20, max_values=100, max_string_bytes=20)
    assert refused(b"[" + b"9" * 5000 + b"]", big) == "number_too_long"  # int() would refuse it with a ValueError


@pytest.mark.parametrize("doc", [b"[NaN]", b"[Infinity]", b"[-Infinity]", b"[1e400]", b"[-2.5E+309]"])
def test_non_finite_numbers(doc: bytes) -> None:
    assert refused(doc) == "bad_number"


def test_duplicate_keys_at_any_depth() -> None:
    assert refused(b'{"a":1,"a":2}') == "duplicate_key"
    assert refused(b'{"x":[{"b":1,"c":2,"b":1}]}') == "duplicate_key"
    assert parse_bounded(b'{"a":{"a":1}}', "doc", LIMITS) == {"a": {"a": 1}}


@pytest.mark.parametrize("doc", [b'["\\ud800"]', b'["\\uDBFFx"]', b'["\\udc00"]', b'["\\ud800\\ud800\\udc00"]',
                                 b'["\\ud800\\\\\\udc00"]', b'{"\\ud800":1}'])
def test_lone_surrogates(doc: bytes) -> None:
    assert refused(doc) == "bad_unicode"


def test_paired_and_literal_surrogate_text_is_fine() -> None:
    assert parse_bounded(b'["\\ud800\\udc00", "\\\\ud800"]', "doc", LIMITS) == ["\U00010000", "\\ud800"]


@pytest.mark.parametrize("doc", [b"", b"{", b'{"a" 1}', b"[1,]", b"\xff\xfe[]", b'["\xed\xa0\x80"]', b"[1] [2]",
                                 b"[}", b"]["])
def test_malformed(doc: bytes) -> None:
    assert refused(doc) == "malformed_json"


def test_parse_json_object_wants_an_object() -> None:
    with pytest.raises(FormatError) as info:
        parse_json_object(b"[1]", "doc", LIMITS)
    assert info.value.code == "malformed_json"
    assert parse_json_object(b'{"a":1}', "doc", LIMITS) == {"a": 1}
