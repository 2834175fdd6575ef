"""The Engine for a database URL, and the rules every connection follows.

SQLite (``sqlite:///PATH``, the embedded default): each new connection is set up the one way
the project opens SQLite (sync.storage.sqlite: WAL, synchronous=FULL, foreign keys) and waits at
most BUSY_TIMEOUT_S for another connection's lock. SQLAlchemy, not the sqlite3 module, begins
transactions: reads share a plain BEGIN, and a ``transaction`` block begins with BEGIN
IMMEDIATE (a transaction that reads first and writes later would have to upgrade its lock,
and SQLite refuses such an upgrade at once, whatever the busy timeout).

PostgreSQL (``postgresql://`` or ``postgresql+psycopg://``, driver psycopg 3): a statement waits
at most LOCK_TIMEOUT_MS for a lock and runs at most STATEMENT_TIMEOUT_MS, so a request never
hangs. A ``transaction`` block first takes transaction-scoped advisory locks, so a service may
read, decide and write in one block without racing another worker process:

- ``transaction(conn, people=[...])`` (ingest and the credit of stored records) takes the global
  WRITE_LOCK_KEY *shared* and then one exclusive lock per person (``person_lock_key``, in sorted
  order, so two blocks never wait on each other in a circle). Everything ingest reads to decide
  belongs to the people it locks: a chain is one device of one person, the overlap rule compares
  one person's wall windows, a record's id is scoped to its device, whose records all belong to
  the device's person (a record naming anyone else is refused before anything is written). So
  batches of different people run side by side, and the same person's batches (one device's, or
  two devices') one after the other, each seeing what the one before committed.
- ``transaction(conn)`` (every other write: accounts, devices and their cap, tokens and their
  families, sign-in throttles, assignments, the organization, the audit log, credit of everyone's
  records at once) takes WRITE_LOCK_KEY *exclusive*: such blocks run one at a time and never
  alongside an ingest. They read and decide across people (a name taken, a person's device count,
  a token family), they are short and rare next to record uploads, so serialising them costs
  little and needs no per-table reasoning.

SQLite has one writer whatever the block names: BEGIN IMMEDIATE.

Either way, a database that stays busy past those limits surfaces as StorageError("db_busy")
(or a DBAPIError that ``is_busy`` recognises), which the API answers 503 with Retry-After
(server.limits), never 500.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
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
"""PostgreSQL: the advisory lock every write transaction holds, shared for a person's ingest and
exclusive for any other write (the letters STDYDESK)."""

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


def person_lock_key(user_id: str) -> int:
    """The advisory lock key of one person: a stable signed 64-bit hash of the user id (the same in
    every worker process and across restarts, unlike Python's ``hash``)."""
    digest = hashlib.sha256(b"studydesk person " + user_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def transaction(conn: Connection, *, people: Iterable[str] | None = None) -> Iterator[Connection]:
    """A write transaction: committed when the block ends, rolled back when it raises.

    A read transaction the connection began for earlier statements ends first (its reads are
    done), so the block starts from the newest committed state and holds its locks (see the
    module text) from its first statement on. ``people``: the block writes only what belongs to
    these people (ingest), so on PostgreSQL it locks them, not the whole database. Blocks do not
    nest.
    """
    if conn.info.get(_WRITING):
        raise RuntimeError("a write transaction is already open on this connection")
    if conn.in_transaction():
        conn.commit()
    conn.info[_WRITING] = True
    try:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                _lock(conn, people)
            yield conn
    except sa.exc.DBAPIError as exc:
        if is_busy(exc):
            raise StorageError("db_busy", f"the database stayed busy with another writer: {exc.orig}") from exc
        raise
    finally:
        conn.info.pop(_WRITING, None)


def _lock(conn: Connection, people: Iterable[str] | None) -> None:
    if people is None:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
        return
    conn.execute(sa.text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": WRITE_LOCK_KEY})
    for key in sorted({person_lock_key(user_id) for user_id in people}):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def is_busy(exc: BaseException) -> bool:
    """The database gave up waiting for a lock or a connection, refused a new connection, or
    cancelled a statement that ran too long: try again shortly."""
    if isinstance(exc, StorageError):
        return exc.code == "db_busy"
    if isinstance(exc, sa.exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return (getattr(orig, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY or "locked" in str(orig)
    import psycopg  # the PostgreSQL driver (imported by the engine already when the site uses it)

    if exc.statement is None and isinstance(orig, psycopg.OperationalError):
        # no new connection: PostgreSQL has as many as it allows (max_connections, a role's or a
        # database's CONNECTION LIMIT: several workers' pools at their busiest), or is restarting.
        # libpq gives such a refusal no SQLSTATE, only the server's message, in its language.
        return True
    return getattr(orig, "sqlstate", None) in _BUSY_SQLSTATES
