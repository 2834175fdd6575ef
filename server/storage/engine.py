"""The Engine for a database URL, and the rules every connection follows.

SQLite (``sqlite:///PATH``, the embedded default): each new connection is set up the one way
the project opens SQLite (sync.storage.sqlite: WAL, synchronous=FULL, foreign keys) and waits at
most BUSY_TIMEOUT_S for another connection's lock. SQLAlchemy, not the sqlite3 module, begins
transactions: reads share a plain BEGIN, and a ``transaction`` block begins with BEGIN
IMMEDIATE (a transaction that reads first and writes later would have to upgrade its lock,
and SQLite refuses such an upgrade at once, whatever the busy timeout).

PostgreSQL (``postgresql://`` or ``postgresql+psycopg://``, driver psycopg 3): a statement waits
at most LOCK_TIMEOUT_MS for a lock and runs at most STATEMENT_TIMEOUT_MS, so a request never
hangs. A ``transaction`` block first takes one transaction-scoped advisory lock: write
transactions run one at a time on both databases, so a service may read, decide and write in
one block without racing another.

Either way, a database that stays busy past those limits surfaces as StorageError("db_busy")
(or a DBAPIError that ``is_busy`` recognises), which the API answers 503 with Retry-After
(server.limits), never 500.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url

from sync.protocol.errors import FormatError, StorageError
from sync.storage.sqlite import prepare_connection

BUSY_TIMEOUT_S = 5.0
"""SQLite: how long a statement waits for another connection's lock (well within a client's 30 s)."""
LOCK_TIMEOUT_MS = 5000
"""PostgreSQL: how long a statement waits for a lock."""
STATEMENT_TIMEOUT_MS = 20000
"""PostgreSQL: the longest one statement may run (below a client's 30 s request timeout)."""
POOL_TIMEOUT_S = 5.0
"""How long a request waits for a free connection of the pool before it is answered busy."""
WRITE_LOCK_KEY = 0x5354_4459_4445_534B & 0x7FFF_FFFF_FFFF_FFFF
"""PostgreSQL: the advisory lock every write transaction holds (the letters STDYDESK)."""

_WRITING = "studydesk_writing"
_BUSY_SQLSTATES = {"55P03", "57014", "40001", "40P01"}
"""lock_not_available, query_canceled (statement_timeout), serialization_failure, deadlock_detected"""


def database_url(url: str) -> URL:
    """``url`` as SQLAlchemy reads it; ``postgresql://`` means psycopg 3. FormatError for a URL of
    any other database, or one that cannot be read."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise FormatError("bad_database", f"{url!r} is not a database URL (sqlite:///PATH or "
                                          "postgresql://USER@HOST:PORT/NAME)") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and parsed.database:
        return parsed.set(drivername="sqlite")
    raise FormatError("bad_database", f"{parsed.render_as_string()!r}: the server runs on SQLite (a file) or "
                                      "PostgreSQL")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def is_sqlite(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def create(url: str, *, pool_size: int = 5) -> Engine:
    """An Engine for ``url`` whose pool keeps up to ``pool_size`` connections (and lends as many
    again at busy moments)."""
    parsed = database_url(url)
    pooling: dict[str, Any] = {"pool_size": pool_size, "max_overflow": pool_size, "pool_timeout": POOL_TIMEOUT_S}
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
                                  poolclass=sa.pool.QueuePool, **pooling)
        event.listen(engine, "connect", lambda dbapi_conn, _record: _sqlite_connected(dbapi_conn, path))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options = f"-c lock_timeout={LOCK_TIMEOUT_MS} -c statement_timeout={STATEMENT_TIMEOUT_MS}"
    return sa.create_engine(parsed, connect_args={"options": options}, pool_pre_ping=True, **pooling)


def _sqlite_connected(dbapi_conn: sqlite3.Connection, path: Path) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (_sqlite_begin)
    prepare_connection(dbapi_conn, path, busy_timeout_s=BUSY_TIMEOUT_S)


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get(_WRITING) else "BEGIN")


@contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """A write transaction: committed when the block ends, rolled back when it raises.

    A read transaction the connection began for earlier statements ends first (its reads are
    done), so the block starts from the newest committed state and holds the write lock (see the
    module text) from its first statement on. Blocks do not nest.
    """
    if conn.info.get(_WRITING):
        raise RuntimeError("a write transaction is already open on this connection")
    if conn.in_transaction():
        conn.commit()
    conn.info[_WRITING] = True
    try:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            yield conn
    except sa.exc.DBAPIError as exc:
        if is_busy(exc):
            raise StorageError("db_busy", f"the database stayed busy with another writer: {exc.orig}") from exc
        raise
    finally:
        conn.info.pop(_WRITING, None)


def is_busy(exc: BaseException) -> bool:
    """The database gave up waiting for a lock or a connection, or cancelled a statement that ran
    too long: try again shortly."""
    if isinstance(exc, StorageError):
        return exc.code == "db_busy"
    if isinstance(exc, sa.exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return (getattr(orig, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY or "locked" in str(orig)
    return getattr(orig, "sqlstate", None) in _BUSY_SQLSTATES
