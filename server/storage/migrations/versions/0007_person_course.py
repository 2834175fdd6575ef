"""Each person's evidence per course, folded (server/person_year.py), so an upload updates the
stored yearly figures from its own records instead of re-reading the person's whole history; and
the stamp of the rules a stored year was worked out under (NULL: work it out again in full).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_course",
        sa.Column("user_id", sa.Text, primary_key=True),
        sa.Column("course_id", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )
    with op.batch_alter_table("person_year") as batch:
        batch.add_column(sa.Column("stamp", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("person_year") as batch:
        batch.drop_column("stamp")
    op.drop_table("person_course")
