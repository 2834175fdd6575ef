"""Signed, hash-chained progress records: the one definition shared by client and server.

A record is one entry of an append-only chain per device and user. Its *signing bytes* are
the canonical JSON of every field except ``sig``; ``sig`` is the device's Ed25519 signature of
those bytes; its *hash* is the sha256 of those bytes, and the next record's ``prev`` is that hash.
The first record of a chain has ``prev == GENESIS``.
Because the signature covers ``prev`` and ``seq``, editing, reordering or dropping a record
breaks either a signature or the chain.

Protocol versions: a v2 record carries ``"v": 2`` among its signed fields and its signing
bytes are RFC 8785 (``canonical_bytes_v2``: integers only, so a v2 watch body counts
milliseconds). A record without ``v`` is v1 and verifies with the v1 canonical form, so
records signed before v2 existed keep syncing and verifying. No other ``v`` is accepted: one
record has one encoding.

Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import base64
import binascii
import operator
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sync.protocol.canonical import (
    MAX_SAFE_INTEGER,
    canonical_bytes,
    canonical_bytes_v2,
    check_v2_value,
    parse_json_object,
    sha256_hex,
    v2_bytes,
)
from sync.protocol.errors import FormatError, IntegrityError
from sync.protocol.json_limits import JsonLimits
from sync.protocol.keys import PrivateKey, PublicKey

GENESIS = "0" * 64
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_PLAIN_FIELDS = operator.itemgetter("id", "device_id", "user_id", "course_id", "lesson_id", "prev", "type",
                                    "created_at")
_PLAIN_ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_PLAIN = re.compile("\x00".join((*[_PLAIN_ID] * 5, "[0-9a-f]{64}", "[a-z][a-z0-9_]{0,31}", r'[ !#-\[\]-~]{0,40}')))
"""The ``_PLAIN_FIELDS`` of a plain record joined by NUL, which none of them holds then: each as its own
check above accepts it, but without the line end those checks let through at the end, and a
``created_at`` of printable ASCII without a quote or a backslash (JSON writes it as it is)."""
_FIELDS = ("id", "device_id", "user_id", "seq", "prev", "type", "course_id", "lesson_id", "body", "created_at", "sig")
_OPTIONAL = ("v",)
_REQUIRED = frozenset(_FIELDS)
_KNOWN = frozenset((*_FIELDS, *_OPTIONAL))
V1, V2 = 1, 2
"""Record protocol versions: v1 (no ``v`` field, v1 canonical form), v2 (``"v": 2``, RFC 8785)."""
MAX_BODY_BYTES = 64 * 1024
# One record as JSON: its body plus about 600 bytes of ids, hashes and signature.
RECORD_LIMITS = JsonLimits(max_bytes=2 * MAX_BODY_BYTES, max_values=MAX_BODY_BYTES, max_string_bytes=MAX_BODY_BYTES)


def utc_now() -> str:
    """Wall-clock time for reports only, ISO 8601 UTC with milliseconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Signer(Protocol):
    """Who signs records: one device key bound to one user."""

    @property
    def device_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def public_key(self) -> PublicKey: ...

    def sign(self, data: bytes) -> str: ...


