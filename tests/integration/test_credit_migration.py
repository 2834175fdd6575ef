"""A server database from before credit was decided at ingest: its records table is rebuilt with
(device, id) identity, and its stored records are credited on first use, against the repository."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import server.ingest
import server.transcript
from server.config import ServerConfig
from server.storage.legacy import schema
from server.storage.schema import open_database
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner, make_record
from sync.storage.record_table import FIRST_COLUMNS, RECORD_COLUMNS, record_values
from sync.storage.sqlite import split_statements
from tests.support.courses import publish_lessons
from tests.support.watch import Timeline

NEW_STEPS = ("records.2", "credit.1", "records.3")


def old_database(path: Path) -> None:
    """The database as a server without the new steps left it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_steps (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for migration in schema.migrations:
        if migration.legacy_step not in NEW_STEPS:
            for stmt in split_statements(migration.sql):
                conn.execute(stmt)
            conn.execute("INSERT INTO schema_steps VALUES (?, datetime('now'))", (migration.legacy_step,))
    conn.close()


def old_records(tmp_path: Path) -> tuple[ServerConfig, str, DeviceSigner, Timeline, str]:
    """Three watch records of one person stored by a server without the new steps."""
    config = ServerConfig(tmp_path / "data").ensure()
    publish_lessons(config.data_dir, "c1", {"l1": 600.0})
    old_database(config.db_path)
    conn = sqlite3.connect(config.db_path, isolation_level=None)
    user_id, key = str(uuid.uuid4()), PrivateKey.generate()
    signer = DeviceSigner(str(uuid.uuid4()), user_id, key)
    conn.execute("INSERT INTO users (user_id, username, display_name, unit, password_hash) VALUES (?,?,?,?,?)",
                 (user_id, "old", "old", "u", "x"))
    conn.execute("INSERT INTO devices (device_id, user_id, public_key) VALUES (?,?,?)",
                 (signer.device_id, user_id, key.public.to_text()))
    line, prev = Timeline(), GENESIS
    for i in range(3):
        r = make_record(signer, seq=i + 1, prev=prev, record_type="watch", course_id="c1", lesson_id="l1",
                        body=line.body([[i * 20.0, i * 20.0 + 20]]))
        values = dict(zip(RECORD_COLUMNS, record_values(r), strict=True))  # the first shape had no v
        conn.execute(f"INSERT INTO records ({', '.join(FIRST_COLUMNS)}, source) VALUES "
                     f"({','.join('?' * len(FIRST_COLUMNS))}, 'api')", [values[c] for c in FIRST_COLUMNS])
        prev = r.hash
    assert conn.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 3
    conn.close()
    return config, user_id, signer, line, prev


def test_old_records_are_kept_and_credited(tmp_path: Path) -> None:
    config, user_id, signer, line, prev = old_records(tmp_path)

    engine = open_database(config.url)  # the new steps run now, then the revisions
    db = engine.connect()
    assert next(r[1] for r in db.exec_driver_sql("PRAGMA table_info(records)")) == "rid"
    assert [r[0] for r in db.exec_driver_sql("SELECT v FROM records")] == [1, 1, 1]
    assert db.exec_driver_sql("SELECT COUNT(*) FROM records").scalar_one() == 3
    t = server.transcript.transcript(db, user_id, config.repo_dir)
    assert t["records"] == 3 and t["courses"][0]["credited_s"] == 60.0 and t["courses"][0]["set_aside"] == {}
    assert db.exec_driver_sql("SELECT COUNT(*) FROM record_credit").scalar_one() == 3
    # the next record of the chain links to the migrated ones and is credited at ingest
    r = make_record(signer, seq=4, prev=prev, record_type="watch", course_id="c1", lesson_id="l1",
                    body=line.body([[60.0, 80.0]]))
    [outcome] = server.ingest.ingest(db, [r.to_dict()], as_user_id=user_id, repo_dir=config.repo_dir)
    assert outcome.status == "stored" and outcome.flags == ()
    assert server.transcript.transcript(db, user_id, config.repo_dir)["courses"][0]["credited_s"] == 80.0
    db.close()
    engine.dispose()


def test_old_records_are_credited_at_the_persons_next_upload(tmp_path: Path) -> None:
    config, user_id, signer, line, prev = old_records(tmp_path)
    engine = open_database(config.url)
    db = engine.connect()
    assert db.exec_driver_sql("SELECT COUNT(*) FROM credited_people").scalar_one() == 0  # nobody's history looked at
    r = make_record(signer, seq=4, prev=prev, record_type="watch", course_id="c1", lesson_id="l1",
                    body=line.body([[60.0, 80.0]]))
    [outcome] = server.ingest.ingest(db, [r.to_dict()], as_user_id=user_id, repo_dir=config.repo_dir)
    assert outcome.status == "stored" and outcome.flags == ()
    assert db.exec_driver_sql("SELECT COUNT(*) FROM record_credit").scalar_one() == 4
    assert db.exec_driver_sql("SELECT SUM(credited_s) FROM record_credit").scalar_one() == 80.0
    assert [tuple(row) for row in db.exec_driver_sql("SELECT user_id FROM credited_people")] == [(user_id,)]
    db.close()
    engine.dispose()
