"""The server's SQLite database: one file, WAL, schema versioned by PRAGMA user_version.

Each feature module registers its schema steps with ``migration``; ``open_db`` applies
the steps the file has not seen yet, in order, inside one transaction each.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

_MIGRATIONS: list[tuple[str, str]] = []  # (name, sql) in registration order
_lock = threading.Lock()


def migration(name: str, sql: str) -> None:
    """Register a schema step. Names are unique; order of registration is the order applied.

    Steps are recorded in the ``schema_steps`` table by name, so modules may register in any
    import order without renumbering each other.
    """
    with _lock:
        if all(n != name for n, _ in _MIGRATIONS):
            _MIGRATIONS.append((name, sql))


def open_db(path: Path, *, check_same_thread: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=check_same_thread)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("CREATE TABLE IF NOT EXISTS schema_steps (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    _apply(conn)
    return conn


def _apply(conn: sqlite3.Connection) -> None:
    done = {r[0] for r in conn.execute("SELECT name FROM schema_steps")}
    for name, sql in list(_MIGRATIONS):
        if name in done:
            continue
        with transaction(conn):
            for stmt in _split(sql):
                conn.execute(stmt)
            conn.execute("INSERT INTO schema_steps VALUES (?, datetime('now'))", (name,))


def _split(sql: str) -> list[str]:
    # executescript() would COMMIT implicitly; run statements one by one inside our transaction.
    return [s.strip() for s in sql.split(";") if s.strip()]


class transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


ConnFactory = Callable[[], sqlite3.Connection]
