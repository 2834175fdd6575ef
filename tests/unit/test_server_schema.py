"""The server's revisions: one chain, and a database at its head matches the table declarations,
whether new or upgraded from a data folder made before Alembic (its numbered SQLite steps)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from server.storage import legacy
from server.storage.engine import sqlite_url
from server.storage.schema import ALEMBIC_USER_VERSION, FIRST_REVISION, head, newest_revision, open_database, scripts
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
