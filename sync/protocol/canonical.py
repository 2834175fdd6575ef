"""Canonical JSON: the one byte form that is hashed and signed.

UTF-8, keys sorted, no insignificant whitespace, no NaN/Infinity. Both the client and
the server use this module, so a signature made on one side verifies on the other.
Must not import Qt or anything from client/ or server/.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sync.protocol.errors import FormatError
from sync.protocol.json_limits import JsonLimits, parse_bounded


def canonical_bytes(obj: Any) -> bytes:
    """Return the canonical UTF-8 JSON encoding of ``obj``."""
    try:
        text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise FormatError("not_canonical", f"value cannot be encoded as canonical JSON: {exc}") from exc
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_json_object(data: bytes, what: str, limits: JsonLimits) -> dict[str, Any]:
    """Parse untrusted ``data`` as a JSON object within ``limits`` (sync.protocol.json_limits),
    raising FormatError with ``what`` named on failure."""
    value = parse_bounded(data, what, limits)
    if not isinstance(value, dict):
        raise FormatError("malformed_json", f"{what} must be a JSON object")
    return value
