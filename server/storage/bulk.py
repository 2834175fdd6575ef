"""Writing many rows in one go: PostgreSQL's COPY (psycopg's ``cursor.copy``), else one executemany
of the driver, with no per-row work in SQLAlchemy. Used where a whole province's rows are written
(``totals rebuild``'s stored figures, the benchmarks' loads)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa


def insert_rows(conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` (values of ``columns``: str, int, float or None) into ``table``, inside the
    caller's transaction."""
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    values = [tuple(row) for row in rows]
    if values:
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", values)
