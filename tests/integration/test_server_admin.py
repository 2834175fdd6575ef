"""``studydesk-server`` admin commands against real servers: read-only commands never create a data
folder, ``assign`` refuses an unpublished course unless forced, ``assign list``, ``user
reset-password`` and ``user deactivate`` (the person cannot sign in; their records stay).

The commands run in this process (``server.cli.main``, as ``ServerProcess.cli`` runs them), a new
interpreter costing a CPU second each; one of the read-only commands also runs as the real
``python -m server.cli`` process an administrator starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sync.account.auth import AuthService
from sync.account.profile_db import open_profile_db
from sync.protocol.errors import AuthError, SyncError
from sync.records.outbox import pending_count
from sync.site.config import SiteConfig
from tests.support.server_process import ServerProcess, add_user, run_cli_in_process
from tests.support.zygote import run_module

pytestmark = pytest.mark.databases  # each test runs on SQLite and on PostgreSQL

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo_course"


def server_cli(data: Path, *args: str, process: bool = False, forked: bool = False) -> subprocess.CompletedProcess[str]:
    """The command line with nothing on its standard input, in this process or, ``process``, in a new one,
    or, ``forked``, in a process of its own forked from this test process's zygote (tests/support/zygote.py)."""
    if forked:
        return run_module("server.cli", ["--data", str(data), *args])
    if not process:
        return run_cli_in_process(["--data", str(data), *args])
    return subprocess.run([sys.executable, "-m", "server.cli", "--data", str(data), *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [("user", "list"), ("assign", "list"), ("user", "unlock", "chen"),
                                     ("user", "deactivate", "chen"), ("user", "reset-password", "chen"),
                                     ("keys", "show"), ("audit",)])
def test_read_only_commands_refuse_a_missing_data_folder_and_create_nothing(tmp_path: Path,
                                                                            command: tuple[str, ...]) -> None:
    # this one also as the real process (a new interpreter: what its imports do is part of the check), and
    # in an existing folder as a process of its own
    process = command == ("user", "list")
    missing = tmp_path / "typo" / "studydesk"
    result = server_cli(missing, *command, process=process)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and str(missing) in result.stderr
    assert not (tmp_path / "typo").exists()
    elsewhere = tmp_path / "home"  # an existing folder that is not a server's: nothing is created in it
    elsewhere.mkdir()
    assert server_cli(elsewhere, *command, forked=process).returncode == 1
    assert list(elsewhere.iterdir()) == []


def test_assign_refuses_an_unpublished_course_unless_forced_and_lists_assignments(server: ServerProcess) -> None:
    add_user(server, "chen", "pass-word", unit="城关镇")
    server.cli("keys", "init")
    server.cli("publish", str(DEMO))
    typo = server.cli("assign", "demo-party-theroy", "--user", "chen", "--required", check=False)
    assert typo.returncode == 1 and "not published" in typo.stderr and "--force" in typo.stderr
    assert server.cli("assign", "list").stdout.strip() == "no assignments"

    server.cli("assign", "demo-party-theory", "--unit", "城关镇", "--required", "--due", "2026-12-31")
    server.cli("assign", "law-basics", "--user", "chen", "--elective", "--force", "--title", "法律基础",
               "--credit-hours", "2")
    lines = server.cli("assign", "list").stdout.splitlines()
    assert lines[0].split("\t") == ["course", "to", "kind", "due", "credit hours", "title"]
    unit_code = server.sql("SELECT code FROM units WHERE name = '城关镇'")[0][0]
    assert lines[1].split("\t") == ["demo-party-theory", f"unit {unit_code} (城关镇)", "required", "2026-12-31", "1.5",
                                    "学习贯彻党的基本理论专题"]
    assert lines[2].split("\t") == ["law-basics", "user chen", "elective", "-", "2", "法律基础 (not published)"]
    only_chen = server.cli("assign", "list", "--user", "chen").stdout.splitlines()
    assert [line.split("\t")[0] for line in only_chen[1:]] == ["law-basics"]
    mixed = server.cli("assign", "list", "--required", check=False)
    assert mixed.returncode == 2 and "only --user or --unit" in mixed.stderr
    incomplete = server.cli("assign", "law-basics", "--user", "chen", check=False)
    assert incomplete.returncode == 2 and "--required --elective" in incomplete.stderr


def test_reset_password_replaces_the_old_one_and_unlocks(server: ServerProcess, tmp_path: Path) -> None:
    add_user(server, "ma", "old-password")
    auth = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url))
    for _ in range(5):
        with pytest.raises(SyncError) as wrong:  # wrong passwords, then a wait
            auth.sign_in("ma", "wrong-guess")
        assert wrong.value.code in ("wrong_password", "too_many_attempts")
    server.sql("UPDATE users SET locked = 1 WHERE username = 'ma'")  # and an admin's lock on top
    assert "LOCKED" in server.cli("user", "list").stdout
    database = ["--database", server.database_url] if server.database_url else []
    no_tty = server_cli(server.data_dir, *database, "user", "reset-password", "ma")
    assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr and "Traceback" not in no_tty.stderr
    weak = server.cli("user", "reset-password", "ma", "--password-stdin", input=b"123\n", check=False)
    assert weak.returncode == 1 and "6 characters" in weak.stderr
    nobody = server.cli("user", "reset-password", "nobody", "--password-stdin", input=b"pass-word\n", check=False)
    assert nobody.returncode == 1 and "nobody" in nobody.stderr
    done = server.cli("user", "reset-password", "ma", "--password-stdin", input=b"new-password\n")
    assert "unlocked" in done.stdout
    # the failed sign-ins are forgotten too: no wait is left
    assert server.sql("SELECT COUNT(*) FROM signin_failures WHERE key = 'ma'") == [(0,)]
    with pytest.raises(AuthError) as old:
        AuthService(tmp_path / "pc2", SiteConfig(server_url=server.url)).sign_in("ma", "old-password")
    assert old.value.code == "wrong_password"
    assert not AuthService(tmp_path / "pc2", SiteConfig(server_url=server.url)).sign_in("ma", "new-password").offline


