"""A data folder made by the server before Alembic (tests/data/server_v11, made by
tests/support/make_server_v11.py with that server's code) is upgraded in place when today's
server starts on it: stamped at the first revision, brought to the newest, nothing lost, and its
people sign in and sync on as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import requests

from server.storage.schema import ALEMBIC_USER_VERSION, head
from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.keys import PrivateKey
from sync.protocol.records import DeviceSigner, make_record
from tests.support.server_process import ServerProcess
from tests.support.server_v11 import v11_site
from tests.support.watch import Timeline


def test_a_data_folder_from_before_alembic_is_upgraded_in_place(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    site = v11_site(server.data_dir)
    counts = {t: server.sql(f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("users", "devices", "tokens", "records",
                                                                         "record_credit", "audit_log")}
    assert server.sql("SELECT name FROM sqlite_master WHERE name = 'alembic_version'") == []
    server.start()
    try:
        assert server.sql("SELECT version_num FROM alembic_version") == [(head(),)]
        conn = sqlite3.connect(server.data_dir / "server.sqlite3")
        assert conn.execute("PRAGMA user_version").fetchone()[0] == ALEMBIC_USER_VERSION
        conn.close()
        for table, n in counts.items():  # nothing lost (the audit log may only grow)
            [(now,)] = server.sql(f"SELECT COUNT(*) FROM {table}")
            assert now == n or (table == "audit_log" and now > n), table

        # the flat unit names became units under one root, and unit assignments name their codes
        assert server.sql("SELECT units.name, units.path FROM users JOIN units ON units.code = users.unit_code "
                          "WHERE username = 'li'") == [("城关镇", "root/unit-1/")]
        assert server.sql("SELECT target_kind, target FROM assignments") == [("unit", "unit-1")]

        li = ApiClient(Transport(server.url))
        li.login("li", site["people"]["li"]["password"])
        assert li.transcript() == site["transcript"]  # the same records, the same credit
        assert [a["course_id"] for a in li.assignments()] == [site["course"]["id"]]

        device = site["device"]  # the chain goes on where it ended, without a gap
        signer = DeviceSigner(device["device_id"], device["user_id"], PrivateKey.from_raw(bytes.fromhex(
            device["private_key"])))
        r = make_record(signer, seq=device["last_seq"] + 1, prev=device["last_hash"], record_type="watch",
                        course_id="c1", lesson_id="l2", body=Timeline().body([[40.0, 60.0]], position_s=60.0))
        [answer] = li.post_batch([r])
        assert answer == {"id": r.id, "status": "stored"}
        before = {c["course_id"]: c["credited_s"] for c in site["transcript"]["courses"]}
        after = {c["course_id"]: c["credited_s"] for c in li.transcript()["courses"]}
        assert after == {"c1": before["c1"] + 20.0}

        wrong = requests.post(f"{server.url}/api/auth/login", json={"username": "wang", "password": "x-x-x-x"},
                              timeout=10)
        assert wrong.status_code == 401  # the old failure counts on: 2 of 3 free tries used
        assert server.sql("SELECT failures FROM signin_failures WHERE scope = 'account' AND key = 'wang'") == [(2,)]
        rows = [line.split("\t") for line in server.cli("audit", "--user", "li").stdout.splitlines()[1:]]
        assert ["user add", "li"] in [row[2:4] for row in rows]  # the old server's audit rows are there
    finally:
        server.stop()


def test_a_file_behind_the_last_numbered_step_gets_the_steps_then_the_revisions(tmp_path: Path) -> None:
    from server.storage.legacy import schema as steps
    from sync.storage.sqlite import split_statements

    server = ServerProcess(tmp_path / "data")
    server.data_dir.mkdir(parents=True)
    conn = sqlite3.connect(server.data_dir / "server.sqlite3", isolation_level=None)
    for migration in steps.migrations[:7]:  # a server of the time before token families and the audit log
        for statement in split_statements(migration.sql):
            conn.execute(statement)
    conn.execute("INSERT INTO users (user_id, username, display_name, unit, password_hash) VALUES "
                 "('u1', 'old', 'old', 'u', 'x')")
    conn.execute("INSERT INTO tokens (token_hash, user_id, kind, expires_at) VALUES ('t1', 'u1', 'refresh', 1e10)")
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    assert "old\t" in server.cli("user", "list").stdout  # an admin command brings it up to date
    assert server.sql("SELECT version_num FROM alembic_version") == [(head(),)]
    assert server.sql("SELECT family FROM tokens") == [("t1",)]  # step 8 ran on the old rows
