"""The server's SQLite database: its ordered list of migrations and the per-request connection.

``migrate_db`` runs once when the server starts; ``open_db`` then only reads the schema version
(an admin command on a new data folder migrates at its first ``open_db``). Add a new migration
at the end, never edit one that has shipped.

A statement waits at most BUSY_TIMEOUT_S for another connection's write lock, well within a
client's 30 s request timeout; past that the request is answered 503 with Retry-After
(server.limits) rather than left to time out.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sync.storage.record_table import FIRST_COLUMNS, record_table_sql, version_column_sql
from sync.storage.sqlite import Migration, Schema, open_sqlite, transaction

__all__ = ["migrate_db", "open_db", "schema", "transaction"]

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

BUSY_TIMEOUT_S = 5.0


def migrate_db(path: Path) -> None:
    """Bring the database up to date (creating it); FormatError("db_too_new") for a newer file."""
    open_sqlite(path, schema).close()


def open_db(path: Path) -> sqlite3.Connection:
    """A connection for one request or command, handed between the threads that serve one
    request one at a time (never used by two at once)."""
    return open_sqlite(path, schema, busy_timeout_s=BUSY_TIMEOUT_S, check_same_thread=False)
