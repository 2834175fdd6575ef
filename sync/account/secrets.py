"""Secrets on a shared PC: tokens and device private keys, per person, never in plain text.

Every secret is sealed with AES-256-GCM under a key derived from the person's password
(scrypt, per-user salt and cost), with ``<user_id>:<name>`` as associated data, so one person can never
read or swap in another person's secret even when several people share one OS account. The
sealed bytes are then kept in the OS keyring when a secure backend is available, otherwise in
the person's own profile folder (``secrets/<name>.bin``, mode 0600, written atomically).

Secure keyring backends are an allow-list (Windows Credential Manager, Secret Service /
libsecret, macOS Keychain, KWallet, and keyrings.alt's EncryptedKeyring only when it is
already unlocked, because it would otherwise prompt on a terminal). Anything else —
PlaintextKeyring, fail.Keyring, null.Keyring, an unknown third-party backend — is refused and
the encrypted-file store is used instead. The same scrypt run yields the offline sign-in
verifier (a separate half of the output, hashed), so the verifier never reveals the key.

Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sync.protocol.errors import IntegrityError
from sync.protocol.work_factor import MAXMEM, P, R, check_cost
from sync.storage.files import atomic_write_bytes, storage_error

_SERVICE = "StudyDesk"
_SECURE_BACKENDS = {
    "keyring.backends.Windows.WinVaultKeyring",
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.kwallet.DBusKeyringKWallet4",
}
_UNLOCKED_ONLY = {"keyrings.alt.file.EncryptedKeyring"}


@dataclass(frozen=True, slots=True)
class UserKey:
    """The AES key derived from a person's password. Never logged, never stored."""

    key: bytes = field(repr=False)


def new_salt() -> str:
    return base64.b64encode(os.urandom(16)).decode("ascii")


def derive(password: str, salt_b64: str, cost: int) -> tuple[UserKey, str]:
    """One scrypt run at N = 2^cost (sync/protocol/work_factor.py; FormatError for a cost out of
    bounds): (the sealing key, the offline sign-in verifier in hex). The same password, salt and
    cost always give the same pair, so a person's cost is kept with their salt."""
    n = 2 ** check_cost(cost, "the sign-in key")
    out = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt_b64), n=n, r=R, p=P, dklen=64,
                         maxmem=MAXMEM)
    return UserKey(out[:32]), hashlib.sha256(out[32:]).hexdigest()


def _class_name(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def secure_keyring(kr: Any | None = None) -> Any | None:
    """The keyring backend to use, or None when no secure one is available."""
    import keyring

    kr = kr if kr is not None else keyring.get_keyring()
    name = _class_name(kr)
    if name == "keyring.backends.chainer.ChainerBackend":
        backends = list(getattr(kr, "backends", []))
        return secure_keyring(backends[0]) if backends else None
    if name in _SECURE_BACKENDS:
        return kr
    if name in _UNLOCKED_ONLY and "keyring_key" in vars(kr):
        return kr
    return None


class SecretBackend(Protocol):
    kind: str

    def load(self, name: str) -> bytes | None: ...
    def save(self, name: str, data: bytes) -> None: ...
    def delete(self, name: str) -> None: ...


class KeyringBackend:
    """Sealed secrets in the OS keyring, one entry per user and name."""

    kind = "keyring"

    def __init__(self, kr: Any, namespace: str, user_id: str) -> None:
        self._kr = kr
        self._service = f"{_SERVICE}:{namespace}"
        self._user_id = user_id

    def _entry(self, name: str) -> str:
        return f"{self._user_id}:{name}"

    def load(self, name: str) -> bytes | None:
        text = self._kr.get_password(self._service, self._entry(name))
        return base64.b64decode(text) if text else None

    def save(self, name: str, data: bytes) -> None:
        self._kr.set_password(self._service, self._entry(name), base64.b64encode(data).decode("ascii"))

    def delete(self, name: str) -> None:
        import keyring.errors

        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            self._kr.delete_password(self._service, self._entry(name))


class FileBackend:
    """Sealed secrets as files in the person's profile folder."""

    kind = "file"

    def __init__(self, profile_dir: Path) -> None:
        self._dir = profile_dir / "secrets"

    def load(self, name: str) -> bytes | None:
        try:
            return (self._dir / f"{name}.bin").read_bytes()
        except FileNotFoundError:
            return None

    def save(self, name: str, data: bytes) -> None:
        try:
            self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise storage_error(exc, "cannot save a secret") from exc
        atomic_write_bytes(self._dir / f"{name}.bin", data, mode=0o600)

    def delete(self, name: str) -> None:
        (self._dir / f"{name}.bin").unlink(missing_ok=True)


def backend_for(profile_dir: Path, namespace: str, user_id: str, kr: Any | None = None) -> SecretBackend:
    secure = secure_keyring(kr)
    return KeyringBackend(secure, namespace, user_id) if secure is not None else FileBackend(profile_dir)


class SecretStore:
    """One person's secrets, sealed with their password-derived key."""

    def __init__(self, backend: SecretBackend, key: UserKey, user_id: str) -> None:
        self.backend = backend
        self._aead = AESGCM(key.key)
        self._user_id = user_id

    def _aad(self, name: str) -> bytes:
        return f"{self._user_id}:{name}".encode()

    def get(self, name: str) -> bytes | None:
        blob = self.backend.load(name)
        if blob is None:
            return None
        if len(blob) < 13 or blob[0] != 1:
            raise IntegrityError("secret_unreadable", f"stored secret {name!r} is damaged")
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], self._aad(name))
        except InvalidTag as exc:
            raise IntegrityError("secret_unreadable", f"secret {name!r} cannot be opened with this key") from exc

    def put(self, name: str, value: bytes) -> None:
        nonce = os.urandom(12)
        self.backend.save(name, b"\x01" + nonce + self._aead.encrypt(nonce, value, self._aad(name)))

    def delete(self, name: str) -> None:
        self.backend.delete(name)
