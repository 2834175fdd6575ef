"""The site of tests/data/server_v11: a server's database from before Alembic (made by
tests/support/make_server_v11.py with that server's code), laid out in a data folder for today's
server to start on (tests/integration/test_upgrade_in_place.py, test_migrate_to.py)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from tests.support.courses import publish_lessons

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "server_v11"
"""The old site's database as SQL text (``server.sql``) and its facts (``site.json``)."""


def v11_site(data_dir: Path) -> dict[str, Any]:
    """Lay out the old site's database in ``data_dir`` (with its course published again); its facts."""
    site: dict[str, Any] = json.loads((FIXTURE / "site.json").read_text(encoding="utf-8"))
    publish_lessons(data_dir, site["course"]["id"], site["course"]["lessons"])
    conn = sqlite3.connect(data_dir / "server.sqlite3")
    conn.executescript((FIXTURE / "server.sql").read_text(encoding="utf-8"))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 11
    # the old site's sign-in failures happened a minute before it stopped, whenever the test runs (the
    # server forgets a failure after a while, and the dump's own times are those of the day it was made)
    with conn:
        conn.execute("UPDATE signin_failures SET last_at = ?", (time.time() - 60,))
    conn.close()
    return site
