"""The client's outbox and the server's records table store a record in one shape."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from server.storage.engine import sqlite_url
from server.storage.schema import open_database
from sync.account.profile_db import open_profile_db
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner
from sync.records.outbox import Outbox
from sync.storage.record_table import FIRST_COLUMNS, RECORD_COLUMNS, chain_head, insert_sql, record_values


def open_server_db(path: Path) -> sqlite3.Connection:
    """The server's database file at its newest revision, opened as a plain SQLite file."""
    open_database(sqlite_url(path)).dispose()
    return sqlite3.connect(path, isolation_level=None)


def _columns(conn: sqlite3.Connection, table: str) -> dict[str, tuple[str, int, int]]:
    """name -> (type, not null, primary key position)"""
    return {r[1]: (r[2], r[3], r[5]) for r in conn.execute(f"PRAGMA table_info({table})")}


def test_both_sides_declare_the_record_columns_alike(tmp_path: Path) -> None:
    client = open_profile_db(tmp_path / "profile")
    srv = open_server_db(tmp_path / "server.sqlite3")
    mine, theirs = _columns(client, "outbox_records"), _columns(srv, "records")
    shared = [c for c in RECORD_COLUMNS if c != "id"]
    assert [mine[c][:2] for c in shared] == [theirs[c][:2] for c in shared]
    # the protocol version column came with a later step: it follows the first shape on both sides
    assert list(mine) == ["rowid_", *FIRST_COLUMNS, "v"] and mine["rowid_"][2] == 1
    # the server keeps many people's records: its own row key, and ids unique per device
    assert list(theirs) == ["rid", *FIRST_COLUMNS, "source", "received_at", "v"] and theirs["rid"][2] == 1
    assert set(RECORD_COLUMNS) == {*FIRST_COLUMNS, "v"}
    client.close()
    srv.close()


def test_a_record_from_the_outbox_is_stored_by_the_server_as_the_same_row(tmp_path: Path) -> None:
    client = open_profile_db(tmp_path / "profile")
    srv = open_server_db(tmp_path / "server.sqlite3")
    outbox = Outbox(client, DeviceSigner("dev-1", "user-1", PrivateKey.generate()))
    assert chain_head(client, "outbox_records", "dev-1", "user-1") == (0, GENESIS)
    first = outbox.append("watch", "c1", "l1", {"segments": [[0, 12.5]], "标题": "第一课"})
    second = outbox.append("watch", "c1", "l1", {"segments": [[12.5, 30]]})
    for r in (first, second):
        srv.execute(insert_sql("records", ("source",)), (*record_values(r), "api"))
    cols = ", ".join(RECORD_COLUMNS)
    on_client = client.execute(f"SELECT {cols} FROM outbox_records ORDER BY seq").fetchall()
    on_server = srv.execute(f"SELECT {cols} FROM records ORDER BY seq").fetchall()
    assert [tuple(r) for r in on_client] == [tuple(r) for r in on_server]
    assert chain_head(srv, "records", "dev-1", "user-1") == (2, second.hash) == (second.seq, on_client[-1]["hash"])
    assert outbox.records() == [first, second]
    with pytest.raises(sqlite3.IntegrityError):  # one record per chain position, on the server too
        srv.execute(insert_sql("records", ("source",)), (*record_values(replace(second, id="other")), "api"))
    with pytest.raises(sqlite3.IntegrityError):  # one id per device
        srv.execute(insert_sql("records", ("source",)), (*record_values(replace(second, seq=3)), "api"))
    # another device may use the same id: nobody can take another device's ids
    srv.execute(insert_sql("records", ("source",)), (*record_values(replace(first, device_id="dev-2")), "api"))
    client.close()
    srv.close()