@dataclass(frozen=True, slots=True)
class DeviceSigner:
    device_id: str
    user_id: str
    key: PrivateKey = field(repr=False)

    @property
    def public_key(self) -> PublicKey:
        return self.key.public

    def sign(self, data: bytes) -> str:
        return self.key.sign(data)


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    device_id: str
    user_id: str
    seq: int
    prev: str
    type: str
    course_id: str | None
    lesson_id: str | None
    body: dict[str, Any]
    created_at: str
    sig: str = ""
    v: int = V1
    # the body's canonical bytes and the signing bytes, each made once when first needed (the body is
    # never changed in place: a changed record is a new Record, built without them)
    _body: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _signing: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def unsigned_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "device_id": self.device_id,
            "user_id": self.user_id,
            "seq": self.seq,
            "prev": self.prev,
            "type": self.type,
            "course_id": self.course_id,
            "lesson_id": self.lesson_id,
            "body": self.body,
            "created_at": self.created_at,
        }
        if self.v != V1:
            d["v"] = self.v
        return d

    def to_dict(self) -> dict[str, Any]:
        return {**self.unsigned_dict(), "sig": self.sig}

    def body_bytes(self) -> bytes:
        """The body's canonical bytes: the v1 form, or RFC 8785 for a v2 record (the same text for a
        body of integers, strings and booleans)."""
        if self._body is None:
            object.__setattr__(self, "_body", v2_bytes(self.body) if self.v == V2 else canonical_bytes(self.body))
        assert self._body is not None
        return self._body

    def body_text(self) -> str:
        """The body's canonical JSON (what a record table stores)."""
        return self.body_bytes().decode()

    def signing_bytes(self) -> bytes:
        """What the signature covers: v1 canonical JSON, or RFC 8785 for a v2 record. A v2 body is
        checked to lie in RFC 8785's integer subset where records are made (``make_record``) and
        read (``from_dict``), not again here: bytes of an unchecked body match no signature.

        Built from the body's canonical bytes, made once per record: "body" sorts before every
        other key, so the canonical form of the whole is the body's followed by the rest's."""
        if self._signing is None:
            rest: dict[str, Any] = {"id": self.id, "device_id": self.device_id, "user_id": self.user_id,
                                    "seq": self.seq, "prev": self.prev, "type": self.type,
                                    "course_id": self.course_id, "lesson_id": self.lesson_id,
                                    "created_at": self.created_at}
            if self.v != V1:
                rest["v"] = self.v
            tail = v2_bytes(rest) if self.v == V2 else canonical_bytes(rest)
            object.__setattr__(self, "_signing", b'{"body":' + self.body_bytes() + b"," + tail[1:])
        assert self._signing is not None
        return self._signing

    def canonical(self) -> bytes:
        """The full record (with ``sig``) in canonical form: what is stored and compared."""
        return canonical_bytes(self.to_dict())

    @property
    def hash(self) -> str:
        """sha256 of the signing bytes; the next record's ``prev``."""
        return sha256_hex(self.signing_bytes())

    def verify(self, key: PublicKey) -> None:
        """Raise IntegrityError("bad_signature") unless ``key`` signed this record."""
        key.verify(self.sig, self.signing_bytes())

    @classmethod
    def from_dict(cls, d: Any) -> Record:
        """Build and validate a record from untrusted data; FormatError names the bad field."""
        record = _from_plain_dict(cls, d) if type(d) is dict else None
        return record if record is not None else _from_any_dict(cls, d)

    @classmethod
    def from_json(cls, data: bytes) -> Record:
        return cls.from_dict(parse_json_object(data, "record", RECORD_LIMITS))


class _Unsealed:
    """The slots of a Record, laid out as a Record's, without the frozen dataclass's ``__setattr__``: a
    record read in one pass is filled in here, then its class is made Record (and it is frozen)."""

    __slots__ = Record.__slots__


