"""Indexes the admin pages read a province's figures through, in unit order and without the rows
themselves: the active people per unit; each active person's stored year with every figure the
pages add up (PostgreSQL keeps them in the index, so the pass never visits the table); the study
time per week of the year.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FIGURES = ["level", "required_x100", "elective_x100", "carried_x100", "required_assigned", "required_done",
           "first_due", "study_ms", "last_study_s"]


def upgrade() -> None:
    op.create_index("users_active_unit", "users", ["unit_code"], postgresql_where=sa.text("deactivated_at IS NULL"),
                    sqlite_where=sa.text("deactivated_at IS NULL"))
    op.create_index("person_year_unit_figures", "person_year", ["year", "unit_code"], postgresql_include=FIGURES,
                    postgresql_where=sa.text("active = 1"), sqlite_where=sa.text("active = 1"))
    op.create_index("unit_week_weeks", "unit_week", ["year", "week"], postgresql_include=["study_ms"])


def downgrade() -> None:
    op.drop_index("unit_week_weeks", "unit_week")
    op.drop_index("person_year_unit_figures", "person_year")
    op.drop_index("users_active_unit", "users")
