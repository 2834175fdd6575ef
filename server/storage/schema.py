"""Bringing a database to the newest revision, at server start and before an admin command.

The revisions live in ``migrations/versions``, one file per revision, one chain. A database at
the newest revision is only read (no write lock), so requests never wait on this. Otherwise,
inside one write transaction (server.storage.engine), the revision is read again (another
process may have upgraded meanwhile) and the missing revisions run.

A new, empty database is made in one step from the table declarations (server.storage.tables,
and the audit log's triggers) and stamped at the newest revision, without loading Alembic or
running the revisions one by one; tests/unit/test_server_schema.py checks that it matches, on
SQLite and on PostgreSQL, a database the revisions made.

A SQLite file from before Alembic (``PRAGMA user_version`` 1..11, no ``alembic_version``)
first gets its missing numbered steps (server.storage.legacy), which leave exactly what the
first revision creates, and is then stamped at that revision. Once Alembic keeps a SQLite
file, its user_version says so (ALEMBIC_USER_VERSION), so a StudyDesk from before refuses the
file as newer instead of misreading it. A database at a revision this StudyDesk does not know
is refused (FormatError "db_too_new") before anything in it changes.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from server.storage.engine import create, is_sqlite, transaction
from sync.protocol.errors import FormatError
from sync.storage.sqlite import user_version

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")
FIRST_REVISION = "0001"
LAST_NUMBERED_STEP = 11
"""The user_version the last numbered step of server.storage.legacy leaves (its ``schema.version``;
a test checks). Written out so that opening a database kept by Alembic loads none of those steps
(nor the record format and the keys they import)."""
ALEMBIC_USER_VERSION = LAST_NUMBERED_STEP + 1
"""The user_version of a SQLite file kept by Alembic: past every numbered step."""


_REVISION = re.compile(r"^revision\s*=\s*[\"'](\w+)[\"']", re.MULTILINE)
_REVISES = re.compile(r"^down_revision\b[^=]*=\s*(?:[\"'](\w+)[\"']|None)", re.MULTILINE)


@functools.cache
def _revisions() -> dict[str, str | None]:
    """Each revision -> the one it revises, read from the revision files' ``revision`` and
    ``down_revision`` lines without importing Alembic (a second of start-up on a slow PC).

    Read once per process: the revision files belong to the installed code, which does not change
    under a running process. (What a database holds is never remembered: ``current`` asks it.)"""
    revised: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found, revises = _REVISION.search(text), _REVISES.search(text)
        if found and revises:
            revised[found.group(1)] = revises.group(1)
    return revised


def newest_revision() -> str:
    """The head of the chain (``_revisions``); ``head()`` asks Alembic."""
    revised = _revisions()
    heads = set(revised) - set(revised.values())
    if len(heads) != 1:
        raise RuntimeError(f"the server's revisions must form one chain, found heads {sorted(heads)}")
    return next(iter(heads))


def alembic_config(conn: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision (the chain has exactly one head)."""
    found = scripts().get_heads()
    if len(found) != 1:
        raise RuntimeError(f"the server's revisions must form one chain, found heads {found}")
    return found[0]


_VERSION_TABLE_SQLITE = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
_VERSION_TABLE_POSTGRESQL = (
    "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relname = 'alembic_version' AND c.relkind IN ('r', 'p')")
"""Whether Alembic's table exists: the tables ``tables_in`` lists (SQLite's tables; PostgreSQL's
plain and partitioned tables of the connection's current schema), asked about the one name."""


def current(conn: Connection) -> str | None:
    """The database's revision; None for a database Alembic has not touched.

    One catalogue query, no inspector: it never fails, so it leaves a PostgreSQL transaction usable."""
    exists = _VERSION_TABLE_SQLITE if is_sqlite(conn) else _VERSION_TABLE_POSTGRESQL
    if conn.exec_driver_sql(exists).first() is None:
        return None
    found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    if len(found) > 1:
        raise FormatError("db_damaged", f"the server database names several revisions: {found}")
    return found[0] if found else None


