"""The scrypt work factor: one definition, the cost an environment variable sets (bounded, a
bad value is an error, never ignored), the server's password hashes at that cost and their
bounds, and the known users' cost kept across the migration that added it."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.users import check_password, hash_password, spend_a_check
from sync.account.known_users import MACHINE_DB_NAME, KnownUser, KnownUsers, schema
from sync.account.secrets import FileBackend, SecretStore, derive, new_salt
from sync.protocol import assessment
from sync.protocol.errors import FormatError
from sync.protocol.work_factor import (
    DEFAULT_COST,
    KDF_COST_ENV,
    MAX_COST,
    MIN_COST,
    PASSWORD_COST_ENV,
    cost_from_env,
)
from sync.storage.sqlite import split_statements, user_version


def test_one_definition_with_the_product_defaults() -> None:
    assert (DEFAULT_COST, MIN_COST, MAX_COST) == (14, 10, 16)
    assert (assessment.DEFAULT_COST, assessment.MIN_COST, assessment.MAX_COST) == (DEFAULT_COST, MIN_COST, MAX_COST)
    assert assessment.Assessment(assessment.QUIZ, "q", "", ()).cost == DEFAULT_COST


def test_the_cost_an_environment_variable_sets() -> None:
    assert cost_from_env("X", {}) == DEFAULT_COST
    assert cost_from_env("X", {"X": ""}) == DEFAULT_COST
    assert cost_from_env("X", {"X": " 12 "}) == 12
    assert cost_from_env("X", {"X": "10"}) == MIN_COST and cost_from_env("X", {"X": "16"}) == MAX_COST
    for bad in ("9", "17", "0", "-14", "abc", "14.0", "1_4", "٣"):
        with pytest.raises(FormatError) as info:
            cost_from_env("STUDYDESK_KDF_COST", {"STUDYDESK_KDF_COST": bad})
        assert info.value.code == "bad_cost"
        assert info.value.detail.startswith("$STUDYDESK_KDF_COST: the scrypt cost must be a whole number from 10 to 16")


@pytest.fixture
def no_cost_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment of a site that sets no cost (the tests run at the lowest one otherwise)."""
    monkeypatch.delenv(PASSWORD_COST_ENV, raising=False)
    monkeypatch.delenv(KDF_COST_ENV, raising=False)
    yield


def _fields(stored: str) -> tuple[str, int, int, int]:
    scheme, n, r, p, _, _ = stored.split("$")
    return scheme, int(n), int(r), int(p)


def test_a_new_password_hash_is_at_the_default_cost(no_cost_settings: None) -> None:
    stored = hash_password("pass-word")
    assert _fields(stored) == ("scrypt", 16384, 8, 1)
    assert check_password("pass-word", stored) and not check_password("pass-wort", stored)


def test_the_password_cost_comes_from_the_environment_and_older_hashes_still_check(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_COST_ENV, "11")
    cheap = hash_password("pass-word")
    assert _fields(cheap) == ("scrypt", 2048, 8, 1)
    monkeypatch.setenv(PASSWORD_COST_ENV, "10")
    assert _fields(hash_password("pass-word"))[1] == 1024
    assert check_password("pass-word", cheap)  # the hash says its own n
    for bad in ("9", "17", "many"):
        monkeypatch.setenv(PASSWORD_COST_ENV, bad)
        with pytest.raises(FormatError) as info:
            hash_password("pass-word")
        assert f"${PASSWORD_COST_ENV}: the scrypt cost must be a whole number from 10 to 16" in info.value.detail
        spend_a_check("pass-word")  # an unknown name's sign-in still gets its wrong-password answer


def _hash_at(password: str, n: int, r: int = 8, p: int = 1) -> str:
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_a_stored_hash_outside_the_bounds_is_refused_without_running(monkeypatch: pytest.MonkeyPatch) -> None:
    assert check_password("pass-word", _hash_at("pass-word", 2**MIN_COST))
    # right password, right digest, but made below the lowest cost (or with other r, p): refused
    assert not check_password("pass-word", _hash_at("pass-word", 2**(MIN_COST - 1)))
    assert not check_password("pass-word", _hash_at("pass-word", 2**MIN_COST, r=1))
    assert not check_password("pass-word", _hash_at("pass-word", 2**MIN_COST, p=2))
    runs: list[int] = []
    real = hashlib.scrypt

    def counted(*args: object, **kw: int) -> bytes:
        runs.append(kw["n"])
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(hashlib, "scrypt", counted)
    salt, digest = base64.b64encode(b"s" * 16).decode(), base64.b64encode(b"d" * 32).decode()
    for n in (2**20, 2**(MAX_COST + 1), 3 * 2**MIN_COST, 0, -1024):
        assert not check_password("pass-word", f"scrypt${n}$8$1${salt}${digest}")
    assert not check_password("pass-word", f"bcrypt$1024$8$1${salt}${digest}")
    assert runs == []  # none of them ran
    assert not check_password("pass-word", f"scrypt$1024$8$1${salt}${digest}")
    assert runs == [1024]


def _machine_db_at_version_1(root: Path) -> None:
    """machine.sqlite3 as StudyDesk left it before it kept the cost."""
    root.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(root / MACHINE_DB_NAME, isolation_level=None)
    for stmt in split_statements(schema.migrations[0].sql):
        conn.execute(stmt)
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def test_people_known_before_the_cost_was_kept_sign_in_offline_at_14(tmp_path: Path) -> None:
    """A row from before the cost column was derived at 2^14: after the migration it says 14, its
    verifier still matches and its sealed secrets still open."""
    root = tmp_path / "pc"
    _machine_db_at_version_1(root)
    salt = new_salt()
    key, verifier = derive("old-pass", salt, 14)
    SecretStore(FileBackend(tmp_path / "profile"), key, "u1").put("tokens", b"sealed-before")
    conn = sqlite3.connect(root / MACHINE_DB_NAME, isolation_level=None)
    conn.execute("INSERT INTO known_users VALUES (?,?,?,?,?,?,?,?,?)",
                 ("u1", "laowang", "老王", "城关镇", "http://server", salt, verifier, "file", "2026-01-01T00:00:00Z"))
    conn.close()

    (known,) = KnownUsers(root).list()
    assert (known.username, known.kdf_salt, known.kdf_cost) == ("laowang", salt, 14)
    again, checked = derive("old-pass", known.kdf_salt, known.kdf_cost)
    assert checked == known.verifier
    assert SecretStore(FileBackend(tmp_path / "profile"), again, "u1").get("tokens") == b"sealed-before"
    raw = sqlite3.connect(root / MACHINE_DB_NAME)
    assert user_version(raw) == schema.version == 2
    raw.close()


def test_a_known_user_keeps_the_cost_it_was_derived_at(tmp_path: Path) -> None:
    known = KnownUsers(tmp_path)
    known.remember(KnownUser("u1", "a", "A", "U", "", "http://server", "salt", "v", "file", 11))
    known.remember(KnownUser("u2", "b", "B", "U", "", "http://server", "salt", "v", "file"))
    assert {u.username: u.kdf_cost for u in known.list()} == {"a": 11, "b": DEFAULT_COST}
