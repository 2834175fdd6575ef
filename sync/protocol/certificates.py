"""Certificates (学时证明, 结业证书) as a compact signed payload that anyone can verify offline.

The payload is a CBOR Web Token (RFC 8392) signed as a COSE_Sign1 message (RFC 9052) with
Ed25519 (EdDSA, algorithm -8), the same layout the EU digital COVID certificates use:

- protected header ``{1: -8, 4: kid}``, where kid is the 8 bytes of the issuer key's id
  (``PublicKey.key_id``, the first 16 hex digits of the sha256 of the raw public key);
- claims ``{1: issuer name, 6: issued at (seconds), -65537: {...}}``, the private claim holding
  the certificate itself: ``v`` (format 1), ``sn`` serial, ``k`` kind ("hours" 学时证明 or
  "class" 结业证书), ``pid`` the person's id, ``n`` their name, then for a year's hours ``y``
  year and ``h`` total, ``hr`` required, ``he`` elective (decimal strings), or for a class
  ``c`` class code, ``cn`` class name, ``h`` hours, ``s`` class score (decimal strings).

The text form is ``SD1:`` + Base45 (RFC 9285) of the zlib-compressed COSE message: only the
characters of a QR code's alphanumeric mode, so the code stays small. A verifier needs only
the pinned issuer keys (the site's publisher keys) and the issuer's revocation list: a
document signed like the catalog (canonical JSON, Ed25519), listing revoked serials.

The signature covers the COSE Sig_structure ``["Signature1", protected, b"", payload]``,
never canonical JSON, so a certificate signature can never pass as a manifest's or the
reverse. Every input is bounded before it is decoded. Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sync.protocol.canonical import canonical_bytes, parse_json_object
from sync.protocol.errors import FormatError, IntegrityError
from sync.protocol.json_limits import JsonLimits
from sync.protocol.keys import PrivateKey, PublicKey, verify_signed_document
from sync.protocol.rules_file import plain

PREFIX = "SD1:"
FORMAT_VERSION = 1
MAX_TEXT_CHARS = 4096
"""A certificate's text is about 400 characters; anything longer is not one."""
MAX_COSE_BYTES = 2048
COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
HEADER_ALG, HEADER_KID = 1, 4
CLAIM_ISS, CLAIM_IAT = 1, 6
CLAIM_CERT = -65537
"""A private-use CWT claim key (RFC 8392 §4: below -65536)."""
MAX_FIELD_CHARS = 200

REVOCATIONS_FORMAT = "studydesk-revocations/1"
MAX_REVOCATIONS_BYTES = 4 * 1024 * 1024
REVOCATION_LIMITS = JsonLimits(max_bytes=MAX_REVOCATIONS_BYTES, max_values=MAX_REVOCATIONS_BYTES // 8,
                               max_string_bytes=4096)


class CertKind(Enum):
    HOURS = "hours"
    """学时证明: a person's credit hours for a year."""
    CLASS = "class"
    """结业证书: a training class completed."""

    @property
    def title_zh(self) -> str:
        return "学时证明" if self is CertKind.HOURS else "结业证书"


