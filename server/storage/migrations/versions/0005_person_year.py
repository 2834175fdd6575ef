"""Stored yearly figures per person (server/person_year.py) and study time per unit and week,
so the admin pages and the rankings read them instead of every record.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.storage.columns import REAL, utc_now_ms

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_year",
        sa.Column("user_id", sa.Text, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("unit_code", sa.Text),
        sa.Column("required_x100", sa.BigInteger, nullable=False),
        sa.Column("elective_x100", sa.BigInteger, nullable=False),
        sa.Column("carried_x100", sa.BigInteger, nullable=False),
        sa.Column("courses_done", sa.Integer, nullable=False),
        sa.Column("required_assigned", sa.Integer, nullable=False),
        sa.Column("required_done", sa.Integer, nullable=False),
        sa.Column("first_due", sa.Text),
        sa.Column("study_ms", sa.BigInteger, nullable=False),
        sa.Column("last_study_s", REAL),
        sa.Column("weeks", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False, server_default=utc_now_ms()),
    )
    op.create_index("person_year_year", "person_year", ["year", "user_id"])
    op.create_index("person_year_study", "person_year", ["year", "study_ms"])
    op.create_table(
        "unit_week",
        sa.Column("unit_code", sa.Text, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("week", sa.Integer, primary_key=True),
        sa.Column("study_ms", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("unit_week")
    op.drop_index("person_year_study", "person_year")
    op.drop_index("person_year_year", "person_year")
    op.drop_table("person_year")
