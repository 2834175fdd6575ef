"""Column types and defaults that render the same schema on SQLite and PostgreSQL.

The table declarations and the revisions both use these, so a revision written today creates
what the declarations say on either database. Frozen once a revision uses them: a change here
would change what an old revision creates.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

REAL: sa.types.TypeEngine[float] = sa.Double().with_variant(sa.REAL(), "sqlite")
"""A float of 8 bytes: SQLite's REAL, PostgreSQL's double precision (its REAL has only 4)."""

ROW_KEY: sa.types.TypeEngine[int] = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""A generated row number: SQLite's INTEGER PRIMARY KEY (the rowid), PostgreSQL's bigserial."""


class utc_now_s(FunctionElement[str]):
    """The current UTC time as ISO 8601 text to the second: ``2026-05-01T08:00:00Z``."""

    type = sa.Text()
    inherit_cache = True


class utc_now_ms(FunctionElement[str]):
    """The current UTC time as ISO 8601 text to the millisecond: ``2026-05-01T08:00:00.123Z``."""

    type = sa.Text()
    inherit_cache = True


@compiles(utc_now_s, "sqlite")
def _utc_now_s_sqlite(element: utc_now_s, compiler: SQLCompiler, **kw: Any) -> str:
    return "(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"


@compiles(utc_now_ms, "sqlite")
def _utc_now_ms_sqlite(element: utc_now_ms, compiler: SQLCompiler, **kw: Any) -> str:
    return "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"


@compiles(utc_now_s, "postgresql")
def _utc_now_s_postgresql(element: utc_now_s, compiler: SQLCompiler, **kw: Any) -> str:
    return """to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


@compiles(utc_now_ms, "postgresql")
def _utc_now_ms_postgresql(element: utc_now_ms, compiler: SQLCompiler, **kw: Any) -> str:
    return """to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""

UNIT_PATH: sa.types.TypeEngine[str] = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
"""A unit's code path (server.org.tree): compared byte by byte on both databases, so a subtree is
one range over the path's index (SQLite's default BINARY collation already does)."""
