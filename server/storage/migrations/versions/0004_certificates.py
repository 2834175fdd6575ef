"""Certificates the server issued (学时证明 for a person's year, 结业证书 for a class): the serial,
what it states (the signed text that its QR code carries) and its revocation, if any; and the
signed revocation lists, the newest of which the server serves.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.storage.columns import ROW_KEY, utc_now_s

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("serial", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, sa.CheckConstraint("kind IN ('hours', 'class')"), nullable=False),
        sa.Column("user_id", sa.Text, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("class_code", sa.Text, sa.ForeignKey("classes.code")),
        sa.Column("hours", sa.Text, nullable=False),
        sa.Column("score", sa.Text),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("issued_at", sa.Text, nullable=False, server_default=utc_now_s()),
        sa.Column("issued_by", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.Text),
        sa.Column("revoked_by", sa.Text),
        sa.Column("reason", sa.Text),
        sa.CheckConstraint("(kind = 'hours' AND year IS NOT NULL) OR (kind = 'class' AND class_code IS NOT NULL)",
                           name="certificates_names_year_or_class"),
    )
    op.create_index("certificates_user", "certificates", ["user_id", "kind"])
    op.create_index("certificates_class", "certificates", ["class_code"])
    op.create_index("certificates_revoked", "certificates", ["revoked_at"])
    op.create_table(
        "revocation_lists",
        sa.Column("id", ROW_KEY, primary_key=True, autoincrement=True),
        sa.Column("issued_at", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("revocation_lists")
    op.drop_index("certificates_revoked", "certificates")
    op.drop_index("certificates_class", "certificates")
    op.drop_index("certificates_user", "certificates")
    op.drop_table("certificates")
