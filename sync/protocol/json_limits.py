"""Bounded JSON parsing: untrusted bytes are measured before any Python object is built.

Python's json module builds the whole tree in one go and recurses once per nesting level, so a
small input can cost gigabytes of objects (millions of tiny ones), a RecursionError (deep
nesting), seconds of CPU (int() on a huge literal), or values the rest of the code cannot
handle (a lone surrogate that no longer encodes to UTF-8, NaN, a duplicate key that silently
drops a value). ``parse_bounded`` first measures the bytes with regex and bytes operations
that run at C speed and build no Python objects per value, refuses what exceeds the caller's
``JsonLimits``, and only then parses, refusing duplicate keys and non-finite numbers as it goes.

Every refusal is a FormatError with a stable code:

    too_large         more bytes than the limit
    string_too_long   one string literal longer than the limit
    too_many_values   more values and object keys than the limit, counted together
    number_too_long   one number literal longer than the limit
    too_deep          arrays and objects nested deeper than the limit
    bad_unicode       a lone UTF-16 surrogate escape (the string would not encode to UTF-8)
    bad_number        NaN, Infinity, or a literal too large for a float
    duplicate_key     an object names the same key twice
    malformed_json    anything else that is not JSON (undecodable UTF-8 included)

Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from typing import Any, NoReturn

from sync.protocol.errors import FormatError


@dataclass(frozen=True, slots=True)
class JsonLimits:
    """What one kind of document may hold. Sizes are bytes of the document as written."""

    max_bytes: int
    max_values: int
    """Values plus object keys. An upper bound is counted: every comma, colon and opening bracket."""
    max_string_bytes: int
    """One string literal between its quotes, in bytes as written; a backslash and the byte after it
    count as one, so a string full of escapes may take up to twice this many bytes."""
    max_depth: int = 32
    max_number_chars: int = 40
    """A float's repr is at most 24 characters; 40 leaves room for any honest integer."""


# A string literal, bounded so that a longer one is left unmatched. Without any backslash in the
# document a string cannot hold an escaped quote, and the one-character-class form is several
# times faster; otherwise escapes are read two bytes at a time, exactly as the parser reads them.
_PLAIN_STRING = r'"[^"]{0,%d}"'
_ESCAPED_STRING = r'"(?:[^"\\]|\\.){0,%d}"'
_ANY_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRING_PLACEHOLDER = b"s"  # neither a quote, a bracket, a separator nor part of a number
# Number characters become "0" and everything else a space, so one bytes search finds a long literal.
_NUMBERS_ONLY = bytes(ord("0") if chr(b) in "-+0123456789.eE" else ord(" ") for b in range(256))
_LARGE_EXPONENT_HINT = re.compile(rb"[eE]\+?0*[1-9][0-9]{2}")
_LARGE_EXPONENT = re.compile(rb"-?[0-9][0-9.]*[eE]\+?0*[1-9][0-9]{2,}")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# Once every escaped backslash is blanked out, every backslash left starts an escape. A high
# surrogate escape not followed by a low one, or a low one not preceded by a high one, is lone.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


@functools.lru_cache(maxsize=32)
def _bounded_string(max_string_bytes: int, escapes: bool) -> re.Pattern[bytes]:
    template = _ESCAPED_STRING if escapes else _PLAIN_STRING
    return re.compile((template % max_string_bytes).encode("ascii"), re.DOTALL)


def _refuse(code: str, what: str, detail: str) -> NoReturn:
    raise FormatError(code, f"{what} {detail}")


def scan(data: bytes, what: str, limits: JsonLimits) -> None:
    """Refuse ``data`` if it breaks ``limits``; builds no per-value Python objects.

    Strings are replaced by a placeholder first, so the brackets, separators and digits that
    remain are the document's structure. For invalid JSON the scan may name a limit rather
    than ``malformed_json``; it never lets through anything the parse would recurse on deeper
    than the limit, because it reads strings exactly as the parser does up to the first error.
    """
    if len(data) > limits.max_bytes:
        _refuse("too_large", what, f"is larger than {limits.max_bytes} bytes")
    # Every string is a value or a key. Counting quotes first refuses a flood of tiny strings
    # before the regex below spends time on each one; every backslash-quote pair is subtracted
    # as if escaped, so this stays a lower bound.
    if (data.count(b'"') - data.count(b'\\"')) // 2 > limits.max_values:
        _refuse("too_many_values", what, f"has more than {limits.max_values} values")
    skeleton = _bounded_string(limits.max_string_bytes, b"\\" in data).sub(_STRING_PLACEHOLDER, data)
    if b'"' in skeleton:
        if b'"' in _ANY_STRING.sub(_STRING_PLACEHOLDER, data):
            _refuse("malformed_json", what, "is not valid JSON: a string is not closed")
        _refuse("string_too_long", what, f"has a string longer than {limits.max_string_bytes} bytes")
    values = skeleton.count(b",") + skeleton.count(b":") + skeleton.count(b"[") + skeleton.count(b"{") + 1
    if values > limits.max_values:
        _refuse("too_many_values", what, f"has more than {limits.max_values} values")
    if b"0" * (limits.max_number_chars + 1) in skeleton.translate(_NUMBERS_ONLY):
        _refuse("number_too_long", what, f"has a number longer than {limits.max_number_chars} characters")
    if _LARGE_EXPONENT_HINT.search(skeleton):
        for m in _LARGE_EXPONENT.finditer(skeleton):
            try:
                infinite = math.isinf(float(m.group()))
            except ValueError:
                infinite = False  # not a number at all: the parse refuses it
            if infinite:
                _refuse("bad_number", what, "has a number too large for a float")
    _check_depth(skeleton.translate(_BRACKETS, _NOT_BRACKETS), what, limits.max_depth)
    if _SURROGATE_ESCAPE.search(data) and _LONE_SURROGATE.search(data.replace(b"\\\\", b"..")):
        _refuse("bad_unicode", what, "has a lone UTF-16 surrogate in a string")


def _check_depth(brackets: bytes, what: str, max_depth: int) -> None:
    """``brackets`` holds only ``[`` and ``]``. Each replace pass removes exactly the innermost
    pairs (bytes.replace does not rescan what it produced), so the string is empty after
    ``max_depth`` passes exactly when nothing is nested deeper."""
    if b"[" * (max_depth + 1) in brackets:
        _refuse("too_deep", what, f"nests arrays and objects deeper than {max_depth} levels")
    for _ in range(max_depth):
        if not brackets:
            return
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            _refuse("malformed_json", what, "is not valid JSON: brackets do not match")
        brackets = shorter
    if brackets:
        _refuse("too_deep", what, f"nests arrays and objects deeper than {max_depth} levels")


def parse_bounded(data: bytes, what: str, limits: JsonLimits) -> Any:
    """Scan ``data`` against ``limits``, then parse it; every refusal is a FormatError."""
    scan(data, what, limits)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError("malformed_json", f"{what} is not valid JSON: {exc}") from exc

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    _refuse("duplicate_key", what, f"names the key {key!r} twice in one object")
                seen.add(key)
        return obj

    def no_constant(name: str) -> NoReturn:
        _refuse("bad_number", what, f"has {name}, which is not a JSON number")

    try:
        return json.loads(text, object_pairs_hook=unique_keys, parse_constant=no_constant)
    except (ValueError, RecursionError) as exc:
        raise FormatError("malformed_json", f"{what} is not valid JSON: {exc}") from exc
