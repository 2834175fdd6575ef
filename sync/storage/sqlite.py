"""Opening SQLite files the one way this project does, and applying schema steps.

Every database (the client's per-user profile database, the shared content index, the
server's database) is opened here: WAL, ``synchronous=FULL`` (a commit survives power loss,
which the outbox's "never lose an acked or checkpointed record" needs), foreign keys on,
autocommit mode so that transactions are explicit (``with transaction(conn):``).

Feature modules register named schema steps on a SchemaRegistry; ``open_sqlite`` applies
the ones a file has not seen yet, each in its own transaction, and records them in the
``schema_steps`` table. Must not import Qt.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from types import TracebackType


class SchemaRegistry:
    def __init__(self) -> None:
        self._steps: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def step(self, name: str, sql: str) -> None:
        """Register a schema step; steps apply in registration order, each once per file."""
        with self._lock:
            if all(n != name for n, _ in self._steps):
                self._steps.append((name, sql))

    def apply(self, conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_steps (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {r[0] for r in conn.execute("SELECT name FROM schema_steps")}
        for name, sql in list(self._steps):
            if name in done:
                continue
            with transaction(conn):
                # Another connection may have applied this step since the read above: check again
                # inside the write lock (BEGIN IMMEDIATE), so two threads opening one file never race.
                if conn.execute("SELECT 1 FROM schema_steps WHERE name = ?", (name,)).fetchone():
                    continue
                # executescript() would COMMIT on its own; run the statements inside our transaction.
                for stmt in split_statements(sql):
                    conn.execute(stmt)
                conn.execute("INSERT INTO schema_steps VALUES (?, datetime('now'))", (name,))


def split_statements(sql: str) -> list[str]:
    """Split a script into statements; a trigger body's inner ';' does not end its statement."""
    out: list[str] = []
    buf = ""
    for piece in sql.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n\t;"):
                out.append(buf.strip())
            buf = ""
    if buf.strip(" \n\t;"):
        out.append(buf.strip().rstrip(";"))
    return out


def open_sqlite(path: Path, registry: SchemaRegistry | None = None, *, synchronous: str = "FULL",
                busy_timeout_s: float = 30.0) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.
    ``busy_timeout_s``: how long a statement waits for another connection's lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    if registry is not None:
        registry.apply(conn)
    return conn


class transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
