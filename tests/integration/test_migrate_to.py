"""``studydesk-server migrate-to``: a SQLite site (one made before Alembic, upgraded on the way)
copied into an empty PostgreSQL database, verified, and served from there; a database that is
not empty is refused; a copy whose chains were broken afterwards is caught by the chain check."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from server.storage.copy import check_chains
from server.storage.tables import metadata
from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.errors import IntegrityError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import DeviceSigner, make_record
from tests.support.postgres import Cluster
from tests.support.server_process import ServerProcess
from tests.support.server_v11 import v11_site
from tests.support.watch import Timeline


def test_a_sqlite_site_moves_to_postgresql_with_its_chains(tmp_path: Path, postgres_cluster: Cluster) -> None:
    old = ServerProcess(tmp_path / "data")
    site = v11_site(old.data_dir)
    target = postgres_cluster.empty_database()

    done = old.cli("migrate-to", target)
    lines = done.stdout.splitlines()
    figures = {line.split("\t")[0]: line.split("\t")[1:] for line in lines[2:] if line.count("\t") == 3}
    assert set(figures) == set(metadata.tables)
    assert figures["records"][:2] == ["6", "6"] and figures["users"][:2] == ["2", "2"]
    assert all(here == there and "!=" not in digest for here, there, digest in figures.values()), done.stdout
    assert "1 chains, 6 records, every hash and link intact" in done.stdout and "Verified." in done.stdout
    assert "migrate-to" in old.cli("audit").stdout  # the site's own log says it was copied

    again = old.cli("migrate-to", target, check=False)  # the copy is no longer empty: refused
    assert again.returncode == 1 and "[target_not_empty]" in again.stderr

    moved = ServerProcess(old.data_dir, database_url=target).start()
    try:
        li = ApiClient(Transport(moved.url))
        li.login("li", site["people"]["li"]["password"])
        assert li.transcript() == site["transcript"]
        device = site["device"]
        signer = DeviceSigner(device["device_id"], device["user_id"],
                              PrivateKey.from_raw(bytes.fromhex(device["private_key"])))
        r = make_record(signer, seq=device["last_seq"] + 1, prev=device["last_hash"], record_type="watch",
                        course_id="c1", lesson_id="l2", body=Timeline().body([[40.0, 60.0]], position_s=60.0))
        assert li.post_batch([r]) == [{"id": r.id, "status": "stored"}]  # new rows get new row numbers
        [(audit_rows,)] = moved.sql("SELECT COUNT(*) FROM audit_log")
        [(next_id,)] = moved.sql("SELECT MAX(id) FROM audit_log")
        assert audit_rows == next_id  # the copied ids and the new ones follow each other
    finally:
        moved.stop()

    engine = sa.create_engine(target)
    try:
        with engine.begin() as conn:  # someone edits a stored record on the copy
            conn.execute(sa.text("UPDATE records SET body = replace(body, '40', '41') WHERE seq = 7"))
        with engine.connect() as conn, pytest.raises(IntegrityError) as broken:
            check_chains(conn)
        assert broken.value.code == "broken_chain"
    finally:
        engine.dispose()


def test_a_database_with_other_tables_is_refused(tmp_path: Path, postgres_cluster: Cluster) -> None:
    server = ServerProcess(tmp_path / "data")
    server.cli("user", "add", "li", "--unit", "U", "--new-unit", "--password-stdin", input=b"pass-word\n")
    target = postgres_cluster.empty_database()
    engine = sa.create_engine(target)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE payroll (id integer)"))
    engine.dispose()
    refused = server.cli("migrate-to", target, check=False)
    assert refused.returncode == 1 and "[target_not_empty]" in refused.stderr and "payroll" in refused.stderr
    assert "Traceback" not in refused.stderr
