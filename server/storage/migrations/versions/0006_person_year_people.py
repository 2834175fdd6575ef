"""The stored yearly figures carry the person's cadre level and whether the account is active
(kept with the account), so a unit's figures are one pass over its people's stored years; and an
index of the year's study time, for the people ranked by it.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person_year") as batch:
        batch.add_column(sa.Column("level", sa.Text))
        batch.add_column(sa.Column("active", sa.Integer, nullable=False, server_default="1"))
    op.execute("UPDATE person_year SET "
               "level = (SELECT users.level FROM users WHERE users.user_id = person_year.user_id), "
               "active = (SELECT CASE WHEN users.deactivated_at IS NULL THEN 1 ELSE 0 END FROM users "
               "WHERE users.user_id = person_year.user_id)")
    op.create_index("person_year_study", "person_year", ["year", "study_ms"])
    op.create_index("person_year_unit", "person_year", ["year", "unit_code"])


def downgrade() -> None:
    op.drop_index("person_year_unit", "person_year")
    op.drop_index("person_year_study", "person_year")
    with op.batch_alter_table("person_year") as batch:
        batch.drop_column("active")
        batch.drop_column("level")