def _file_version(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def _state(conn: Connection, known: ScriptDirectory | None) -> str | None:
    """The revision (None: empty or pre-Alembic); raises for a database newer than this code
    (``known``: the revisions, when read already)."""
    found = current(conn)
    if found is not None and found != newest_revision() and found not in {
            s.revision for s in (known or scripts()).walk_revisions()}:
        raise FormatError("db_too_new", f"the server database has revision {found}, newer than this StudyDesk "
                                        f"knows ({newest_revision()}): update StudyDesk")
    if found is None and is_sqlite(conn) and _file_version(conn) > LAST_NUMBERED_STEP:
        raise FormatError("db_too_new", f"the server database has schema version {_file_version(conn)}, newer "
                                        f"than this StudyDesk knows ({LAST_NUMBERED_STEP}): update StudyDesk")
    return found


def _bring_legacy_file_to_last_step(conn: Connection) -> None:
    """Run the numbered steps a SQLite file from before Alembic misses. ``conn`` (outside any
    transaction) only reads the file's version; the steps run on a connection of their own."""
    raw = conn.connection.dbapi_connection  # in autocommit (server.storage.engine): reading begins nothing
    assert isinstance(raw, sqlite3.Connection)
    if user_version(raw) == ALEMBIC_USER_VERSION:
        return  # kept by Alembic
    from server.storage import legacy

    if legacy.needs_steps(raw):
        legacy.bring_to_last_step(Path(conn.engine.url.database or ""))


def upgrade(engine: Engine) -> int:
    """Bring the database to the newest revision; how many revisions ran (0 when current)."""
    with engine.connect() as conn:
        return bring_to_newest(conn)


def bring_to_newest(conn: Connection) -> int:
    """``upgrade`` on a connection the caller goes on to use (one checkout of the pool, not two).
    A read transaction open on it ends first, and none is left open: the caller's next statement
    starts from the newest committed state, as on a connection just taken from the pool."""
    if conn.in_transaction():
        conn.rollback()
    try:
        return _bring_to_newest(conn)
    finally:
        if conn.in_transaction():
            conn.rollback()


def _bring_to_newest(conn: Connection) -> int:
    newest = newest_revision()
    if is_sqlite(conn):
        _bring_legacy_file_to_last_step(conn)
    found = _state(conn, None)
    if found == newest:
        return 0
    if found is None and _empty(conn):
        with transaction(conn):
            if _empty(conn):  # still: no other process made it meanwhile
                create_newest(conn)
                return len(_revisions())
    return run_revisions(conn)


def run_revisions(conn: Connection) -> int:
    """Alembic's upgrade to the newest revision, in a write transaction of its own (a SQLite file
    from the numbered steps stamped at the first revision first); how many revisions ran."""
    from alembic import command

    newest, known = newest_revision(), scripts()
    with transaction(conn):
        found = _state(conn, known)
        if found == newest:
            return 0
        cfg = alembic_config(conn)
        if found is None and is_sqlite(conn) and _file_version(conn) == LAST_NUMBERED_STEP:
            command.stamp(cfg, FIRST_REVISION)
            found = FIRST_REVISION
        ran = sum(1 for _ in known.iterate_revisions(newest, found))
        command.upgrade(cfg, "head")
        if is_sqlite(conn):
            conn.exec_driver_sql(f"PRAGMA user_version = {ALEMBIC_USER_VERSION}")
    return ran


_EMPTY_SQLITE = "SELECT 1 FROM sqlite_master LIMIT 1"
_EMPTY_POSTGRESQL = (
    "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() LIMIT 1")


def _empty(conn: Connection) -> bool:
    """Whether the database holds nothing yet: no table, index or trigger (SQLite), no table,
    index, view or sequence in the connection's current schema (PostgreSQL)."""
    return conn.exec_driver_sql(_EMPTY_SQLITE if is_sqlite(conn) else _EMPTY_POSTGRESQL).first() is None


_VERSION_TABLE = sa.Table(
    "alembic_version", sa.MetaData(),
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)
"""Alembic's own table of the database's revision, declared as Alembic declares it
(alembic.runtime.migration), so that a database made here is one Alembic reads and upgrades."""


def create_newest(conn: Connection) -> None:
    """Make the newest schema in the empty database on ``conn``, inside the caller's write
    transaction: the declared tables, the audit log's triggers, and the newest revision stamped."""
    from server.storage.tables import audit_log_append_only, metadata

    metadata.create_all(conn, checkfirst=False)
    for statement in audit_log_append_only(conn.dialect.name):
        conn.exec_driver_sql(statement)
    _VERSION_TABLE.create(conn)
    conn.execute(_VERSION_TABLE.insert().values(version_num=newest_revision()))
    if is_sqlite(conn):
        conn.exec_driver_sql(f"PRAGMA user_version = {ALEMBIC_USER_VERSION}")


def tables_in(conn: Connection) -> set[str]:
    """The names of the tables in the database (Alembic's own included)."""
    return set(sa.inspect(conn).get_table_names())


def open_database(url: str, *, pool_size: int = 5) -> Engine:
    """The Engine for ``url``, its database brought to the newest revision (created if new)."""
    engine = create(url, pool_size=pool_size)
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
