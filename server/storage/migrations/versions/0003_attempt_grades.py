"""The server's own grade of each quiz and exam record: score, points, passed, the attempt's
number among the person's attempts of that quiz or exam, and why it does not count, if so.

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.storage.columns import ROW_KEY, utc_now_ms

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempt_grades",
        sa.Column("rid", ROW_KEY, sa.ForeignKey("records.rid"), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("course_id", sa.Text),
        sa.Column("kind", sa.Text, sa.CheckConstraint("kind IN ('quiz', 'exam')"), nullable=False),
        sa.Column("assessment_id", sa.Text),
        sa.Column("version", sa.Integer),
        sa.Column("attempt_no", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer),
        sa.Column("max_score", sa.Integer),
        sa.Column("passed", sa.Integer, sa.CheckConstraint("passed IN (0, 1)"), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("graded_at", sa.Text, nullable=False, server_default=utc_now_ms()),
    )
    op.create_index("attempt_grades_user", "attempt_grades", ["user_id", "course_id", "assessment_id"])


def downgrade() -> None:
    op.drop_index("attempt_grades_user", "attempt_grades")
    op.drop_table("attempt_grades")
