"""The server's SQLite database. Feature modules register schema steps on ``schema``.

A statement waits at most BUSY_TIMEOUT_S for another connection's write lock, well within a
client's 30 s request timeout; past that the request is answered 503 with Retry-After
(server.limits) rather than left to time out.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sync.storage.sqlite import SchemaRegistry, open_sqlite, transaction

schema = SchemaRegistry()

__all__ = ["open_db", "schema", "transaction"]

BUSY_TIMEOUT_S = 5.0


def open_db(path: Path) -> sqlite3.Connection:
    return open_sqlite(path, schema, busy_timeout_s=BUSY_TIMEOUT_S)
