"""Opening SQLite files: explicit migrations with a schema version, and no "database is locked"
when several threads open the same new file. Real SQLite files in tmp_path throughout."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from sync.account.known_users import KnownUser, KnownUsers
from sync.account.profile_db import PROFILE_DB_NAME, open_profile_db, schema
from sync.protocol.errors import FormatError, StorageError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner, make_record
from sync.records.outbox import Outbox
from sync.storage.record_table import FIRST_COLUMNS, RECORD_COLUMNS, record_values
from sync.storage.sqlite import Migration, Schema, open_sqlite, split_statements, transaction, user_version

SIGNER = DeviceSigner("3f1c2a4e-0000-4000-8000-000000000001", "u1", PrivateKey.generate())


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def _old_record(conn: sqlite3.Connection, seq: int = 1) -> None:
    """A record as the first shape of the outbox table stored it (before the version column)."""
    r = make_record(SIGNER, seq=seq, prev=GENESIS, record_type="watch", course_id="c1", lesson_id="l1",
                    body={"segments": [[0, 5]]})
    values = dict(zip(RECORD_COLUMNS, record_values(r), strict=True))
    conn.execute(f"INSERT INTO outbox_records ({', '.join(FIRST_COLUMNS)}) "
                 f"VALUES ({','.join('?' * len(FIRST_COLUMNS))})", [values[c] for c in FIRST_COLUMNS])


def _file_at(path: Path, migrations: list[Migration], version: int) -> None:
    """A file as an older StudyDesk left it: its first ``version`` migrations applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for m in migrations[:version]:
        for stmt in split_statements(m.sql):
            conn.execute(stmt)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def test_a_new_file_gets_every_migration_and_the_latest_version(tmp_path: Path) -> None:
    conn = open_profile_db(tmp_path)
    try:
        assert user_version(conn) == schema.version == len(schema.migrations)
    finally:
        conn.close()
    assert {"outbox_records", "outbox_delivery", "outbox_meta", "lesson_progress", "assignments_cache",
            "assignments_cache_meta"} <= _tables(tmp_path / PROFILE_DB_NAME)


