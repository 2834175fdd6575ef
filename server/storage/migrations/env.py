"""Alembic's entry point for the server's revisions, run only through server.storage.schema:
the connection (already inside a write transaction) comes in ``config.attributes``. SQLite
changes a table by copying it (batch mode), since its ALTER TABLE cannot do most changes."""

from __future__ import annotations

from alembic import context

from server.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the server's revisions run through server.storage.schema.upgrade, with a connection")
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