def _from_plain_dict(cls: type[Record], d: dict[str, Any]) -> Record | None:
    """The record of ``d`` when it is a plain one, checked in one pass; None when ``d`` is not plain
    (``_from_any_dict`` then checks it field by field and names what is wrong).

    Plain: every id, ``prev``, ``type`` and ``created_at`` a string that ``_PLAIN`` matches (each
    accepted by its own check, and none holding a character JSON escapes), a whole ``seq``, a
    ``body`` of the version's subset. Such a record is accepted by ``_from_any_dict`` too, and has
    the same fields and bytes there: its signed fields besides the body are written as they are."""
    if cls is not Record:
        return None
    try:  # as many keys as the fields of its version, each of them there: exactly those keys
        if len(d) == len(_FIELDS):
            v = V1
        elif len(d) == len(_KNOWN) and type(d["v"]) is int and d["v"] == V2:
            v = V2
        else:
            return None
        fields = _PLAIN_FIELDS(d)
        seq, body, sig = d["seq"], d["body"], d["sig"]
    except KeyError:
        return None
    if (type(seq) is not int or seq < 1 or (v == V2 and seq > MAX_SAFE_INTEGER) or type(body) is not dict
            or type(sig) is not str or len(sig) > 200):
        return None
    try:
        if _PLAIN.fullmatch("\x00".join(fields)) is None:
            return None
    except TypeError:  # a field that is not a string (a course_id or lesson_id of None, say)
        return None
    body_bytes = _plain_body_bytes(body, v)
    if body_bytes is None:
        return None
    rid, device_id, user_id, course_id, lesson_id, prev, record_type, created_at = fields
    # "body" sorts before every other key, so the canonical form of the whole is the body's followed by
    # the rest's; each of the rest is written as it is, in the order of its key
    tail = "".join((',"course_id":"', course_id, '","created_at":"', created_at, '","device_id":"', device_id,
                    '","id":"', rid, '","lesson_id":"', lesson_id, '","prev":"', prev, '","seq":', str(seq),
                    ',"type":"', record_type, '","user_id":"', user_id, '","v":2}' if v == V2 else '"}'))
    # every field set as the dataclass's __init__ sets them, with the canonical bytes; set on an
    # _Unsealed, then made the Record it is laid out as: a call less per field than __init__
    record: Any = _Unsealed()
    record.id = rid
    record.device_id = device_id
    record.user_id = user_id
    record.seq = seq
    record.prev = prev
    record.type = record_type
    record.course_id = course_id
    record.lesson_id = lesson_id
    record.body = body
    record.created_at = created_at
    record.sig = sig
    record.v = v
    record._body = body_bytes
    record._signing = b'{"body":' + body_bytes + tail.encode()
    record.__class__ = Record
    sealed: Record = record
    return sealed


def _plain_body_bytes(body: dict[str, Any], v: int) -> bytes | None:
    """The canonical bytes of a body that is in its version's subset and not too large, else None."""
    try:
        if v == V2:
            check_v2_value(body)
            data = v2_bytes(body)
        else:
            data = canonical_bytes(body)
    except (FormatError, UnicodeEncodeError):
        return None
    return data if len(data) <= MAX_BODY_BYTES else None