@dataclass(frozen=True, slots=True)
class Claims:
    """What a certificate states. Figures are exact decimals (学时 and scores out of 100)."""

    issuer: str
    serial: str
    kind: CertKind
    person_id: str
    name: str
    issued_at: dt.datetime
    hours: Decimal
    year: int | None = None
    required: Decimal | None = None
    elective: Decimal | None = None
    class_code: str | None = None
    class_name: str | None = None
    score: Decimal | None = None

    def __post_init__(self) -> None:
        for label, value in (("issuer", self.issuer), ("serial", self.serial), ("person id", self.person_id),
                             ("name", self.name)):
            _text(value, label)
        if self.kind is CertKind.HOURS and self.year is None:
            raise FormatError("bad_certificate", "a 学时证明 names its year")
        if self.kind is CertKind.CLASS and not self.class_code:
            raise FormatError("bad_certificate", "a 结业证书 names its class")

    def to_cwt(self) -> dict[int, Any]:
        cert: dict[str, Any] = {"v": FORMAT_VERSION, "sn": self.serial, "k": self.kind.value, "pid": self.person_id,
                                "n": self.name, "h": plain(self.hours)}
        if self.kind is CertKind.HOURS:
            cert["y"] = self.year
            for key, value in (("hr", self.required), ("he", self.elective)):
                if value is not None:
                    cert[key] = plain(value)
        else:
            cert["c"] = self.class_code
            if self.class_name:
                cert["cn"] = self.class_name
            if self.score is not None:
                cert["s"] = plain(self.score)
        return {CLAIM_ISS: self.issuer, CLAIM_IAT: int(self.issued_at.timestamp()), CLAIM_CERT: cert}

    @classmethod
    def from_cwt(cls, claims: Any) -> Claims:
        if not isinstance(claims, Mapping) or not isinstance(cert := claims.get(CLAIM_CERT), Mapping):
            raise FormatError("bad_certificate", "the payload holds no StudyDesk certificate claim")
        if cert.get("v") != FORMAT_VERSION:
            raise FormatError("bad_certificate", f"unknown certificate format {cert.get('v')!r}")
        try:
            kind = CertKind(cert.get("k"))
        except ValueError:
            raise FormatError("bad_certificate", f"unknown certificate kind {cert.get('k')!r}") from None
        iat = claims.get(CLAIM_IAT)
        if not isinstance(iat, int) or isinstance(iat, bool) or not 0 <= iat < 2**40:
            raise FormatError("bad_certificate", "the issue time is not a number of seconds")
        year = cert.get("y")
        if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 9999):
            raise FormatError("bad_certificate", "the year is not a year")
        return cls(
            issuer=_text(claims.get(CLAIM_ISS), "issuer"), serial=_text(cert.get("sn"), "serial"), kind=kind,
            person_id=_text(cert.get("pid"), "person id"), name=_text(cert.get("n"), "name"),
            issued_at=dt.datetime.fromtimestamp(iat, dt.UTC), hours=_figure(cert.get("h"), "hours"), year=year,
            required=_optional(cert.get("hr"), "required hours"), elective=_optional(cert.get("he"), "elective hours"),
            class_code=_optional_text(cert.get("c"), "class"), class_name=_optional_text(cert.get("cn"), "class name"),
            score=_optional(cert.get("s"), "score"))


def _text(value: Any, label: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_FIELD_CHARS:
        raise FormatError("bad_certificate", f"the {label} is not a short text")
    return value


def _optional_text(value: Any, label: str) -> str | None:
    return None if value is None else _text(value, label)


def _figure(value: Any, label: str) -> Decimal:
    if not isinstance(value, str) or len(value) > 20:
        raise FormatError("bad_certificate", f"the {label} is not a decimal figure")
    try:
        found = Decimal(value)
    except InvalidOperation:
        raise FormatError("bad_certificate", f"the {label} is not a decimal figure") from None
    if not found.is_finite() or found < 0:
        raise FormatError("bad_certificate", f"the {label} is not a decimal figure")
    return found


def _optional(value: Any, label: str) -> Decimal | None:
    return None if value is None else _figure(value, label)


def _kid(key: PublicKey) -> bytes:
    return bytes.fromhex(key.key_id)


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload], canonical=True)


def sign(claims: Claims, key: PrivateKey) -> str:
    """The certificate's text form: ``SD1:`` + Base45 of the compressed COSE_Sign1 of ``claims``."""
    protected = cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: _kid(key.public)}, canonical=True)
    payload = cbor2.dumps(claims.to_cwt(), canonical=True)
    signature = base64.b64decode(key.sign(_sig_structure(protected, payload)))
    message = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]), canonical=True)
    packed: bytes = base45.b45encode(zlib.compress(message, 9))
    return PREFIX + packed.decode("ascii")


# -- reading and verifying ---------------------------------------------------------------------