def test_reset_password_signs_the_account_out_everywhere(server: ServerProcess, tmp_path: Path) -> None:
    add_user(server, "he", "old-password")
    stolen = requests.post(f"{server.url}/api/auth/login", json={"username": "he", "password": "old-password"},
                           timeout=10).json()
    me = requests.get(f"{server.url}/api/auth/me", headers={"Authorization": f"Bearer {stolen['access_token']}"},
                      timeout=10)
    assert me.status_code == 200
    server.cli("user", "reset-password", "he", "--password-stdin", input=b"new-password\n")
    after = requests.get(f"{server.url}/api/auth/me", headers={"Authorization": f"Bearer {stolen['access_token']}"},
                         timeout=10)
    assert after.status_code == 401
    renewed = requests.post(f"{server.url}/api/auth/refresh", json={"refresh_token": stolen["refresh_token"]},
                            timeout=10)
    assert renewed.status_code == 401
    assert not AuthService(tmp_path / "pc", SiteConfig(server_url=server.url)).sign_in("he", "new-password").offline


def test_a_deactivated_user_cannot_sign_in_and_their_records_stay(server: ServerProcess, tmp_path: Path) -> None:
    add_user(server, "zhao", "pass-word")
    session = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url)).sign_in("zhao", "pass-word")
    session.outbox().append("watch", "c1", "l1", {"segments": [[0, 30]]})
    assert session.uploader(session.db()).sync_once().acked == 1

    done = server.cli("user", "deactivate", "zhao")
    assert "can no longer sign in" in done.stdout
    assert "DEACTIVATED" in server.cli("user", "list").stdout
    with pytest.raises(AuthError) as refused:
        AuthService(tmp_path / "pc2", SiteConfig(server_url=server.url)).sign_in("zhao", "pass-word")
    assert refused.value.code == "account_deactivated"
    with pytest.raises(AuthError):  # the token given before deactivation no longer works either
        session.api.assignments()
    [(kept,)] = server.sql("SELECT COUNT(*) FROM records r JOIN users u ON u.user_id = r.user_id "
                           "WHERE u.username = 'zhao'")
    assert kept == 1
    again = server.cli("user", "deactivate", "zhao")  # idempotent
    assert again.returncode == 0


def test_a_deactivated_user_can_no_longer_sign_in_offline_on_a_pc_that_heard_so(server: ServerProcess,
                                                                                 tmp_path: Path) -> None:
    add_user(server, "qian", "pass-word")
    pc = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url))
    session = pc.sign_in("qian", "pass-word")
    session.outbox().append("watch", "c1", "l1", {"segments": [[0, 30]]})  # not sent yet: it must stay
    server.cli("user", "deactivate", "qian")
    with pytest.raises(AuthError) as refused:
        pc.sign_in("qian", "pass-word")
    assert refused.value.code == "account_deactivated"
    assert [k.username for k in pc.known_users()] == []  # off this PC's sign-in list, while the profile
    conn = open_profile_db(session.profile_dir)  # and its unsent record stay
    try:
        assert pending_count(conn) == 1
    finally:
        conn.close()
    server.stop()
    with pytest.raises(SyncError) as offline:  # the server is away: no offline sign-in any more
        AuthService(tmp_path / "pc", SiteConfig(server_url=server.url)).sign_in("qian", "pass-word")
    assert offline.value.code == "network"
