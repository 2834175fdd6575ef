"""Opening SQLite files the one way this project does, and migrating their schema.

Every database (the client's per-user profile database, the machine's sign-in list, the
server's database) is opened here: WAL, ``synchronous=FULL`` (a commit survives power loss,
which the outbox's "never lose an acked or checkpointed record" needs), foreign keys on, a
busy timeout, autocommit mode so that transactions are explicit (``with transaction(conn):``,
always ``BEGIN IMMEDIATE``: a transaction that reads first and writes later would have to
upgrade its lock, and SQLite refuses such an upgrade at once, whatever the busy timeout).

Each database has one ``Schema``: an explicit, ordered list of migrations. The file's
``PRAGMA user_version`` is the number of the last migration applied. ``open_sqlite`` applies the
missing ones in a single transaction; a file that is already current is only read, and a file
from a newer version of StudyDesk is refused (``FormatError("db_too_new")``).

A connection belongs to the thread that opened it (``check_same_thread``): the client's SQLite
lane opens and writes with its own connections, work on other threads opens its own short ones.
Must not import Qt.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sync.protocol.errors import FormatError, StorageError

BUSY_TIMEOUT_S = 30.0
_LEGACY_TABLE = "schema_steps"  # files made before user_version was kept recorded their steps by name here


@dataclass(frozen=True, slots=True)
class Migration:
    """The statements that take a database file from ``version - 1`` to ``version``."""

    version: int
    sql: str
    legacy_step: str = ""  # this step's name in a file that kept a ``schema_steps`` table instead


class Schema:
    """One database's migrations, in order; the file's ``user_version`` is the last one applied."""

    def __init__(self, name: str, migrations: Sequence[Migration]) -> None:
        versions = [m.version for m in migrations]
        if versions != list(range(1, len(versions) + 1)):
            raise ValueError(f"{name}: migrations must be numbered 1, 2, 3, ... in order, got {versions}")
        self.name = name
        self.migrations = tuple(migrations)

    @property
    def version(self) -> int:
        return len(self.migrations)

    def migrate(self, conn: sqlite3.Connection, path: Path | str = "") -> int:
        """Bring the file up to ``version`` in one transaction; return how many migrations ran.

        A current file is only read (no write lock is taken). Raises FormatError("db_too_new")
        for a file written by a newer version, before and without changing anything.
        """
        if self._checked(user_version(conn), path):
            return 0
        with transaction(conn):
            # Another connection may have migrated the file meanwhile: decide again under the write lock.
            if self._checked(user_version(conn), path):
                return 0
            pending = self._pending(conn)
            for migration in pending:
                # executescript() would COMMIT on its own; run the statements inside this transaction.
                for stmt in split_statements(migration.sql):
                    conn.execute(stmt)
            conn.execute(f"DROP TABLE IF EXISTS {_LEGACY_TABLE}")
            conn.execute(f"PRAGMA user_version = {self.version}")
        return len(pending)

    def _checked(self, found: int, path: Path | str) -> bool:
        """True when the file is current; raises when it is newer than this schema."""
        if found > self.version:
            raise FormatError("db_too_new", f"the {self.name} database {str(path)!r} has schema version {found}, "
                                            f"newer than this StudyDesk knows ({self.version}): update StudyDesk")
        return found == self.version

    def _pending(self, conn: sqlite3.Connection) -> list[Migration]:
        found = user_version(conn)
        legacy = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                              (_LEGACY_TABLE,)).fetchone()
        if found == 0 and legacy:
            done = {r[0] for r in conn.execute(f"SELECT name FROM {_LEGACY_TABLE}")}
            return [m for m in self.migrations if not (m.legacy_step and m.legacy_step in done)]
        return list(self.migrations[found:])


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def split_statements(sql: str) -> list[str]:
    """Split a script into statements; a trigger body's inner ';' does not end its statement."""
    out: list[str] = []
    buf = ""
    for piece in sql.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n\t;"):
                out.append(buf.strip())
            buf = ""
    if buf.strip(" \n\t;"):
        out.append(buf.strip().rstrip(";"))
    return out


def is_busy(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY or one of its extended codes ("database is locked")."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def open_sqlite(path: Path, schema: Schema | None = None, *, synchronous: str = "FULL",
                busy_timeout_s: float = BUSY_TIMEOUT_S, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    ``busy_timeout_s``: how long a statement waits for another connection's lock.
    ``check_same_thread=False`` only for a connection handed from thread to thread one request
    at a time (the server's per-request connection); never for two threads at once.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=check_same_thread)
    try:
        conn.row_factory = sqlite3.Row
        prepare_connection(conn, path, synchronous=synchronous, busy_timeout_s=busy_timeout_s)
        if schema is not None:
            schema.migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def prepare_connection(conn: sqlite3.Connection, path: Path, *, synchronous: str = "FULL",
                       busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
    """WAL, ``synchronous``, foreign keys on: what every connection to a project database is
    set up with (``open_sqlite``, and the server's SQLAlchemy engine on each new connection)."""
    _use_wal(conn, path, busy_timeout_s)
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")


def _use_wal(conn: sqlite3.Connection, path: Path, timeout_s: float) -> None:
    """Put the file in WAL mode (a no-op once it is: the mode is kept in the file).

    Switching a new file to WAL reads its header and then upgrades to an exclusive lock within
    one statement; when another connection has the file open at that moment, SQLite answers
    SQLITE_BUSY at once without consulting the busy timeout. So wait here, up to the same timeout.
    """
    deadline = time.monotonic() + timeout_s
    pause = 0.001
    while True:
        try:
            mode = str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() >= deadline:
                raise StorageError("db_busy", f"{path} stayed locked by another program: {exc}") from exc
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
            continue
        if mode != "wal":
            raise StorageError("storage", f"{path} cannot use write-ahead logging (journal mode {mode})")
        return


class transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises.

    The write lock is taken at BEGIN, waiting up to the busy timeout for another writer; if it
    stays taken longer, StorageError("db_busy") says so instead of a bare "database is locked".
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if is_busy(exc):
                raise StorageError("db_busy", f"the database stayed locked by another writer: {exc}") from exc
            raise
        return self.conn

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