class Status(Enum):
    VALID = "valid"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_ISSUER = "unknown_issuer"
    REVOKED = "revoked"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a verifier concludes. ``claims`` is set whenever the payload could be read (for a bad
    signature or an unknown issuer too, so the verifier can show what the paper claims, marked
    as not trusted); ``reason`` is an English sentence for logs and the command line."""

    status: Status
    reason: str
    claims: Claims | None = None
    key_id: str | None = None
    revoked_at: str | None = None
    list_issued_at: str | None = None
    """The date of the revocation list checked (None: none was known)."""

    @property
    def valid(self) -> bool:
        return self.status is Status.VALID


@dataclass(frozen=True, slots=True)
class Cose:
    protected: bytes
    payload: bytes
    signature: bytes
    key_id: str


def normalise_text(text: str) -> str:
    """The certificate text as printed or scanned: line breaks dropped (a text copied from a PDF
    may be wrapped), blanks before it dropped, the prefix in any case. Spaces inside and at the
    end stay: Base45 uses the space as a digit."""
    cleaned = text.replace("\r", "").replace("\n", "").replace("\t", "").lstrip()
    if cleaned[: len(PREFIX)].upper() == PREFIX:
        cleaned = PREFIX + cleaned[len(PREFIX):]
    return cleaned


def decode(text: str) -> Cose:
    """Parse the text form into its COSE_Sign1 parts; FormatError("bad_certificate") if it is not one.
    Blanks pasted after the text are tried without when the text does not read with them."""
    if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS:
        raise FormatError("bad_certificate", f"a certificate text has at most {MAX_TEXT_CHARS} characters")
    text = normalise_text(text)
    if not text.startswith(PREFIX):
        raise FormatError("bad_certificate", f"a StudyDesk certificate text starts with {PREFIX}")
    try:
        return _decode(text[len(PREFIX):])
    except FormatError:
        if text == text.rstrip(" "):
            raise
        return _decode(text[len(PREFIX):].rstrip(" "))


def _decode(body: str) -> Cose:
    try:
        packed = base45.b45decode(body)
    except (ValueError, KeyError, TypeError, IndexError):
        raise FormatError("bad_certificate", "the certificate text is not valid Base45") from None
    inflate = zlib.decompressobj()
    try:
        message = inflate.decompress(packed, MAX_COSE_BYTES + 1)
    except zlib.error:
        raise FormatError("bad_certificate", "the certificate text is not compressed data") from None
    if len(message) > MAX_COSE_BYTES or not inflate.eof or inflate.unused_data:
        raise FormatError("bad_certificate", "the certificate data is truncated, too long or has data after it")
    try:
        tagged = cbor2.loads(message)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError):
        raise FormatError("bad_certificate", "the certificate data is not CBOR") from None
    if not isinstance(tagged, cbor2.CBORTag) or tagged.tag != COSE_SIGN1_TAG \
            or not isinstance(tagged.value, (list, tuple)) or len(tagged.value) != 4:
        raise FormatError("bad_certificate", "the certificate data is not a COSE_Sign1 message")
    protected, _unprotected, payload, signature = tagged.value
    if not all(isinstance(part, bytes) for part in (protected, payload, signature)):
        raise FormatError("bad_certificate", "the COSE_Sign1 message's parts are not byte strings")
    try:
        header = cbor2.loads(protected)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError):
        raise FormatError("bad_certificate", "the protected header is not CBOR") from None
    if not isinstance(header, Mapping) or header.get(HEADER_ALG) != ALG_EDDSA:
        raise FormatError("bad_certificate", "the certificate is not signed with EdDSA (Ed25519)")
    kid = header.get(HEADER_KID)
    if not isinstance(kid, bytes) or len(kid) != 8:
        raise FormatError("bad_certificate", "the protected header names no issuer key")
    return Cose(protected, payload, signature, kid.hex())


def read_claims(cose: Cose) -> Claims:
    try:
        return Claims.from_cwt(cbor2.loads(cose.payload))
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError("bad_certificate", "the claims are not CBOR") from None


def _checked(cose: Cose, key: PublicKey) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(key.raw).verify(cose.signature, _sig_structure(cose.protected,
                                                                                           cose.payload))
    except (InvalidSignature, ValueError):
        return False
    return True


def verify(text: str, trusted: Mapping[str, PublicKey], revocations: Revocations | None) -> Verdict:
    """Verify a certificate's text against the pinned issuer keys (key id -> key) and the
    issuer's revocation list (None: none known yet; a verdict of VALID then says so)."""
    try:
        cose = decode(text)
    except FormatError as exc:
        return Verdict(Status.MALFORMED, exc.detail)
    try:
        claims: Claims | None = read_claims(cose)
    except FormatError as exc:
        claims, unreadable = None, exc.detail
    key = trusted.get(cose.key_id)
    if key is None:
        return Verdict(Status.UNKNOWN_ISSUER, f"signed by key {cose.key_id}, which is not pinned here", claims,
                       cose.key_id)
    if not _checked(cose, key):
        return Verdict(Status.BAD_SIGNATURE, "the signature does not match the certificate's content (altered?)",
                       claims, cose.key_id)
    if claims is None:
        return Verdict(Status.MALFORMED, unreadable, None, cose.key_id)
    if revocations is not None and (revoked := revocations.revoked.get(claims.serial)) is not None:
        return Verdict(Status.REVOKED, f"certificate {claims.serial} was revoked on {revoked}", claims, cose.key_id,
                       revoked, revocations.issued_at)
    checked = (f"not on the revocation list of {revocations.issued_at}" if revocations is not None
               else "no revocation list is known yet")
    return Verdict(Status.VALID, f"signed by the pinned key {cose.key_id}; {checked}", claims, cose.key_id,
                   list_issued_at=revocations.issued_at if revocations is not None else None)


