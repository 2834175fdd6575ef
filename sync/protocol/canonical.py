r"""Canonical JSON: the one byte form that is hashed and signed.

UTF-8, keys sorted, no insignificant whitespace, no NaN/Infinity. Both the client and
the server use this module, so a signature made on one side verifies on the other.

Two forms, one per record protocol version:

- ``canonical_bytes`` (protocol v1): Python's ``json.dumps`` with sorted keys and compact
  separators. Floats are written the way Python's ``repr`` writes them, which no published
  spec fixes; v1 records keep verifying with exactly this form.
- ``canonical_bytes_v2`` (protocol v2): the same writer, but the value may hold only integers
  (within +-(2^53 - 1)), strings, booleans, null, arrays and objects whose keys are in the Basic
  Multilingual Plane. For such values these bytes ARE the RFC 8785 (JSON Canonicalization
  Scheme) serialization: RFC 8785 writes an integer-valued number in this range as its plain
  decimal digits (ECMAScript Number.toString), escapes strings exactly as ``json.dumps`` does
  with ``ensure_ascii=False`` (the two-character escapes for quote, backslash, backspace, form
  feed, newline, return and tab, ``\u00xx`` in lower case for other controls, everything else
  as UTF-8), and sorts keys by UTF-16 code units, which is code point order when no key holds
  a character outside the BMP. So any RFC 8785 implementation, in any language, reproduces
  the signed bytes, with no float formatting to agree on. A value outside that subset is
  refused (``not_canonical``) rather than signed in a form another implementation might write
  differently. These bytes are written by orjson, which writes that subset exactly as ``json``
  does above (tests/unit/test_records.py compares the two over every BMP character), several
  times faster: the server writes them for every record it receives.

Must not import Qt or anything from client/ or server/.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

from sync.protocol.errors import FormatError
from sync.protocol.json_limits import JsonLimits, parse_bounded

_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
"""One encoder for every call (it keeps no state between calls): ``json.dumps`` with these options
would build a new one each time, which costs as much as encoding a small record."""


def canonical_text(obj: Any) -> str:
    """The canonical JSON of ``obj`` as text (``canonical_bytes`` before UTF-8 encoding)."""
    try:
        return _ENCODER.encode(obj)
    except (TypeError, ValueError) as exc:
        raise FormatError("not_canonical", f"value cannot be encoded as canonical JSON: {exc}") from exc


def canonical_bytes(obj: Any) -> bytes:
    """Return the canonical UTF-8 JSON encoding of ``obj``."""
    return canonical_text(obj).encode("utf-8")


MAX_SAFE_INTEGER = 2**53 - 1
"""Largest integer RFC 8785 (IEEE 754 doubles) writes exactly; v2 values stay within +-this."""


def check_v2_value(obj: Any, where: str = "value") -> None:
    """FormatError("not_canonical") unless ``obj`` lies in the subset where the v2 form is RFC 8785."""
    # strings, booleans, null and integers in range are passed over here, everything else is left to
    # _check_v2_item: the same checks without a call for each of the many plain values of a body
    kind = type(obj)
    if kind is dict:
        for key, item in obj.items():
            if type(key) is not str or not (key.isascii() or max(key) <= "\uffff"):
                raise FormatError("not_canonical", f"{where}: key {key!r} is not a string of the BMP")
            kind = type(item)
            if kind is int:
                if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    continue
            elif kind is str or kind is bool or item is None:
                continue
            _check_v2_item(item, where)
    elif kind is list:
        for item in obj:
            kind = type(item)
            if kind is int:
                if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    continue
            elif kind is str or kind is bool or item is None:
                continue
            _check_v2_item(item, where)
    else:
        _check_v2_item(obj, where)


def _check_v2_item(obj: Any, where: str) -> None:
    kind = type(obj)
    if kind is str or kind is bool or obj is None:
        return
    if kind is int:
        if not -MAX_SAFE_INTEGER <= obj <= MAX_SAFE_INTEGER:
            raise FormatError("not_canonical", f"{where}: integer {obj} is outside +-(2^53 - 1)")
        return
    if kind is list or kind is dict:
        check_v2_value(obj, where)
        return
    if isinstance(obj, float):
        raise FormatError("not_canonical", f"{where}: {obj!r} is not an integer (v2 signs integers only)")
    raise FormatError("not_canonical", f"{where}: {type(obj).__name__} cannot be encoded as canonical JSON")


def canonical_bytes_v2(obj: Any) -> bytes:
    """The RFC 8785 bytes of ``obj``, which must hold integers only (see the module text)."""
    check_v2_value(obj)
    return v2_bytes(obj)


def v2_bytes(obj: Any) -> bytes:
    """``canonical_bytes_v2`` of a value ``check_v2_value`` already passed (also of one that holds
    only strings, integers within +-(2^53 - 1) and null at its top level, as a record's signed
    fields besides its body do)."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except TypeError as exc:  # orjson.JSONEncodeError: a lone surrogate, say
        raise FormatError("not_canonical", f"value cannot be encoded as canonical JSON: {exc}") from exc


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_json_object(data: bytes, what: str, limits: JsonLimits) -> dict[str, Any]:
    """Parse untrusted ``data`` as a JSON object within ``limits`` (sync.protocol.json_limits),
    raising FormatError with ``what`` named on failure."""
    value = parse_bounded(data, what, limits)
    if not isinstance(value, dict):
        raise FormatError("malformed_json", f"{what} must be a JSON object")
    return value