def test_an_older_file_upgrades_in_place_keeping_its_records(tmp_path: Path) -> None:
    path = tmp_path / PROFILE_DB_NAME
    _file_at(path, list(schema.migrations), 1)  # the outbox only
    raw = sqlite3.connect(path, isolation_level=None)
    _old_record(raw)
    raw.close()
    assert "lesson_progress" not in _tables(path)

    conn = open_profile_db(tmp_path)
    try:
        assert user_version(conn) == schema.version
        assert [r.seq for r in Outbox(conn, SIGNER).records()] == [1]  # the record survived the upgrade
        Outbox(conn, SIGNER).append("watch", "c1", "l1", {"segments": [[5, 9]]})  # and the chain goes on
        assert conn.execute("SELECT COUNT(*) FROM lesson_progress").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_file_that_kept_named_steps_upgrades_in_place(tmp_path: Path) -> None:
    """Files made before user_version was kept list their applied steps in ``schema_steps``."""
    path = tmp_path / PROFILE_DB_NAME
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_steps (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for m in (schema.migrations[0], schema.migrations[2]):  # outbox and assignments, not lesson progress
        for stmt in split_statements(m.sql):
            conn.execute(stmt)
        conn.execute("INSERT INTO schema_steps VALUES (?, datetime('now'))", (m.legacy_step,))
    _old_record(conn)
    conn.close()

    conn = open_profile_db(tmp_path)
    try:
        assert user_version(conn) == schema.version
        assert Outbox(conn, SIGNER).count() == 1
    finally:
        conn.close()
    tables = _tables(path)
    assert "lesson_progress" in tables and "schema_steps" not in tables


def test_a_file_from_a_newer_version_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / PROFILE_DB_NAME
    _file_at(path, list(schema.migrations), 1)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute(f"PRAGMA user_version = {schema.version + 1}")
    raw.close()

    with pytest.raises(FormatError) as info:
        open_profile_db(tmp_path)
    assert info.value.code == "db_too_new"
    assert f"schema version {schema.version + 1}" in info.value.detail and "update StudyDesk" in info.value.detail
    assert "lesson_progress" not in _tables(path)  # nothing was applied to it
    raw = sqlite3.connect(path)
    assert user_version(raw) == schema.version + 1
    raw.close()


def test_opening_a_current_file_runs_no_migration_and_takes_no_write_lock(tmp_path: Path) -> None:
    open_profile_db(tmp_path).close()
    writer = open_profile_db(tmp_path)
    try:
        with transaction(writer):  # another connection holds the write lock meanwhile
            started = time.monotonic()
            conn = open_profile_db(tmp_path)  # would wait for the lock if it migrated again
            try:
                assert schema.migrate(conn) == 0
                assert conn.execute("SELECT COUNT(*) FROM outbox_records").fetchone()[0] == 0
            finally:
                conn.close()
            assert time.monotonic() - started < 5
    finally:
        writer.close()


def test_missing_migrations_run_in_one_transaction(tmp_path: Path) -> None:
    broken = Schema("test", [Migration(1, "CREATE TABLE a (x INTEGER)"), Migration(2, "CREATE TABLE b (x nonsense(")])
    with pytest.raises(sqlite3.OperationalError):
        open_sqlite(tmp_path / "t.sqlite3", broken)
    assert _tables(tmp_path / "t.sqlite3") == set()  # migration 1 was rolled back with 2
    conn = sqlite3.connect(tmp_path / "t.sqlite3")
    assert user_version(conn) == 0
    conn.close()


def test_migrations_are_numbered_in_order() -> None:
    with pytest.raises(ValueError):
        Schema("test", [Migration(1, "SELECT 1"), Migration(3, "SELECT 1")])


def test_many_threads_opening_one_new_file_never_see_database_is_locked(tmp_path: Path) -> None:
    """Switching a new file to WAL is refused at once (no busy timeout) while another connection
    has it open; the people list and the sign-in both open machine.sqlite3 at first start."""
    errors: list[BaseException] = []

    def one(root: Path, i: int, barrier: threading.Barrier) -> None:
        known = KnownUsers(root)
        barrier.wait()
        try:
            if i % 2:
                known.list("http://server")
            else:
                known.remember(KnownUser(f"u{i}", f"n{i}", "D", "Unit", "", "http://server", "salt", "v"))
        except BaseException as exc:
            errors.append(exc)

    for round_ in range(60):
        root = tmp_path / f"pc{round_}"
        barrier = threading.Barrier(4)
        threads = [threading.Thread(target=one, args=(root, i, barrier)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert {u.username for u in KnownUsers(root).list("http://server")} == {"n0", "n2"}


def test_a_write_lock_held_too_long_is_a_storage_error_not_a_bare_locked(tmp_path: Path) -> None:
    open_profile_db(tmp_path).close()
    writer = open_profile_db(tmp_path)
    impatient = sqlite3.connect(tmp_path / PROFILE_DB_NAME, timeout=0.2, isolation_level=None)
    try:
        with transaction(writer), pytest.raises(StorageError) as info, transaction(impatient):
            pass
        assert info.value.code == "db_busy"
    finally:
        impatient.close()
        writer.close()


def test_a_connection_stays_on_the_thread_that_opened_it(tmp_path: Path) -> None:
    conn = open_profile_db(tmp_path)
    seen: list[BaseException] = []

    def use() -> None:
        try:
            conn.execute("SELECT 1")
        except BaseException as exc:
            seen.append(exc)

    t = threading.Thread(target=use)
    t.start()
    t.join()
    conn.close()
    assert len(seen) == 1 and isinstance(seen[0], sqlite3.ProgrammingError)
