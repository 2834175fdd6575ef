"""The publisher key: the Ed25519 key that signs course manifests and the catalog.

Kept in ``<data>/keys/publisher.pem`` (mode 0600 in a 0700 folder), PKCS#8 PEM encrypted
with the passphrase in ``STUDYDESK_PUBLISHER_PASSPHRASE`` when that is set; without it the
file is protected only by its permissions. The public half is also written to
``publisher.pub`` so the server can publish it without the passphrase.
Imports only sync/ formats.
"""

from __future__ import annotations

import os
from pathlib import Path

from sync.protocol.errors import FormatError, StorageError
from sync.protocol.keys import PrivateKey, PublicKey
from sync.storage.files import atomic_write_bytes

PASSPHRASE_ENV = "STUDYDESK_PUBLISHER_PASSPHRASE"
PRIVATE_NAME = "publisher.pem"
PUBLIC_NAME = "publisher.pub"


def _passphrase() -> bytes | None:
    value = os.environ.get(PASSPHRASE_ENV)
    return value.encode("utf-8") if value else None


def key_paths(keys_dir: Path) -> tuple[Path, Path]:
    return keys_dir / PRIVATE_NAME, keys_dir / PUBLIC_NAME


def has_key(keys_dir: Path) -> bool:
    return key_paths(keys_dir)[0].is_file()


def init_key(keys_dir: Path, force: bool = False) -> tuple[PublicKey, bool]:
    """Create the publisher key; returns (public key, encrypted?). Refuses to overwrite unless ``force``."""
    private_path, public_path = key_paths(keys_dir)
    if private_path.exists() and not force:
        raise StorageError("key_exists", f"a publisher key already exists in {keys_dir}")
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    key = PrivateKey.generate()
    passphrase = _passphrase()
    atomic_write_bytes(private_path, key.to_pem(passphrase), mode=0o600)
    atomic_write_bytes(public_path, (key.public.to_text() + "\n").encode("ascii"))
    return key.public, passphrase is not None


def ensure_key(keys_dir: Path) -> PublicKey:
    """The existing public key, or a newly created key's (for the demo and tests)."""
    if has_key(keys_dir):
        return load_public(keys_dir)
    return init_key(keys_dir)[0]


def load_private(keys_dir: Path) -> PrivateKey:
    private_path, _ = key_paths(keys_dir)
    try:
        data = private_path.read_bytes()
    except FileNotFoundError as exc:
        raise StorageError("no_key", f"no publisher key in {keys_dir}: run 'studydesk-server keys init'") from exc
    encrypted = b"ENCRYPTED" in data.split(b"\n", 1)[0]
    passphrase = _passphrase()
    if encrypted and passphrase is None:
        raise FormatError("bad_key", f"the publisher key is encrypted: set {PASSPHRASE_ENV}")
    return PrivateKey.from_pem(data, passphrase if encrypted else None)


def load_public(keys_dir: Path) -> PublicKey:
    _, public_path = key_paths(keys_dir)
    try:
        return PublicKey.from_text(public_path.read_text("ascii").strip())
    except FileNotFoundError as exc:
        raise StorageError("no_key", f"no publisher key in {keys_dir}: run 'studydesk-server keys init'") from exc
