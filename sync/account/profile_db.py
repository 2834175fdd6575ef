"""One person's database on this PC: ``<data root>/profiles/<user>/profile.sqlite3``.

Holds the outbox (sync/records/outbox.py), lesson progress (sync/records/progress.py), the
cached assignments (sync/account/assignments.py), the open quiz or exam attempts and the
server's grades of the submitted ones (sync/records/attempts.py), and the server's rules and
outcomes as last fetched and how far its clock was from this PC's (sync/records/server_view.py).
``schema`` is its ordered list of migrations; add a new one at the end, never edit one that has
shipped. Must not import Qt.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sync.storage.record_table import record_table_sql, version_column_sql
from sync.storage.sqlite import Migration, Schema, open_sqlite

PROFILE_DB_NAME = "profile.sqlite3"

schema = Schema("profile", [
    # The outbox: signed records, append-only (the triggers refuse UPDATE and DELETE), and their
    # delivery state; a record without a delivery row is pending.
    # (record_table_sql's output is part of this migration: a new shape needs a new migration.)
    Migration(1, record_table_sql("outbox_records", row_key="rowid_ INTEGER PRIMARY KEY") + """;
    CREATE TRIGGER outbox_records_no_update BEFORE UPDATE ON outbox_records
    BEGIN SELECT RAISE(ABORT, 'outbox records are append-only: update refused'); END;
    CREATE TRIGGER outbox_records_no_delete BEFORE DELETE ON outbox_records
    BEGIN SELECT RAISE(ABORT, 'outbox records are append-only: delete refused'); END;
    CREATE TABLE outbox_delivery (
        record_id TEXT PRIMARY KEY REFERENCES outbox_records(id),
        state TEXT NOT NULL CHECK (state IN ('acked', 'rejected')),
        reason TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE outbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
    """, legacy_step="outbox.1"),
    # Where each lesson stands: resume position, covered media time, completion.
    Migration(2, """
    CREATE TABLE lesson_progress (
        course_id TEXT NOT NULL,
        lesson_id TEXT NOT NULL,
        position_s REAL NOT NULL CHECK (position_s >= 0),
        covered_segments TEXT NOT NULL,
        covered_s REAL NOT NULL CHECK (covered_s >= 0),
        duration_s REAL NOT NULL CHECK (duration_s >= 0),
        study_s REAL NOT NULL CHECK (study_s >= 0),
        completed INTEGER NOT NULL CHECK (completed IN (0, 1)),
        completed_at TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (course_id, lesson_id)
    )
    """, legacy_step="lesson_progress.1"),
    # The server's assignments as last fetched, for offline use.
    Migration(3, """
    CREATE TABLE assignments_cache (
        course_id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        required INTEGER NOT NULL,
        due TEXT,
        credit_hours REAL,
        latest_version INTEGER,
        raw TEXT NOT NULL
    );
    CREATE TABLE assignments_cache_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
    """, legacy_step="assignments_cache.1"),
    # Protocol v2: each record keeps its version (1 for every record stored before v2 existed).
    Migration(4, version_column_sql("outbox_records"), legacy_step="outbox.2"),
    # The open span's unsigned watch body (seconds form, with the course version), NULL when none.
    Migration(5, "ALTER TABLE lesson_progress ADD COLUMN pending TEXT", legacy_step="lesson_progress.2"),
    # A quiz or exam attempt under way: its paper's seed, the answers so far and the time used,
    # so that a crash resumes the same paper. The row goes when the attempt's record is signed.
    Migration(6, """
    CREATE TABLE open_attempts (
        course_id TEXT NOT NULL,
        assessment_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('quiz', 'exam')),
        attempt_id TEXT NOT NULL UNIQUE,
        seed INTEGER NOT NULL,
        answers TEXT NOT NULL,
        elapsed_ms INTEGER NOT NULL CHECK (elapsed_ms >= 0),
        resumes INTEGER NOT NULL CHECK (resumes >= 0),
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (course_id, assessment_id)
    )
    """),
    # The server's own grade of a quiz or exam record, as its transcript last said.
    Migration(7, """
    CREATE TABLE server_grades (
        record_id TEXT PRIMARY KEY,
        score INTEGER NOT NULL CHECK (score >= 0),
        max_score INTEGER NOT NULL CHECK (max_score >= 0),
        passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
        updated_at TEXT NOT NULL
    )
    """),
    # What the server last said of this person for offline use: the site's credit rules (sent
    # with the assignments) and this year's outcomes (its transcript), each as JSON.
    Migration(8, """
    CREATE TABLE server_view (
        key TEXT PRIMARY KEY CHECK (key IN ('rules', 'outcomes')),
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """),
    # How far the server's clock was from this PC's at the last sync (server minus PC, seconds), one
    # row: the app's "today" is the site's day by the server's clock, also on a PC whose clock is wrong.
    Migration(9, """
    CREATE TABLE server_clock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        offset_s REAL NOT NULL,
        updated_at TEXT NOT NULL
    )
    """),
])


def open_profile_db(profile_dir: Path) -> sqlite3.Connection:
    """A connection for the calling thread only, the file migrated to ``schema.version``."""
    return open_sqlite(profile_dir / PROFILE_DB_NAME, schema)
