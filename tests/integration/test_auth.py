"""Sign-in against a real server process: online, offline, lockout, several people on one PC,
secrets in a real keyring backend and in the encrypted-file fallback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sync.account.auth import AuthService
from sync.account.secrets import SecretStore, derive, secure_keyring
from sync.protocol.errors import AuthError, IntegrityError, RetryableError, SyncError
from sync.site.config import SiteConfig
from tests.support.module_server import BACKENDS, module_server
from tests.support.server_process import ServerProcess, add_user


@pytest.fixture(scope="module", params=BACKENDS)
def shared_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """One server per backend for the tests whose accounts are their own and that never stop it."""
    with module_server(request, tmp_path_factory) as proc:
        yield proc


def test_keyring_policy_refuses_plaintext_and_fail_backends(test_keyring: object) -> None:
    from keyring.backends import fail, null
    from keyrings.alt.file import EncryptedKeyring, PlaintextKeyring

    assert secure_keyring(PlaintextKeyring()) is None
    assert secure_keyring(fail.Keyring()) is None
    assert secure_keyring(null.Keyring()) is None
    assert secure_keyring(EncryptedKeyring()) is None  # locked: would prompt on a terminal
    assert secure_keyring(test_keyring) is test_keyring


def test_online_then_offline_sign_in_with_keyring(server: ServerProcess, tmp_path: Path, test_keyring: object,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(server, "zhangsan", "s3cret-pw", display="张三")
    auth = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url), keyring_backend=test_keyring)
    s = auth.sign_in("zhangsan", "s3cret-pw")
    assert not s.offline and s.display_name == "张三" and s.unit == "城关镇"
    assert s.profile_dir == tmp_path / "pc" / "profiles" / s.user_id
    assert s.secrets.backend.kind == "keyring"
    assert s.device.enrolled_at is not None
    # nothing secret lands in the profile folder or the machine database in plain text
    tokens = s.api.tokens
    assert tokens is not None
    for f in (tmp_path / "pc").rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert tokens.refresh_token.encode() not in data and b"s3cret-pw" not in data
    keyring_file = Path(test_keyring.file_path).read_bytes()  # type: ignore[attr-defined]
    assert tokens.refresh_token.encode() not in keyring_file
    assert [u.display_name for u in auth.known_users()] == ["张三"]

    assert auth.known_users()[0].kdf_cost == 10  # $STUDYDESK_KDF_COST of the test run

    server.stop()
    monkeypatch.setenv("STUDYDESK_KDF_COST", "11")  # the cost is kept with the person: the key is the same
    again = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url), keyring_backend=test_keyring)
    off = again.sign_in("zhangsan", "s3cret-pw")
    assert off.offline and off.user_id == s.user_id and off.device_id == s.device_id
    assert off.api.tokens == tokens
    with pytest.raises(AuthError) as e:
        again.sign_in("zhangsan", "wrong-pw")
    assert e.value.code == "wrong_password"
    with pytest.raises(RetryableError) as e2:
        again.sign_in("lisi", "whatever")
    assert e2.value.code == "network"


@pytest.mark.databases
def test_wrong_passwords_then_a_wait_then_unlock(shared_server: ServerProcess, tmp_path: Path) -> None:
    server = shared_server
    add_user(server, "wangwu", "right-pw")
    auth = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url))
    codes = []
    for _ in range(5):
        with pytest.raises(SyncError) as e:
            auth.sign_in("wangwu", "bad-pw")
        codes.append(e.value.code)
    # three tries come at once, then the server asks to wait (it would take 1 s for a fourth)
    assert codes[:3] == ["wrong_password"] * 3 and "too_many_attempts" in codes[3:]
    assert set(codes) == {"wrong_password", "too_many_attempts"}
    assert "LOCKED" not in server.cli("user", "list").stdout
    server.cli("user", "unlock", "wangwu")
    assert not auth.sign_in("wangwu", "right-pw").offline
    with pytest.raises(AuthError) as e2:
        auth.sign_in("nobody", "x-pw")
    assert e2.value.code == "wrong_password"


@pytest.mark.parametrize("shared_server", ["sqlite"], indirect=True)
def test_file_fallback_when_no_secure_keyring(shared_server: ServerProcess, tmp_path: Path) -> None:
    server = shared_server
    from keyrings.alt.file import PlaintextKeyring

    add_user(server, "zhaoliu", "pw-123456")
    auth = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url), keyring_backend=PlaintextKeyring())
    s = auth.sign_in("zhaoliu", "pw-123456")
    assert s.secrets.backend.kind == "file"
    files = sorted(p.name for p in (s.profile_dir / "secrets").iterdir())
    assert files == ["device_key.bin", "tokens.bin"]
    assert (s.profile_dir / "secrets" / "tokens.bin").stat().st_mode & 0o077 == 0
    assert s.api.tokens is not None
    assert s.api.tokens.refresh_token.encode() not in (s.profile_dir / "secrets" / "tokens.bin").read_bytes()
    # the same password opens them; another key cannot
    known = auth.known_users()[0]
    key, _ = derive("pw-123456", known.kdf_salt, known.kdf_cost)
    assert SecretStore(s.secrets.backend, key, s.user_id).get("tokens") is not None
    wrong, _ = derive("other-pw", known.kdf_salt, known.kdf_cost)
    with pytest.raises(IntegrityError):
        SecretStore(s.secrets.backend, wrong, s.user_id).get("tokens")


@pytest.mark.parametrize("shared_server", ["sqlite"], indirect=True)
def test_a_new_person_gets_the_default_cost_and_keeps_it(shared_server: ServerProcess, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(shared_server, "qianqi", "pw-qianqi")
    monkeypatch.delenv("STUDYDESK_KDF_COST")
    auth = AuthService(tmp_path / "pc", SiteConfig(server_url=shared_server.url))
    first = auth.sign_in("qianqi", "pw-qianqi")
    (known,) = auth.known_users()
    assert known.kdf_cost == 14
    monkeypatch.setenv("STUDYDESK_KDF_COST", "10")
    again = auth.sign_in("qianqi", "pw-qianqi")
    (still,) = auth.known_users()
    assert (still.kdf_cost, still.kdf_salt, still.verifier) == (14, known.kdf_salt, known.verifier)
    assert again.device_id == first.device_id  # the sealed device key opened with the same key


@pytest.mark.parametrize("shared_server", ["sqlite"], indirect=True)
def test_two_people_on_one_pc_cannot_read_or_sign_as_each_other(shared_server: ServerProcess, tmp_path: Path,
                                                                 test_keyring: object) -> None:
    server = shared_server
    add_user(server, "alice", "alice-pw", display="甲")
    add_user(server, "bob", "bob-pw-1", unit="城南镇", display="乙")
    auth = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url), keyring_backend=test_keyring)
    a = auth.sign_in("alice", "alice-pw")
    b = auth.sign_in("bob", "bob-pw-1")
    assert a.profile_dir != b.profile_dir and a.device_id != b.device_id
    assert {u.username for u in auth.known_users()} == {"alice", "bob"}
    # Bob's key cannot open Alice's secrets, even through the same keyring and entry names
    known = auth.known_users()[0]
    with pytest.raises(IntegrityError):
        SecretStore(a.secrets.backend, derive("bob-pw-1", known.kdf_salt, known.kdf_cost)[0], a.user_id).get("tokens")
    # Bob's sealed secret copied over Alice's entry is refused (bound to user id and name)
    a.secrets.backend.save("device_key", b.secrets.backend.load("device_key") or b"")
    with pytest.raises(IntegrityError):
        a.secrets.get("device_key")
    # Bob signs a record claiming to be Alice: the server refuses it
    from sync.protocol.records import GENESIS, make_record

    forged = make_record(b.device.signer(a.user_id), seq=1, prev=GENESIS, record_type="watch", course_id="c1",
                         lesson_id="l1", body={"segments": [[0, 60]]})
    assert b.api.post_batch([forged])[0]["reason"] == "foreign_record"
    own = b.outbox().append("watch", "c1", "l1", {"segments": [[0, 60]]})
    # Alice's token cannot upload Bob's genuine record either
    assert a.api.post_batch([own])[0]["reason"] == "foreign_user"
    # and Bob cannot enrol Alice's device id
    r = requests.post(server.url + "/api/devices", json={"device_id": a.device_id,
                                                         "public_key": b.device.key.public.to_text()},
                      headers={"Authorization": f"Bearer {b.api.tokens.access_token}"}, timeout=10)  # type: ignore[union-attr]
    assert r.status_code == 409 and r.json()["code"] == "device_taken"


@pytest.mark.databases
def test_refresh_rotates_tokens_with_a_short_grace_for_a_lost_answer(shared_server: ServerProcess) -> None:
    server = shared_server
    add_user(server, "sun", "pass-word")
    r = requests.post(server.url + "/api/auth/login", json={"username": "sun", "password": "pass-word"}, timeout=10)
    old = r.json()["refresh_token"]
    first = requests.post(server.url + "/api/auth/refresh", json={"refresh_token": old}, timeout=10)
    assert first.status_code == 200 and first.json()["refresh_token"] != old
    # the answer was lost on the way: the same old token still works once more, within the grace period
    again = requests.post(server.url + "/api/auth/refresh", json={"refresh_token": old}, timeout=10)
    assert again.status_code == 200
    me = requests.get(server.url + "/api/auth/me", headers={"Authorization": "Bearer " + again.json()["access_token"]},
                      timeout=10)
    assert me.json()["username"] == "sun"
    bogus = requests.post(server.url + "/api/auth/refresh", json={"refresh_token": "x" * 43}, timeout=10)
    assert bogus.status_code == 401 and bogus.json()["code"] == "auth"


def test_secrets_stay_where_they_were_put_when_a_keyring_appears(server: ServerProcess, tmp_path: Path,
                                                                test_keyring: object) -> None:
    from keyrings.alt.file import PlaintextKeyring

    add_user(server, "tian", "pass-word")
    site = SiteConfig(server_url=server.url)
    first = AuthService(tmp_path / "pc", site, keyring_backend=PlaintextKeyring()).sign_in("tian", "pass-word")
    assert first.secrets.backend.kind == "file"
    later = AuthService(tmp_path / "pc", site, keyring_backend=test_keyring).sign_in("tian", "pass-word")
    assert later.device_id == first.device_id  # same device key, same chain
    server.stop()
    off = AuthService(tmp_path / "pc", site, keyring_backend=test_keyring).sign_in("tian", "pass-word")
    assert off.offline and off.device_id == first.device_id


def test_taking_a_person_off_this_pcs_list_keeps_their_data_unless_they_delete_it(
        server: ServerProcess, tmp_path: Path, test_keyring: object) -> None:
    from sync.account.auth import OfflinePasswordError, profile_dir_for
    from sync.protocol.errors import StorageError

    add_user(server, "zhangsan", "s3cret-pw", display="张三")
    add_user(server, "lisi", "lisi-pw", display="李四")
    auth = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url), keyring_backend=test_keyring)
    zhang, li = auth.sign_in("zhangsan", "s3cret-pw"), auth.sign_in("lisi", "lisi-pw")
    conn = li.db()
    try:
        li.outbox(conn).append("note", "c1", None, {"text": "not sent yet"})
    finally:
        conn.close()
    assert auth.unsent_count("lisi") == 1 and auth.unsent_count("zhangsan") == 0

    # deleting would lose a record the server never saw: refused, and nothing changes
    with pytest.raises(StorageError) as e:
        auth.forget("lisi", delete_data=True)
    assert e.value.code == "unsent_records"
    assert {u.username for u in auth.known_users()} == {"zhangsan", "lisi"}

    auth.forget("lisi")  # off the list; the profile (and the waiting record) stay
    assert [u.username for u in auth.known_users()] == ["zhangsan"]
    assert (profile_dir_for(auth.data_root, li.user_id) / "profile.sqlite3").is_file()
    server.stop()
    with pytest.raises(RetryableError):  # not on the list: no offline sign-in until online again
        auth.sign_in("lisi", "lisi-pw")
    server.start()
    again = auth.sign_in("lisi", "lisi-pw")
    assert again.user_id == li.user_id and auth.unsent_count("lisi") == 1  # the same profile, record kept

    auth.forget("zhangsan", delete_data=True)
    assert not profile_dir_for(auth.data_root, zhang.user_id).exists()
    assert [u.username for u in auth.known_users()] == ["lisi"]
    fresh = auth.sign_in("zhangsan", "s3cret-pw")  # signing in online again starts a new profile
    assert fresh.user_id == zhang.user_id and fresh.device_id != zhang.device_id
    server.stop()
    with pytest.raises(OfflinePasswordError) as wrong:
        auth.sign_in("zhangsan", "not-it")
    assert wrong.value.code == "wrong_password"
