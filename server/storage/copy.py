"""Copying a site's database into an empty one (``studydesk-server migrate-to``), then proving the
copy: SQLite to PostgreSQL when a site outgrows its file.

Both databases are first brought to the newest revision; the target must hold nothing (no table
of its own, no row in ours). Every table is copied in the order of its references, in one
transaction on the target (a failure leaves it as empty as it was), from one read transaction
on the source (a consistent snapshot). PostgreSQL's row-number sequences are then moved past the
copied rows.

The proof reads both sides again: per table, the row count and a digest of its rows (each row's
values as canonical JSON, hashed; the row hashes added up, so the order rows come back in does
not matter), which must be equal; and on the target every record's hash is recomputed from its
signed fields and every record linked to the one before it in its chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from server.storage.engine import transaction
from server.storage.schema import current, tables_in, upgrade
from server.storage.tables import metadata, records, units
from sync.protocol.canonical import sha256_hex
from sync.protocol.errors import FormatError, IntegrityError
from sync.storage.record_table import SIGNED_COLUMNS, record_from_row

CHUNK_ROWS = 1000
_MODULUS = 2**256


@dataclass(frozen=True, slots=True)
class TableFigures:
    """One table's rows and digest on each side."""

    name: str
    source_rows: int
    target_rows: int
    source_digest: str
    target_digest: str

    @property
    def same(self) -> bool:
        return self.source_rows == self.target_rows and self.source_digest == self.target_digest


@dataclass(frozen=True, slots=True)
class ChainFigures:
    chains: int
    records: int


@dataclass(frozen=True, slots=True)
class CopyResult:
    tables: tuple[TableFigures, ...]
    chains: ChainFigures

    @property
    def verified(self) -> bool:
        return all(t.same for t in self.tables)


def _canonical(table: sa.Table, row: sa.Row[Any]) -> bytes:
    values: list[Any] = []
    for column, value in zip(table.columns, row, strict=True):
        if value is not None and isinstance(column.type, sa.Float):
            value = repr(float(value))  # SQLite may hand back a whole REAL as an int
        values.append(value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def table_figures(conn: Connection, table: sa.Table) -> tuple[int, str]:
    """(rows, digest) of one table, whatever order the database returns its rows in."""
    count, total = 0, 0
    for row in conn.execute(sa.select(table)):
        count += 1
        total = (total + int.from_bytes(hashlib.sha256(_canonical(table, row)).digest(), "big")) % _MODULUS
    return count, f"{total:064x}"


def _refuse_unless_empty(conn: Connection) -> None:
    found = tables_in(conn)
    others = sorted(found - set(metadata.tables) - {"alembic_version"})
    if others:
        raise FormatError("target_not_empty", f"the target database already holds other tables ({', '.join(others)}); "
                                              "give an empty database")
    if current(conn) is not None:
        for table in metadata.sorted_tables:
            if table.name in found and conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
                raise FormatError("target_not_empty", f"the target database already holds rows in {table.name}; "
                                                      "give an empty database")


def _chunks(rows: Iterable[sa.Row[Any]]) -> Iterable[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(dict(row._mapping))
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _rows_in_order(table: sa.Table) -> sa.Select[Any]:
    """A table's rows, each unit after its parent (the units refer to themselves)."""
    query = sa.select(table)
    return query.order_by(units.c.depth) if table is units else query


def _move_sequences(conn: Connection) -> None:
    """PostgreSQL: the next generated row number comes after the copied ones."""
    for table in metadata.sorted_tables:
        column = table.autoincrement_column
        if column is not None:
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                                 f"COALESCE(MAX({column.name}), 1), MAX({column.name}) IS NOT NULL) "
                                 f"FROM {table.name}"))


def check_chains(conn: Connection) -> ChainFigures:
    """Every stored record's hash recomputed from its signed fields, and every record linked to
    its stored predecessor; IntegrityError names the first that is not."""
    x = records.c
    query = sa.select(*(x[name] for name in SIGNED_COLUMNS), x.hash).order_by(x.device_id, x.user_id, x.seq)
    chains, count = 0, 0
    last: tuple[str, str, int, str] | None = None
    for row in conn.execute(query):
        record = record_from_row(row)
        if sha256_hex(record.signing_bytes()) != row.hash:
            raise IntegrityError("broken_chain", f"record {record.id} of device {record.device_id}: its hash does "
                                                 "not match its signed fields")
        chain = (record.device_id, record.user_id)
        if last is None or last[:2] != chain:
            chains += 1
        elif last[2] == record.seq - 1 and last[3] != record.prev:
            raise IntegrityError("broken_chain", f"record {record.id} of device {record.device_id} does not link to "
                                                 f"record #{last[2]}")
        last = (*chain, record.seq, row.hash)
        count += 1
    return ChainFigures(chains, count)


def copy_database(source: Engine, target: Engine) -> CopyResult:
    """Copy every table of ``source`` into the empty ``target``, then verify (see the module text)."""
    with target.connect() as conn:
        _refuse_unless_empty(conn)
    upgrade(source)
    upgrade(target)
    with source.connect() as src, target.connect() as dst, src.begin(), transaction(dst):
        for table in metadata.sorted_tables:
            for chunk in _chunks(src.execute(_rows_in_order(table))):
                dst.execute(table.insert(), chunk)
        if dst.dialect.name == "postgresql":
            _move_sequences(dst)
    figures = []
    with source.connect() as src, target.connect() as dst:
        for table in metadata.sorted_tables:
            (n_src, d_src), (n_dst, d_dst) = table_figures(src, table), table_figures(dst, table)
            figures.append(TableFigures(table.name, n_src, n_dst, d_src, d_dst))
        chains = check_chains(dst)
    return CopyResult(tuple(figures), chains)
