"""The server's SQLite database. Feature modules register schema steps on ``schema``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sync.storage.sqlite import SchemaRegistry, open_sqlite, transaction

schema = SchemaRegistry()

__all__ = ["open_db", "schema", "transaction"]


def open_db(path: Path) -> sqlite3.Connection:
    return open_sqlite(path, schema)
