"""One person's database on this PC: ``<data root>/profiles/<user>/profile.sqlite3``.

Holds the outbox, lesson progress, cached assignments and the like. Feature modules
register their tables on ``schema``. Must not import Qt.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sync.storage.sqlite import SchemaRegistry, open_sqlite

schema = SchemaRegistry()

PROFILE_DB_NAME = "profile.sqlite3"


def open_profile_db(profile_dir: Path) -> sqlite3.Connection:
    return open_sqlite(profile_dir / PROFILE_DB_NAME, schema)
