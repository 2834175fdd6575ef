"""Schema versions against the real programs: the server brings its database to the newest
revision once at start-up, and a database from a newer StudyDesk is refused by the server's
and the client's command lines with a clear message, before anything in it changes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
import requests

from server.storage.schema import ALEMBIC_USER_VERSION, head
from sync.account.profile_db import PROFILE_DB_NAME
from sync.account.profile_db import schema as profile_schema
from sync.storage.sqlite import user_version
from tests.support.server_process import ServerProcess
from tests.support.zygote import run_module

PASSWORD = "pass-word-1"


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return user_version(conn)
    finally:
        conn.close()


def _set_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


@pytest.mark.databases
@pytest.mark.new_database
def test_the_server_migrates_at_start_up_and_requests_only_read_the_version(server: ServerProcess) -> None:
    # before any request touched the database
    assert server.sql("SELECT version_num FROM alembic_version") == [(head(),)]
    if server.backend == "sqlite":  # a StudyDesk from before Alembic refuses the file as newer
        assert _version(server.data_dir / "server.sqlite3") == ALEMBIC_USER_VERSION
    server.cli("user", "add", "li", "--unit", "U", "--new-unit", "--password-stdin", input=f"{PASSWORD}\n".encode())
    token = requests.post(f"{server.url}/api/auth/login", json={"username": "li", "password": PASSWORD},
                          timeout=10).json()["access_token"]
    with server.write_lock_held():  # a request that migrated would have to wait for it
        r = requests.get(f"{server.url}/api/transcript", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 200, r.text


def test_a_newer_server_database_is_refused_by_the_admin_commands(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "server-data")
    proc.cli("user", "add", "li", "--unit", "U", "--new-unit", "--password-stdin", input=f"{PASSWORD}\n".encode())
    proc.sql("UPDATE alembic_version SET version_num = '9999'")  # a revision this StudyDesk does not know
    db = proc.data_dir / "server.sqlite3"
    before = db.read_bytes()
    out = proc.cli("user", "list", check=False)
    assert out.returncode == 1
    assert "newer than this StudyDesk knows" in out.stderr and "update StudyDesk" in out.stderr
    assert "Traceback" not in out.stderr
    assert db.read_bytes() == before


def _client(data: Path, site: Path, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STUDYDESK_LANG"}
    return run_module("client.cli", ["--data", str(data), "--site", str(site), *args], input=stdin, env=env)


def test_a_newer_profile_database_stops_the_sign_in_with_a_translated_message(server: ServerProcess,
                                                                               tmp_path: Path) -> None:
    server.cli("user", "add", "wang", "--unit", "U", "--new-unit", "--password-stdin", input=f"{PASSWORD}\n".encode())
    site = tmp_path / "site.toml"
    site.write_text(f'[server]\nurl = "{server.url}"\n\n[ui]\nlanguage = "zh_CN"\n', encoding="utf-8")
    data = tmp_path / "pc"
    first = _client(data, site, "login", "--user", "wang", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert first.returncode == 0, first.stderr
    (profile,) = (data / "profiles").glob(f"*/{PROFILE_DB_NAME}")
    assert _version(profile) == profile_schema.version  # the sign-in created and migrated it
    _set_version(profile, profile_schema.version + 1)

    again = _client(data, site, "login", "--user", "wang", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert again.returncode == 1
    assert "更新版本的 StudyDesk" in again.stderr and "db_too_new" in again.stderr
    assert _version(profile) == profile_schema.version + 1
