"""The yearly figures folded in at each ingest batch (server.person_year.refresh, which updates the
stored row in place) are, column by column and type by type, what working the year out afresh
stores (which deletes and inserts the row), on SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from server.app import create_app
from server.auth import enrol_device
from server.config import ServerConfig
from server.ingest import ingest
from server.person_year import Totals
from server.published import Published
from server.site_rules import load_site_rules
from server.storage.engine import transaction
from server.storage.tables import person_course, person_year, unit_week
from server.users import add_user
from sync.account.profile_db import PROFILE_DB_NAME, schema
from sync.protocol.keys import PrivateKey
from sync.protocol.records import V2, DeviceSigner
from sync.protocol.watch import to_v2
from sync.records.outbox import Outbox
from sync.storage.sqlite import open_sqlite
from tests.support.courses import publish_lessons
from tests.support.watch import iso

pytestmark = pytest.mark.databases


def _typed(conn: sa.Connection, table: sa.Table, skip: tuple[str, ...] = ()) -> list[list[tuple[str, Any, Any]]]:
    """Every row of ``table`` (but its ``skip`` columns): each value with its Python type and, on
    SQLite, the type the database keeps it as."""
    columns = [c for c in table.c if c.name not in skip]
    kept = [sa.func.typeof(c) if conn.dialect.name == "sqlite" else sa.null() for c in columns]
    rows = conn.execute(sa.select(*columns, *kept).order_by(*table.primary_key.columns)).all()
    return [[(type(v).__name__, v, k) for v, k in zip(r[:len(columns)], r[len(columns):], strict=True)]
            for r in rows]


def test_the_fold_stores_what_working_the_year_out_afresh_stores(tmp_path: Path, database: str | None) -> None:
    data = tmp_path / "data"
    publish_lessons(data, "course-1", {f"lesson-{k}": 3600.0 for k in range(4)}, max_rate=1.0)
    config = ServerConfig(data, database_url=database)
    conn = create_app(config).state.engine.connect()
    user = add_user(conn, "folded", "folded-pass", "folding unit")
    signer = DeviceSigner(str(uuid.uuid4()), user.user_id, PrivateKey.generate())
    enrol_device(conn, user, signer.device_id, signer.key.public.to_text())
    n = 90
    t0 = time.time() - 60 * n - 120
    with transaction(conn):
        conn.execute(sa.text("UPDATE devices SET enrolled_at = :at WHERE device_id = :device"),
                     {"at": iso(t0 - 3600), "device": signer.device_id})
    client = open_sqlite(tmp_path / "client" / PROFILE_DB_NAME, schema)
    outbox = Outbox(client, signer)
    for i in range(n):
        start = (i // 4) % 60 * 60.0
        seconds = 60.0 - (i % 7) * 0.3337  # credited time not a whole number of milliseconds
        body = {"segments": [[start, start + seconds]], "credited_s": seconds, "study_s": seconds,
                "elapsed_mono_s": seconds, "wall_start": iso(t0 + 60 * i), "wall_end": iso(t0 + 60 * i + 60),
                "max_rate": 1.0, "position_s": start + seconds, "covered_s": start + seconds, "duration_s": 3600.0,
                "completed": False, "version": 1}
        outbox.append("watch", "course-1", f"lesson-{i % 4}", to_v2(body), v=V2)
    signed = outbox.records()
    client.close()
    for k in (0, 7, 8, 40, 89):  # the first batch works the year out, the others fold into it
        batch = signed[k:{0: 7, 7: 8, 8: 40, 40: 89, 89: n}[k]]
        found = ingest(conn, [r.to_dict() for r in batch], as_user_id=user.user_id, repo_dir=config.repo_dir)
        assert [o.status for o in found] == ["stored"] * len(batch)
    conn.commit()
    tables = ((person_year, ("updated_at",)), (person_course, ()), (unit_week, ()))
    folded = [_typed(conn, table, skip) for table, skip in tables]
    assert len(folded[0]) == 1 and len(folded[1]) == 1 and folded[2]  # a year, a fold, some weeks
    with transaction(conn, people=[user.user_id]):
        Totals(conn, Published(config.repo_dir), load_site_rules(data)).update([user.user_id])
    assert [_typed(conn, table, skip) for table, skip in tables] == folded
    conn.close()
