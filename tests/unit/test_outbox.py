"""The outbox on a real SQLite file: chain, signatures, append-only triggers, atomic ``also``."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from sync.account.profile_db import open_profile_db
from sync.protocol.errors import FormatError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner, verify_chain
from sync.records.outbox import Delivery, Outbox
from sync.storage.sqlite import transaction


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    conn = open_profile_db(tmp_path / "profile")
    return Outbox(conn, DeviceSigner(str(uuid.uuid4()), "u1", PrivateKey.generate()))


def test_appends_form_a_signed_gap_free_chain(outbox: Outbox) -> None:
    for i in range(10):
        outbox.append("watch", "c1", "l1", {"segments": [[i, i + 1]]})
    records = outbox.records()
    assert [r.seq for r in records] == list(range(1, 11))
    assert records[0].prev == GENESIS
    verify_chain(records, outbox.signer.key.public)  # type: ignore[attr-defined]
    assert outbox.pending_count() == 10


def test_chain_continues_after_reopen(tmp_path: Path) -> None:
    signer = DeviceSigner("dev-1", "u1", PrivateKey.generate())
    conn = open_profile_db(tmp_path)
    Outbox(conn, signer).append("note", None, None, {"text": "a"})
    conn.close()
    conn = open_profile_db(tmp_path)
    r2 = Outbox(conn, signer).append("note", None, None, {"text": "b"})
    assert r2.seq == 2
    verify_chain(Outbox(conn, signer).records(), signer.key.public)


def test_records_cannot_be_updated_or_deleted(outbox: Outbox) -> None:
    r = outbox.append("watch", "c1", "l1", {"segments": [[0, 5]]})
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        outbox.conn.execute("UPDATE outbox_records SET body = '{}' WHERE id = ?", (r.id,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        outbox.conn.execute("DELETE FROM outbox_records")
    assert outbox.records() == [r]


def test_also_runs_in_the_same_transaction(outbox: Outbox) -> None:
    outbox.conn.execute("CREATE TABLE progress (lesson TEXT PRIMARY KEY, pos REAL)")

    def upsert(conn: sqlite3.Connection) -> None:
        assert conn.in_transaction
        conn.execute("INSERT OR REPLACE INTO progress VALUES ('l1', 12.5)")

    outbox.append("watch", "c1", "l1", {"x": 1}, also=upsert)
    assert outbox.conn.execute("SELECT pos FROM progress").fetchone()[0] == 12.5

    def fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT OR REPLACE INTO progress VALUES ('l1', 99)")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        outbox.append("watch", "c1", "l1", {"x": 2}, also=fail)
    # neither the record nor the progress change landed
    assert outbox.count() == 1
    assert outbox.conn.execute("SELECT pos FROM progress").fetchone()[0] == 12.5
    assert outbox.append("watch", "c1", "l1", {"x": 3}).seq == 2


def test_delivery_states_and_acked_is_final(outbox: Outbox) -> None:
    a = outbox.append("watch", "c1", "l1", {"x": 1})
    b = outbox.append("watch", "c1", "l1", {"x": 2})
    c = outbox.append("watch", "c1", "l1", {"x": 3})
    assert outbox.last_sync_at() is None
    outbox.mark([Delivery(a.id, "acked"), Delivery(b.id, "rejected", "bad_signature")])
    assert [r.id for r in outbox.pending()] == [c.id]
    assert outbox.rejected() == [(b, "bad_signature")]
    outbox.mark([Delivery(a.id, "rejected", "late")])
    assert outbox.state_of(a.id) == "acked"
    assert outbox.last_sync_at() is not None


def test_delivery_rows_need_a_real_record(outbox: Outbox) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        outbox.mark([Delivery("no-such-record", "acked")])


def test_two_connections_never_fork_the_chain(tmp_path: Path) -> None:
    signer = DeviceSigner("dev-1", "u1", PrivateKey.generate())
    a = Outbox(open_profile_db(tmp_path), signer)
    b = Outbox(open_profile_db(tmp_path), signer)
    for _ in range(5):
        a.append("note", None, None, {})
        b.append("note", None, None, {})
    verify_chain(a.records(), signer.key.public)
    assert len(a.records()) == 10


def test_transaction_rolls_back_a_failed_block(outbox: Outbox) -> None:
    with pytest.raises(RuntimeError), transaction(outbox.conn):
        outbox.conn.execute("CREATE TABLE t (x)")
        raise RuntimeError
    assert outbox.conn.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None


def test_append_many_continues_the_same_chain_atomically(outbox: Outbox) -> None:
    outbox.append("note", None, None, {"i": 0})
    batch = outbox.append_many([("quiz", "c1", "q1", {"i": i}) for i in range(1, 6)])
    assert [r.seq for r in batch] == [2, 3, 4, 5, 6]
    outbox.append("note", None, None, {"i": 6})
    verify_chain(outbox.records(), outbox.signer.key.public)  # type: ignore[attr-defined]
    with pytest.raises(FormatError):  # nothing of the burst lands
        outbox.append_many([("quiz", "c1", "q1", {"ok": 1}), ("BAD TYPE", None, None, {})])
    assert outbox.count() == 7