# -- the revocation list -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Revocations:
    """The issuer's list of revoked serials (serial -> when revoked, ISO 8601 UTC), as of ``issued_at``."""

    issued_at: str
    revoked: dict[str, str] = field(default_factory=dict)

    def sign(self, key: PrivateKey) -> bytes:
        doc: dict[str, Any] = {"format": REVOCATIONS_FORMAT, "issued_at": self.issued_at, "key_id": key.public.key_id,
                               "revoked": [{"serial": s, "at": at} for s, at in sorted(self.revoked.items())]}
        doc["signature"] = key.sign(canonical_bytes(doc))
        return canonical_bytes(doc)

    @classmethod
    def parse_verified(cls, data: bytes, trusted: Mapping[str, PublicKey]) -> Revocations:
        """Parse a revocation list and check its signature against the pinned keys; FormatError or
        IntegrityError otherwise."""
        doc = parse_json_object(data, "revocation list", REVOCATION_LIMITS)
        if doc.get("format") != REVOCATIONS_FORMAT:
            raise FormatError("bad_revocations", f"not a revocation list ({REVOCATIONS_FORMAT})")
        key_id, signature = doc.get("key_id"), doc.get("signature")
        if not isinstance(key_id, str) or not isinstance(signature, str):
            raise FormatError("bad_revocations", "the revocation list is not signed")
        try:
            verify_signed_document(doc, key_id, signature, trusted, "revocation list")
        except (binascii.Error, ValueError) as exc:
            raise IntegrityError("bad_signature", "the revocation list's signature does not verify") from exc
        issued_at, entries = doc.get("issued_at"), doc.get("revoked")
        if not isinstance(issued_at, str) or not isinstance(entries, list):
            raise FormatError("bad_revocations", "the revocation list has no date or no list")
        revoked: dict[str, str] = {}
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("serial"), str) \
                    or not isinstance(entry.get("at"), str):
                raise FormatError("bad_revocations", "a revocation names no serial or no date")
            revoked[entry["serial"]] = entry["at"]
        return cls(issued_at, revoked)
