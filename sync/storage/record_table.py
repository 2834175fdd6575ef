"""The stored shape of a signed record: one definition for the client's outbox and the server.

A stored record keeps every signed field, the body as its canonical JSON text, its protocol
version ``v`` (1 or 2), and its hash (the next record's ``prev``); a chain holds one record per
(device, user, seq). ``record_table_sql`` creates a table's first shape (without ``v``);
``version_column_sql`` is the later step that adds ``v`` (1 for every record stored before). Each side
names its table and adds what only it needs: the outbox a row key of its own, the server
where a record came from and when it arrived. ``record_table_sql`` writes the CREATE TABLE,
``insert_sql`` and ``record_values`` store a record, ``select_list`` and ``record_from_row``
read it back, ``chain_head`` finds the end of one chain.
Must not import Qt or any client engine.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from sync.protocol.records import GENESIS, Record

FIRST_COLUMNS = ("id", "device_id", "user_id", "seq", "prev", "type", "course_id", "lesson_id", "body",
                 "created_at", "sig", "hash")
"""The columns ``record_table_sql`` creates (a table's first shape, before ``v``)."""

SIGNED_COLUMNS = (*FIRST_COLUMNS[:-1], "v")
"""The columns that rebuild the signed record, in ``Record``'s field order."""

RECORD_COLUMNS = (*SIGNED_COLUMNS, "hash")
"""Every column a stored record has on both sides."""

_DECLARATIONS = {
    "device_id": "TEXT NOT NULL",
    "user_id": "TEXT NOT NULL",
    "seq": "INTEGER NOT NULL",
    "prev": "TEXT NOT NULL",
    "type": "TEXT NOT NULL",
    "course_id": "TEXT",
    "lesson_id": "TEXT",
    "body": "TEXT NOT NULL",
    "created_at": "TEXT NOT NULL",
    "sig": "TEXT NOT NULL",
    "hash": "TEXT NOT NULL",
}


def record_table_sql(table: str, *, row_key: str | None = None, extra_columns: Sequence[str] = (),
                     id_per_device: bool = False) -> str:
    """``CREATE TABLE table`` with the record columns, then ``extra_columns`` (column definitions).

    The record id is the primary key, unless ``row_key`` (a column definition) gives the table
    a key of its own: then that comes first and the id is NOT NULL UNIQUE, or, with
    ``id_per_device``, unique per device (a table holding many people's records: nobody can
    take another device's ids).
    """
    if row_key:
        lines = [row_key, "id TEXT NOT NULL" if id_per_device else "id TEXT NOT NULL UNIQUE"]
    else:
        lines = ["id TEXT PRIMARY KEY"]
    lines += [f"{name} {_DECLARATIONS[name]}" for name in FIRST_COLUMNS if name != "id"]
    lines += [*extra_columns, "UNIQUE (device_id, user_id, seq)"]
    if row_key and id_per_device:
        lines.append("UNIQUE (device_id, id)")
    return f"CREATE TABLE {table} (\n    " + ",\n    ".join(lines) + "\n)"


def version_column_sql(table: str) -> str:
    """The step that adds the protocol version column to a record table of the first shape."""
    return f"ALTER TABLE {table} ADD COLUMN v INTEGER NOT NULL DEFAULT 1 CHECK (v IN (1, 2))"


def insert_sql(table: str, extra_columns: Sequence[str] = ()) -> str:
    """INSERT of ``record_values`` (then one value per name in ``extra_columns``) into ``table``."""
    names = (*RECORD_COLUMNS, *extra_columns)
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({','.join('?' * len(names))})"


def record_values(record: Record, digest: str | None = None) -> tuple[Any, ...]:
    """The values of ``RECORD_COLUMNS``; ``digest`` is the record's hash when the caller has it."""
    r = record
    return (r.id, r.device_id, r.user_id, r.seq, r.prev, r.type, r.course_id, r.lesson_id, r.body_text(), r.created_at,
            r.sig, r.v, digest or r.hash)


def select_list(alias: str = "") -> str:
    """The ``SIGNED_COLUMNS`` for a SELECT, each prefixed with ``alias.`` when one is given."""
    return ", ".join(f"{alias}.{c}" if alias else c for c in SIGNED_COLUMNS)


def record_from_row(row: Sequence[Any]) -> Record:
    """The record from a row that starts with ``SIGNED_COLUMNS`` (a ``select_list`` query)."""
    values = list(tuple(row)[: len(SIGNED_COLUMNS)])
    values[SIGNED_COLUMNS.index("body")] = json.loads(values[SIGNED_COLUMNS.index("body")])
    values[SIGNED_COLUMNS.index("v")] = int(values[SIGNED_COLUMNS.index("v")])
    return Record(*values)


def chain_head(conn: sqlite3.Connection, table: str, device_id: str, user_id: str) -> tuple[int, str]:
    """(seq, hash) of the last stored record of one chain; (0, GENESIS) before the first."""
    row = conn.execute(
        f"SELECT seq, hash FROM {table} WHERE device_id = ? AND user_id = ? ORDER BY seq DESC LIMIT 1",
        (device_id, user_id),
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)
