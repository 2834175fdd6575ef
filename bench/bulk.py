"""Bulk loading for the benchmarks: on PostgreSQL, a big INSERT ... SELECT into a table with indexes
keyed at random (ids, hashes) spends its time keeping those indexes; building them afterwards, in
one sort each, is many times faster. The database ends with exactly the indexes and constraints
it had."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa


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
