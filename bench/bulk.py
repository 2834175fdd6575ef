"""Bulk loading for the benchmarks (the rows themselves: server.storage.bulk.insert_rows).

``indexes_after``: on PostgreSQL, a big load into a table with indexes keyed at random (ids,
hashes) spends its time keeping those indexes; building them afterwards, in one sort each, is many
times faster. The database ends with exactly the indexes and constraints it had.
``sequences_past_rows`` then moves PostgreSQL's row-number sequences past row numbers the load
gave itself."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa


def sequences_past_rows(conn: sa.Connection, tables: Sequence[sa.Table]) -> None:
    """On PostgreSQL, move each table's row-number sequence past its highest row number (after rows
    were loaded with numbers of their own); SQLite needs nothing."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True:
                conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"(SELECT coalesce(max({column.name}), 0) + 1 FROM {table.name}), false)"))


@contextmanager
def indexes_after(conn: sa.Connection, tables: Sequence[str]) -> Iterator[None]:
    """Drop the unique and foreign-key constraints and the other indexes of ``tables`` (primary keys
    stay), run the block, then put every one back (inside the caller's transaction). Not on SQLite:
    the block simply runs."""
    if conn.dialect.name != "postgresql":
        yield
        return
    names = {"tables": list(tables)}
    constraints = conn.execute(sa.text(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.conrelid::regclass::text = ANY(:tables) AND c.contype IN ('u', 'f') ORDER BY c.contype"),
        names).all()
    indexes = conn.execute(sa.text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(:tables) AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"), names).all()
    for table, name, _ in constraints:
        conn.execute(sa.text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(sa.text(f"DROP INDEX {name}"))
    yield
    for _, definition in indexes:
        conn.execute(sa.text(definition))
    for table, name, definition in reversed(constraints):
        conn.execute(sa.text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
