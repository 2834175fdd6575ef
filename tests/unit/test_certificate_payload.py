"""The certificate payload (sync.protocol.certificates): COSE_Sign1 over a CWT, Ed25519, Base45,
checked against pinned keys and a signed revocation list."""

from __future__ import annotations

import datetime as dt
import zlib
from decimal import Decimal

import base45
import cbor2
import pytest

from sync.protocol import certificates as c
from sync.protocol.errors import FormatError, IntegrityError
from sync.protocol.keys import PrivateKey

KEY = PrivateKey.generate()
TRUSTED = {KEY.public.key_id: KEY.public}
WHEN = dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC)


def _hours() -> c.Claims:
    return c.Claims(issuer="某县委组织部", serial="SD-2026-ABCD-EFGH-JKMN", kind=c.CertKind.HOURS,
                    person_id="P0001", name="张三", issued_at=WHEN, hours=Decimal("52.5"), year=2026,
                    required=Decimal("40"), elective=Decimal("12.5"))


def _class() -> c.Claims:
    return c.Claims(issuer="县委党校", serial="SD-2026-ZZZZ-0000-1111", kind=c.CertKind.CLASS, person_id="lisi",
                    name="李四", issued_at=WHEN, hours=Decimal("16"), class_code="2026-qn-1",
                    class_name="2026年青年干部培训班", score=Decimal("87.5"))


def _repack(text: str, change: object) -> str:
    """The text with its COSE message's parts changed by ``change`` and packed again."""
    tagged = cbor2.loads(zlib.decompress(base45.b45decode(text[len(c.PREFIX):])))
    parts = list(tagged.value)  # cbor2 answers a tuple
    change(parts)  # type: ignore[operator]
    message = cbor2.dumps(cbor2.CBORTag(c.COSE_SIGN1_TAG, parts))
    return c.PREFIX + base45.b45encode(zlib.compress(message)).decode("ascii")


@pytest.mark.parametrize("claims", [_hours(), _class()], ids=["hours", "class"])
def test_a_signed_certificate_verifies_and_says_what_it_holds(claims: c.Claims) -> None:
    text = c.sign(claims, KEY)
    assert text.startswith("SD1:") and len(text) < 600
    assert set(text[4:]) <= set(base45.BASE45_CHARSET)  # a QR code's alphanumeric mode
    verdict = c.verify(text, TRUSTED, c.Revocations("2026-12-03T00:00:00Z"))
    assert verdict.status is c.Status.VALID and verdict.valid, verdict.reason
    assert verdict.claims == claims and verdict.key_id == KEY.public.key_id
    # wrapped over lines as printed and pasted back, the prefix in lower case: the same certificate
    wrapped = "\n  " + "sd1:" + "\n".join(text[i:i + 40] for i in range(4, len(text), 40)) + "  \n"
    assert c.verify(wrapped, TRUSTED, None).claims == claims
    assert c.verify(text + "  ", TRUSTED, None).claims == claims
    unlisted = c.verify(text, TRUSTED, None)
    assert unlisted.valid and unlisted.list_issued_at is None and "no revocation list" in unlisted.reason
    assert verdict.list_issued_at == "2026-12-03T00:00:00Z"


def test_changing_one_byte_of_the_claims_breaks_the_signature() -> None:
    text = c.sign(_hours(), KEY)

    def more_hours(parts: list[object]) -> None:
        payload = bytes(parts[2])  # type: ignore[arg-type]
        parts[2] = payload.replace(b"52.5", b"92.5")
        assert parts[2] != payload

    verdict = c.verify(_repack(text, more_hours), TRUSTED, None)
    assert verdict.status is c.Status.BAD_SIGNATURE
    assert verdict.claims is not None and verdict.claims.hours == Decimal("92.5")  # shown, marked untrusted


def test_another_issuers_key_is_refused_even_if_it_claims_the_pinned_key_id() -> None:
    other = PrivateKey.generate()
    text = c.sign(_hours(), other)
    assert c.verify(text, TRUSTED, None).status is c.Status.UNKNOWN_ISSUER

    def claim_pinned_kid(parts: list[object]) -> None:
        parts[0] = cbor2.dumps({1: -8, 4: bytes.fromhex(KEY.public.key_id)}, canonical=True)

    assert c.verify(_repack(text, claim_pinned_kid), TRUSTED, None).status is c.Status.BAD_SIGNATURE


def test_a_revoked_serial_is_refused_with_its_date() -> None:
    text = c.sign(_class(), KEY)
    listed = c.Revocations.parse_verified(c.Revocations("2026-12-04T00:00:00Z", {
        "SD-2026-ZZZZ-0000-1111": "2026-12-04T09:00:00Z"}).sign(KEY), TRUSTED)
    verdict = c.verify(text, TRUSTED, listed)
    assert verdict.status is c.Status.REVOKED and verdict.revoked_at == "2026-12-04T09:00:00Z"
    assert c.verify(c.sign(_hours(), KEY), TRUSTED, listed).valid


def test_a_revocation_list_must_be_signed_by_a_pinned_key() -> None:
    signed = c.Revocations("2026-12-04T00:00:00Z", {"SD-1": "2026-12-04T09:00:00Z"}).sign(KEY)
    with pytest.raises(IntegrityError):
        c.Revocations.parse_verified(signed.replace(b"SD-1", b"SD-2"), TRUSTED)
    with pytest.raises(IntegrityError):
        c.Revocations.parse_verified(signed, {})
    with pytest.raises(FormatError):
        c.Revocations.parse_verified(b'{"format": "x"}', TRUSTED)


@pytest.mark.parametrize("text", ["", "HC1:NCFOXN%TS3DH", "SD1:", "SD1:!!!", "SD1:" + "A" * 5000,
                                  "SD1:" + base45.b45encode(b"not zlib").decode(),
                                  "SD1:" + base45.b45encode(zlib.compress(b"\xff\xff")).decode(),
                                  "SD1:" + base45.b45encode(zlib.compress(cbor2.dumps([1, 2]))).decode(),
                                  "SD1:" + base45.b45encode(zlib.compress(b"\0" * 100_000)).decode()])
def test_anything_else_is_malformed_with_a_reason(text: str) -> None:
    verdict = c.verify(text, TRUSTED, None)
    assert verdict.status is c.Status.MALFORMED and verdict.reason and verdict.claims is None


def test_claims_refuse_missing_parts() -> None:
    with pytest.raises(FormatError):
        c.Claims(issuer="x", serial="s", kind=c.CertKind.HOURS, person_id="p", name="n", issued_at=WHEN,
                 hours=Decimal(1))
    with pytest.raises(FormatError):
        c.Claims.from_cwt({1: "x", 6: 1, -65537: {"v": 2}})
