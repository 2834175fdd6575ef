"""Ed25519 keys: encoding, key ids, signing and verification.

Public keys travel as text ``ed25519:<base64 of the 32 raw bytes>``; a key id is the first
16 hex digits of the sha256 of the raw public key. Signatures are base64 of the 64 raw
bytes. Must not import Qt or anything from client/ or server/.

cryptography, hashlib and the canonical encoder load on first use, not with this module: reading a
site file (which checks its keys' text) is on the path to the app's first window.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sync.protocol.errors import FormatError, IntegrityError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_PREFIX = "ed25519:"


@dataclass(frozen=True, slots=True)
class PublicKey:
    raw: bytes

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        if not isinstance(text, str) or not text.startswith(_PREFIX):
            raise FormatError("bad_key", f"public key must start with {_PREFIX!r}")
        try:
            raw = base64.b64decode(text[len(_PREFIX) :], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise FormatError("bad_key", "public key is not valid base64") from exc
        if len(raw) != 32:
            raise FormatError("bad_key", "an Ed25519 public key has 32 bytes")
        return cls(raw)

    def to_text(self) -> str:
        return _PREFIX + base64.b64encode(self.raw).decode("ascii")

    @property
    def key_id(self) -> str:
        import hashlib

        return hashlib.sha256(self.raw).hexdigest()[:16]

    def verify(self, signature_b64: str, data: bytes) -> None:
        """Raise IntegrityError unless ``signature_b64`` is this key's signature of ``data``."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            sig = base64.b64decode(signature_b64, validate=True)
            Ed25519PublicKey.from_public_bytes(self.raw).verify(sig, data)
        except (binascii.Error, ValueError, TypeError, InvalidSignature) as exc:
            raise IntegrityError("bad_signature", "signature does not verify") from exc


class PrivateKey:
    """An Ed25519 private key. Never log it, never write it unencrypted."""

    __slots__ = ("_key",)

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> PrivateKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, raw: bytes) -> PrivateKey:
        if len(raw) != 32:
            raise FormatError("bad_key", "an Ed25519 private key has 32 bytes")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def raw(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self._key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    def to_pem(self, passphrase: bytes | None) -> bytes:
        from cryptography.hazmat.primitives import serialization

        enc: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
        )
        return self._key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)

    @classmethod
    def from_pem(cls, data: bytes, passphrase: bytes | None) -> PrivateKey:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            key = serialization.load_pem_private_key(data, password=passphrase)
        except (ValueError, TypeError) as exc:
            raise FormatError("bad_key", f"cannot load private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise FormatError("bad_key", "private key is not Ed25519")
        return cls(key)

    @property
    def public(self) -> PublicKey:
        from cryptography.hazmat.primitives import serialization

        return PublicKey(
            self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self._key.sign(data)).decode("ascii")

    def __repr__(self) -> str:
        return f"PrivateKey(key_id={self.public.key_id})"


def verify_signed_document(obj: Mapping[str, Any], key_id: str, signature: str, trusted: Mapping[str, PublicKey],
                           what: str) -> None:
    """Check a signed document (a manifest, the catalog): ``signature`` by the pinned key ``key_id``
    over the canonical bytes of every field but ``signature``; raises IntegrityError otherwise."""
    from sync.protocol.canonical import canonical_bytes

    key = trusted.get(key_id)
    if key is None:
        raise IntegrityError("unknown_key", f"{what} signed by unknown key {key_id!r}")
    key.verify(signature, canonical_bytes({k: v for k, v in obj.items() if k != "signature"}))
