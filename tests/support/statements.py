"""The SQL statements a connection sends, counted on SQLAlchemy's ``before_cursor_execute``: how a
test shows that a page or a list takes a few statements however much it lists (a count, never a time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@contextmanager
def statements(conn: Connection) -> Iterator[list[str]]:
    """The SQL statements ``conn`` sends meanwhile (SQLite's BEGIN, a transaction's start, left out)."""
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.strip().upper() != "BEGIN":
            sent.append(statement)

    sa.event.listen(conn, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        sa.event.remove(conn, "before_cursor_execute", count)
