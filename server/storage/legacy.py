"""The numbered SQLite steps of server data folders made before Alembic took over.

A data folder's ``server.sqlite3`` kept its schema as ``PRAGMA user_version`` = the number of
the last of these steps applied (or, older still, their names in a ``schema_steps`` table).
``bring_to_last_step`` runs the missing ones; the result is exactly what the first Alembic
revision creates, so such a file is then stamped at that revision and upgraded like any other.
These steps are frozen: the schema changes only through new Alembic revisions.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sync.storage.record_table import FIRST_COLUMNS, record_table_sql, version_column_sql
from sync.storage.sqlite import Migration, Schema, open_sqlite, user_version

# What the server keeps of a record besides the record itself: where it came from, when it arrived.
_SERVER_COLUMNS = ("source TEXT NOT NULL",
                   "received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
_STORED = ", ".join((*FIRST_COLUMNS, "source", "received_at"))  # the shape migration 6 copies

schema = Schema("server", [
    # Accounts (server/users.py).
    Migration(1, """
    CREATE TABLE users (
        user_id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        unit TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE INDEX users_unit ON users(unit)
    """, legacy_step="users.1"),
    # Tokens and enrolled devices (server/auth.py).
    Migration(2, """
    CREATE TABLE tokens (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(user_id),
        kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
        expires_at REAL NOT NULL
    );
    CREATE INDEX tokens_user ON tokens(user_id);
    CREATE TABLE devices (
        device_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(user_id),
        public_key TEXT NOT NULL,
        enrolled_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        enrolled_by TEXT NOT NULL DEFAULT 'api'
    );
    CREATE INDEX devices_user ON devices(user_id)
    """, legacy_step="auth.1"),
    # Verified study records (server/ingest.py). record_table_sql's output is part of this
    # migration and of migration 6: a new shape needs a new migration.
    Migration(3, record_table_sql("records", extra_columns=_SERVER_COLUMNS)
              + ";\nCREATE INDEX records_user_course ON records(user_id, course_id)", legacy_step="records.1"),
    # Course assignments to a person or a unit (server/assignments.py).
    Migration(4, """
    CREATE TABLE assignments (
        course_id TEXT NOT NULL,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('user', 'unit')),
        target TEXT NOT NULL,
        required INTEGER NOT NULL,
        due TEXT,
        title TEXT,
        credit_hours REAL,
        assigned_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        PRIMARY KEY (course_id, target_kind, target)
    )
    """, legacy_step="assignments.1"),
    # A deactivated account cannot sign in or use its tokens; its records and devices stay.
    Migration(5, "ALTER TABLE users ADD COLUMN deactivated_at TEXT", legacy_step="users.2"),
    # A record's identity is (device, id); rid is the server's own key for it.
    Migration(6, record_table_sql("records_by_device", row_key="rid INTEGER PRIMARY KEY",
                                  extra_columns=_SERVER_COLUMNS, id_per_device=True) + f""";
    INSERT INTO records_by_device ({_STORED})
        SELECT {_STORED} FROM records
        ORDER BY received_at, device_id, seq;
    DROP TABLE records;
    ALTER TABLE records_by_device RENAME TO records;
    CREATE INDEX records_user_course ON records(user_id, course_id)
    """, legacy_step="records.2"),
    # What each stored record earned: credited media segments and seconds, the seconds set aside by
    # reason, and its chain's state after it; and the wall time each person's credit holds.
    Migration(7, """
    CREATE TABLE record_credit (
        rid INTEGER PRIMARY KEY REFERENCES records(rid),
        user_id TEXT NOT NULL,
        segments TEXT NOT NULL,
        credited_s REAL NOT NULL CHECK (credited_s >= 0),
        set_aside TEXT NOT NULL,
        set_aside_s REAL NOT NULL CHECK (set_aside_s >= 0),
        chain_end REAL,
        allowance_s REAL NOT NULL
    );
    CREATE INDEX record_credit_user ON record_credit(user_id);
    CREATE TABLE credit_windows (
        user_id TEXT NOT NULL,
        start_s REAL NOT NULL,
        end_s REAL NOT NULL CHECK (end_s > start_s),
        rid INTEGER NOT NULL REFERENCES records(rid)
    );
    CREATE INDEX credit_windows_user ON credit_windows(user_id, start_s)
    """, legacy_step="credit.1"),
    # Refresh-token families: a used refresh token presented again revokes its family (server/auth.py).
    Migration(8, """
    ALTER TABLE tokens ADD COLUMN family TEXT;
    ALTER TABLE tokens ADD COLUMN used_at REAL;
    ALTER TABLE tokens ADD COLUMN successor TEXT;
    ALTER TABLE tokens ADD COLUMN grace_used INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE tokens ADD COLUMN issued_with TEXT;
    UPDATE tokens SET family = token_hash WHERE family IS NULL;
    CREATE INDEX tokens_family ON tokens(family)
    """, legacy_step="auth.2"),
    # Failed sign-ins per account and per address, for the growing delays (server/throttle.py).
    Migration(9, """
    CREATE TABLE signin_failures (
        scope TEXT NOT NULL CHECK (scope IN ('account', 'address')),
        key TEXT NOT NULL,
        failures INTEGER NOT NULL,
        last_at REAL NOT NULL,
        PRIMARY KEY (scope, key)
    )
    """, legacy_step="throttle.1"),
    # The append-only audit log of sign-ins and admin actions (server/audit.py).
    Migration(10, """
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        result TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_log_at ON audit_log(at);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """, legacy_step="audit.1"),
    # Protocol v2: each record keeps its version (1 for every record stored before v2 existed).
    Migration(11, version_column_sql("records"), legacy_step="records.3"),
])

LEGACY_TABLE = "schema_steps"


def needs_steps(conn: sqlite3.Connection) -> bool:
    """Whether the file is a pre-Alembic database short of the last step."""
    found = user_version(conn)
    if found == 0:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                            (LEGACY_TABLE,)).fetchone() is not None
    return found < schema.version


def bring_to_last_step(path: Path) -> None:
    """Run the missing steps on the pre-Alembic file at ``path`` (in one transaction)."""
    open_sqlite(path, schema).close()
