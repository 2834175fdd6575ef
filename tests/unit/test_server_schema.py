"""The server's revisions: one chain, and a database at its head matches the table declarations,
whether new or upgraded from a data folder made before Alembic (its numbered SQLite steps)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.storage import legacy
from server.storage.engine import create, is_sqlite, sqlite_url
from server.storage.schema import (
    ALEMBIC_USER_VERSION,
    FIRST_REVISION,
    head,
    newest_revision,
    open_database,
    run_revisions,
    scripts,
    upgrade,
)
from sync.protocol.errors import FormatError
from sync.storage.sqlite import open_sqlite, user_version
from tests.support.schema import schema_differences


def test_the_revisions_form_one_chain_from_the_first() -> None:
    assert len(scripts().get_heads()) == 1
    assert newest_revision() == head()  # the quick read of the files agrees with Alembic
    chain = [s.revision for s in scripts().walk_revisions()]
    assert chain[-1] == FIRST_REVISION and len(set(chain)) == len(chain)
    for script in scripts().walk_revisions():  # each file says what it does
        assert script.doc and script.module.__doc__


def _triggers(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return {name: " ".join(sql.split()) for name, sql in
                conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    finally:
        conn.close()


def test_a_new_database_and_one_from_the_numbered_steps_match_the_declarations(tmp_path: Path) -> None:
    new, old = tmp_path / "new.sqlite3", tmp_path / "old.sqlite3"
    open_database(sqlite_url(new)).dispose()
    open_sqlite(old, legacy.schema).close()  # a data folder as the server made it before Alembic
    open_database(sqlite_url(old)).dispose()
    for path in (new, old):
        assert schema_differences(sqlite_url(path)) == []
        conn = sqlite3.connect(path)
        assert user_version(conn) == ALEMBIC_USER_VERSION
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head(),)]
        conn.close()
    # the audit log refuses changes on both, with the same triggers
    assert _triggers(old) == _triggers(new) and set(_triggers(new)) == {"audit_log_no_update", "audit_log_no_delete"}


def test_an_older_studydesk_refuses_a_file_kept_by_alembic(tmp_path: Path) -> None:
    path = tmp_path / "server.sqlite3"
    open_database(sqlite_url(path)).dispose()
    with pytest.raises(FormatError) as refused:  # what the server's numbered steps said to a newer file
        open_sqlite(path, legacy.schema)
    assert refused.value.code == "db_too_new"


def _plain(value: object) -> object:
    """An inspector's answer with its SQL expressions (a partial index's WHERE) as their text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, sa.ClauseElement):
        return " ".join(str(value).split())
    return value


def _described(url: str) -> dict[str, object]:
    """Everything the server's code and its database rely on in a schema, as SQLAlchemy's
    inspector and the database's catalogue report it: each table's columns (in their order), keys,
    references, indexes, unique and check constraints; the triggers (and on PostgreSQL their
    function); the revision stamped, and on SQLite the file's user_version."""
    engine = create(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            tables: dict[str, object] = {}
            for name in sorted(inspector.get_table_names()):
                tables[name] = {
                    "columns": [(c["name"], str(c["type"]), c["nullable"], c["default"]) for c in
                                inspector.get_columns(name)],
                    "primary key": inspector.get_pk_constraint(name),
                    "references": sorted(repr(_plain(k)) for k in inspector.get_foreign_keys(name)),
                    "indexes": sorted(repr(_plain(i)) for i in inspector.get_indexes(name)),
                    "unique": sorted(repr(_plain(u)) for u in inspector.get_unique_constraints(name)),
                    "checks": sorted(" ".join(c["sqltext"].split()) for c in inspector.get_check_constraints(name)),
                }
            if is_sqlite(conn):
                triggers = sorted((name, table, " ".join(sql.split())) for name, table, sql in conn.exec_driver_sql(
                    "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"))
                extra: object = int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
            else:
                triggers = sorted(conn.exec_driver_sql(
                    "SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT tgisinternal").all())
                extra = sorted(" ".join(text.split()) for (text,) in conn.exec_driver_sql(
                    "SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = current_schema()"))
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    finally:
        engine.dispose()
    return {"tables": tables, "triggers": triggers, "user_version or functions": extra, "revision": revision}


@pytest.mark.databases
@pytest.mark.new_database
def test_a_new_database_is_made_as_the_revisions_make_it(database: str | None, tmp_path: Path,
                                                         request: pytest.FixtureRequest) -> None:
    """open_database makes a new database from the declarations in one step; the revisions, run
    one by one on an empty database, make the same."""
    if database is None:
        new, by_revisions = sqlite_url(tmp_path / "new.sqlite3"), sqlite_url(tmp_path / "revisions.sqlite3")
    else:
        new, by_revisions = database, request.getfixturevalue("postgres_cluster").empty_database()
    engine = create(new)
    try:
        assert upgrade(engine) == len(list(scripts().walk_revisions()))  # every revision, in one step
        assert upgrade(engine) == 0
    finally:
        engine.dispose()
    engine = create(by_revisions)
    try:
        with engine.connect() as conn:
            assert run_revisions(conn) == len(list(scripts().walk_revisions()))
    finally:
        engine.dispose()
    assert _described(new) == _described(by_revisions)
    assert schema_differences(new) == []
