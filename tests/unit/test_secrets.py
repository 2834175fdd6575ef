"""Sealed secrets: key derivation, AES-GCM sealing bound to user and name, the file store,
and the keyring policy (never a plaintext or failing backend)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sync.account.secrets import FileBackend, KeyringBackend, SecretStore, derive, new_salt, secure_keyring
from sync.protocol.errors import FormatError, IntegrityError
from sync.protocol.work_factor import MAX_COST, MIN_COST

COST = MIN_COST  # these tests are about sealing, not about the work factor


def test_derive_is_deterministic_per_salt_and_verifier_is_not_the_key() -> None:
    salt = new_salt()
    k1, v1 = derive("密码-pass", salt, COST)
    k2, v2 = derive("密码-pass", salt, COST)
    assert k1 == k2 and v1 == v2
    assert derive("密码-pass", new_salt(), COST)[1] != v1
    assert derive("other", salt, COST)[1] != v1
    assert k1.key.hex() not in v1 and len(k1.key) == 32
    assert repr(k1) == "UserKey()"  # never printed


def test_the_cost_is_part_of_the_key_and_bounded() -> None:
    salt = new_salt()
    assert derive("pw", salt, MIN_COST + 1) != derive("pw", salt, MIN_COST)
    for bad in (MIN_COST - 1, MAX_COST + 1, True):
        with pytest.raises(FormatError) as info:
            derive("pw", salt, bad)  # type: ignore[arg-type]
        assert info.value.code == "bad_cost" and f"from {MIN_COST} to {MAX_COST}" in info.value.detail


def test_file_store_round_trip_is_private_and_never_plain(tmp_path: Path) -> None:
    key, _ = derive("pw", new_salt(), COST)
    store = SecretStore(FileBackend(tmp_path), key, "user-a")
    store.put("tokens", b"refresh-token-value")
    f = tmp_path / "secrets" / "tokens.bin"
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert b"refresh-token-value" not in f.read_bytes()
    assert store.get("tokens") == b"refresh-token-value"
    assert store.get("missing") is None
    store.put("tokens", b"v2")
    assert store.get("tokens") == b"v2"
    assert [p.name for p in (tmp_path / "secrets").iterdir()] == ["tokens.bin"]  # no temp files left
    store.delete("tokens")
    assert store.get("tokens") is None


def test_sealed_secret_is_bound_to_key_user_and_name(tmp_path: Path) -> None:
    key, _ = derive("pw", new_salt(), COST)
    backend = FileBackend(tmp_path)
    SecretStore(backend, key, "user-a").put("device_key", b"k" * 32)
    with pytest.raises(IntegrityError):
        SecretStore(backend, derive("pw2", new_salt(), COST)[0], "user-a").get("device_key")
    with pytest.raises(IntegrityError):
        SecretStore(backend, key, "user-b").get("device_key")  # another person's id as associated data
    backend.save("tokens", backend.load("device_key") or b"")
    with pytest.raises(IntegrityError):
        SecretStore(backend, key, "user-a").get("tokens")  # swapped entry
    backend.save("tokens", b"\x01short")
    with pytest.raises(IntegrityError):
        SecretStore(backend, key, "user-a").get("tokens")


def test_keyring_policy() -> None:
    from keyring.backends import chainer, fail, null
    from keyrings.alt.file import EncryptedKeyring, PlaintextKeyring

    for insecure in (PlaintextKeyring(), fail.Keyring(), null.Keyring(), EncryptedKeyring()):
        assert secure_keyring(insecure) is None, insecure
    unlocked = EncryptedKeyring()
    unlocked.keyring_key = "x"  # type: ignore[misc]
    assert secure_keyring(unlocked) is unlocked
    empty_chain = chainer.ChainerBackend()
    empty_chain.__dict__["backends"] = []
    assert secure_keyring(empty_chain) is None
    plain_chain = chainer.ChainerBackend()
    plain_chain.__dict__["backends"] = [PlaintextKeyring()]
    assert secure_keyring(plain_chain) is None


def test_keyring_backend_round_trip(test_keyring: object) -> None:
    key, _ = derive("pw", new_salt(), COST)
    store = SecretStore(KeyringBackend(test_keyring, "ns1", "user-a"), key, "user-a")
    store.put("tokens", b"secret-bytes")
    assert store.get("tokens") == b"secret-bytes"
    other_ns = SecretStore(KeyringBackend(test_keyring, "ns2", "user-a"), key, "user-a")
    assert other_ns.get("tokens") is None
    store.delete("tokens")
    store.delete("tokens")  # deleting twice is fine
    assert store.get("tokens") is None


def test_device_identity_is_kept_sealed_and_renewed_when_unreadable(tmp_path: Path) -> None:
    from sync.account.device import load_or_create, mark_enrolled

    salt = new_salt()
    key, _ = derive("pw", salt, COST)
    store = SecretStore(FileBackend(tmp_path), key, "user-a")
    first = load_or_create(store, tmp_path)
    assert load_or_create(store, tmp_path).device_id == first.device_id
    info = (tmp_path / "device.json").read_text()
    assert first.key.public.to_text() in info and first.key.raw().hex() not in info
    enrolled = mark_enrolled(tmp_path, first)
    assert load_or_create(store, tmp_path).enrolled_at == enrolled.enrolled_at
    # another key (password reset) cannot open the sealed private key: a new device, a new chain
    other = load_or_create(SecretStore(FileBackend(tmp_path), derive("new-pw", salt, COST)[0], "user-a"), tmp_path)
    assert other.device_id != first.device_id and other.enrolled_at is None
