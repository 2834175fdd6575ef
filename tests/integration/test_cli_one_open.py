"""An admin command opens its database once (server.commands.one_run): a later connect and the
audit row reuse the engine of the first, yet each still asks the database its revision, so a
database another program made newer while the command ran is refused, and its audit row is not
written. The newest revision is read once per process; what a database holds never is."""

from __future__ import annotations

import io
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from server.cli import _audit, build_parser
from server.commands import connect, kept_engine, one_run
from server.config import ServerConfig
from server.storage.engine import create, sqlite_url
from server.storage.schema import current, head
from sync.protocol.errors import FormatError
from tests.support.server_process import ServerProcess

NEWER = "9999"
"""A revision this StudyDesk does not know, as a newer StudyDesk would leave."""


def _connections(engine: Engine) -> tuple[int, int]:
    """How many connections the engine's pool holds (idle, lent out)."""
    assert isinstance(engine.pool, QueuePool)
    return engine.pool.checkedin(), engine.pool.checkedout()


def _audited(proc: ServerProcess, action: str) -> int:
    return int(proc.sql("SELECT count(*) FROM audit_log WHERE action = :a", {"a": action})[0][0])


@pytest.mark.databases
def test_a_run_reuses_its_engine_and_still_refuses_a_database_made_newer_meanwhile(tmp_path: Path,
                                                                                   database: str | None) -> None:
    proc = ServerProcess(tmp_path / "server-data", database_url=database)
    proc.cli("unit", "add", "U1", "One")
    config = ServerConfig(proc.data_dir, database_url=database)
    with one_run():
        assert kept_engine(config) is None
        with connect(config) as conn:
            assert current(conn) == head()
        engine = kept_engine(config)
        assert engine is not None
        with connect(config) as conn:  # a second connect of the same command: the same engine
            assert kept_engine(config) is engine and conn.engine is engine
        proc.sql(f"UPDATE alembic_version SET version_num = '{NEWER}'")  # another program, a newer StudyDesk
        with pytest.raises(FormatError) as refused, connect(config):
            pass
        assert refused.value.code == "db_too_new"
    assert kept_engine(config) is None  # disposed with the run
    assert proc.sql("SELECT version_num FROM alembic_version") == [(NEWER,)]


@pytest.mark.databases
def test_the_audit_row_of_a_run_is_refused_on_a_database_made_newer_after_its_command(tmp_path: Path,
                                                                                     database: str | None) -> None:
    proc = ServerProcess(tmp_path / "server-data", database_url=database)
    proc.cli("unit", "add", "U1", "One")
    assert _audited(proc, "unit add") == 1  # a whole run writes its row with the command's engine
    argv = [*proc._site_arguments(), "unit", "rename", "U1", "Two"]
    args = build_parser(argv).parse_args(argv)
    err = io.StringIO()
    with one_run():
        assert args.func(args) == 0
        assert kept_engine(ServerConfig(proc.data_dir, database_url=database)) is not None
        proc.sql(f"UPDATE alembic_version SET version_num = '{NEWER}'")
        with redirect_stderr(err):
            _audit(args, argv, "ok")
    assert "the audit log could not be written" in err.getvalue() and "newer than this StudyDesk" in err.getvalue()
    proc.sql(f"UPDATE alembic_version SET version_num = '{head()}'")
    assert _audited(proc, "unit rename") == 0
    assert proc.sql("SELECT name FROM units WHERE code = 'U1'") == [("Two",)]


@pytest.mark.databases
def test_a_later_run_of_the_process_reuses_the_engine_with_no_connection_kept_between_runs(
        tmp_path: Path, database: str | None) -> None:
    proc = ServerProcess(tmp_path / "server-data", database_url=database)
    proc.cli("unit", "add", "U1", "One")
    config = ServerConfig(proc.data_dir, database_url=database)
    with one_run(), connect(config):
        first = kept_engine(config)
    assert first is not None and _connections(first) == (0, 0)
    with one_run(), connect(config) as conn:
        assert conn.engine is first
    assert _connections(first) == (0, 0)
    proc.sql(f"UPDATE alembic_version SET version_num = '{NEWER}'")  # another program, a newer StudyDesk
    with pytest.raises(FormatError) as refused, one_run(), connect(config):
        pass
    assert refused.value.code == "db_too_new"


@pytest.mark.databases
@pytest.mark.new_database
def test_asking_an_empty_database_its_revision_leaves_the_transaction_usable(tmp_path: Path,
                                                                            database: str | None) -> None:
    engine = create(database or sqlite_url(tmp_path / "empty.sqlite3"), pool_size=1)
    try:
        with engine.connect() as conn, conn.begin():
            assert current(conn) is None
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1  # a failed statement would abort it on PG
    finally:
        engine.dispose()