def _from_any_dict(cls: type[Record], d: Any) -> Record:
    """``Record.from_dict`` field by field: the first fault raises its FormatError."""
    if not isinstance(d, dict):
        raise FormatError("bad_record", "a record must be a JSON object")
    if not _REQUIRED.issubset(d):
        missing = [k for k in _FIELDS if k not in d]
        raise FormatError("missing_field", f"record lacks {', '.join(missing)}")
    if not _KNOWN.issuperset(d):
        extra = sorted(set(d) - _KNOWN)
        raise FormatError("bad_field", f"record has unknown fields {', '.join(extra)}")
    _check_ids(d)
    seq = d["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise FormatError("bad_field", "seq must be a whole number >= 1")
    if not isinstance(d["prev"], str) or not _HEX64.match(d["prev"]):
        raise FormatError("bad_field", "prev must be 64 lowercase hex digits")
    if not isinstance(d["type"], str) or not _TYPE.match(d["type"]):
        raise FormatError("bad_field", "type must be a short lowercase word")
    if not isinstance(d["body"], dict):
        raise FormatError("bad_field", "body must be a JSON object")
    if not isinstance(d["created_at"], str) or len(d["created_at"]) > 40:
        raise FormatError("bad_field", "created_at must be an ISO 8601 time")
    if not isinstance(d["sig"], str) or len(d["sig"]) > 200:
        raise FormatError("bad_field", "sig must be a base64 signature")
    record = cls(d["id"], d["device_id"], d["user_id"], seq, d["prev"], d["type"], d["course_id"], d["lesson_id"],
                 d["body"], d["created_at"], d["sig"], _version(d))
    try:  # its canonical bytes, made once here: the body's size, and a record that has none is refused
        if len(record.body_bytes()) > MAX_BODY_BYTES:
            raise FormatError("bad_field", "body is too large")
        record.signing_bytes()
    except UnicodeEncodeError as exc:  # a lone surrogate in a v1 record
        raise FormatError("not_canonical", f"record cannot be encoded as canonical JSON: {exc}") from exc
    return record


def _version(d: dict[str, Any]) -> int:
    """The record's protocol version; a v2 body must lie in the RFC 8785 integer subset, and so must
    its seq (a whole number >= 1 already)."""
    if "v" not in d:
        return V1
    if isinstance(d["v"], bool) or d["v"] != V2:
        raise FormatError("bad_field", "v must be 2 (a v1 record has no v)")
    try:
        check_v2_value(d["body"])
    except FormatError as exc:
        raise FormatError("bad_field", f"a v2 body holds integers only: {exc.detail}") from exc
    if d["seq"] > MAX_SAFE_INTEGER:
        raise FormatError("bad_field", "the seq of a v2 record is at most 2^53 - 1")
    return V2


def _check_ids(d: dict[str, Any]) -> None:
    match = _ID.match
    for k in ("id", "device_id", "user_id", "course_id", "lesson_id"):
        value = d[k]
        if type(value) is not str or not match(value):
            if value is None and k in ("course_id", "lesson_id"):
                continue
            _check_id(value, k)


def _check_id(value: Any, name: str) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise FormatError("bad_id", f"{name} must be 1-128 letters, digits, '.', '_' or '-'")


def make_record(
    signer: Signer,
    *,
    seq: int,
    prev: str,
    record_type: str,
    course_id: str | None,
    lesson_id: str | None,
    body: dict[str, Any],
    created_at: str | None = None,
    record_id: str | None = None,
    v: int = V1,
) -> Record:
    """Build and sign the next record of ``signer``'s chain (validated like untrusted input);
    ``v`` is the protocol version (a v2 body must hold integers only)."""
    if v == V2:
        canonical_bytes_v2(body)  # refused before anything is signed
    unsigned = Record(
        id=record_id or str(uuid.uuid4()),
        device_id=signer.device_id,
        user_id=signer.user_id,
        seq=seq,
        prev=prev,
        type=record_type,
        course_id=course_id,
        lesson_id=lesson_id,
        body=body,
        created_at=created_at or utc_now(),
        v=v,
    )
    return Record.from_dict({**unsigned.unsigned_dict(), "sig": signer.sign(unsigned.signing_bytes())})


class RecordVerifier:
    """Verifies many records of one device fast: the key is parsed once, signing bytes built once."""

    __slots__ = ("_key",)

    def __init__(self, key: PublicKey) -> None:
        self._key = Ed25519PublicKey.from_public_bytes(key.raw)

    def verify(self, r: Record, signing_bytes: bytes) -> bool:
        try:
            self._key.verify(base64.b64decode(r.sig, validate=True), signing_bytes)
        except (binascii.Error, ValueError, InvalidSignature):
            return False
        return True


def verify_chain(records: list[Record], key: PublicKey, *, start_seq: int = 1, start_prev: str = GENESIS) -> None:
    """Check signatures and links of a contiguous run of one chain; IntegrityError on the first fault."""
    seq, prev = start_seq, start_prev
    for r in records:
        r.verify(key)
        if r.seq != seq:
            raise IntegrityError("gap", f"record {r.id} has seq {r.seq}, expected {seq}")
        if r.prev != prev:
            raise IntegrityError("broken_chain", f"record {r.id} does not link to the record before it")
        seq, prev = seq + 1, r.hash
