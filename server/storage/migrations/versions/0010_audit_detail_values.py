"""The audit log's details said in the reader's language: a row's ``detail`` is a msgid of the
admin web's catalog and the new ``detail_values`` its values (JSON); rows written before keep no
values, and their detail (free text) is shown as stored. Adding a column changes no row, so the
log's append-only triggers stay as they are.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("detail_values", sa.Text))


def downgrade() -> None:
    op.drop_column("audit_log", "detail_values")
