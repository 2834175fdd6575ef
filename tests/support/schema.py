"""What Alembic finds between a server database and today's table declarations."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from server.storage.tables import metadata


def schema_differences(url: str) -> list[object]:
    """What Alembic finds between the database and the declarations; SQLite's files from the
    numbered steps declared their one-column primary keys without NOT NULL, which SQLite reports
    as nullable (a rowid key is never NULL; the services always give the text keys): that alone
    is not a difference."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = list(compare_metadata(MigrationContext.configure(conn), metadata))
    finally:
        engine.dispose()
    return [d for d in found if not (isinstance(d, list) and d[0][0] == "modify_nullable"
                                     and metadata.tables[d[0][2]].c[d[0][3]].primary_key)]
