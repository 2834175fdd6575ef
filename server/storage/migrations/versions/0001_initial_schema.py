"""The schema of the server before Alembic: accounts, tokens, devices, records and their credit,
assignments, sign-in throttling and the append-only audit log.

A pre-Alembic SQLite data folder (``PRAGMA user_version`` 11, see server.storage.legacy) holds
exactly this and is stamped at this revision instead of running it.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.storage.columns import REAL, ROW_KEY, utc_now_ms, utc_now_s
from server.storage.tables import audit_log_append_only

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.Text, primary_key=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Text, nullable=False, server_default=utc_now_s()),
        sa.Column("deactivated_at", sa.Text),
    )
    op.create_index("users_unit", "users", ["unit"])
    op.create_table(
        "tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Text, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("kind", sa.Text, sa.CheckConstraint("kind IN ('access', 'refresh')"), nullable=False),
        sa.Column("expires_at", REAL, nullable=False),
        sa.Column("family", sa.Text),
        sa.Column("used_at", REAL),
        sa.Column("successor", sa.Text),
        sa.Column("grace_used", sa.Integer, nullable=False, server_default="0"),
        sa.Column("issued_with", sa.Text),
    )
    op.create_index("tokens_user", "tokens", ["user_id"])
    op.create_index("tokens_family", "tokens", ["family"])
    op.create_table(
        "devices",
        sa.Column("device_id", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Text, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("enrolled_at", sa.Text, nullable=False, server_default=utc_now_s()),
        sa.Column("enrolled_by", sa.Text, nullable=False, server_default="api"),
    )
    op.create_index("devices_user", "devices", ["user_id"])
    op.create_table(
        "records",
        sa.Column("rid", ROW_KEY, primary_key=True, autoincrement=True),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("prev", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("course_id", sa.Text),
        sa.Column("lesson_id", sa.Text),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("sig", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text, nullable=False, server_default=utc_now_ms()),
        sa.Column("v", sa.Integer, sa.CheckConstraint("v IN (1, 2)"), nullable=False, server_default="1"),
        sa.UniqueConstraint("device_id", "user_id", "seq"),
        sa.UniqueConstraint("device_id", "id"),
    )
    op.create_index("records_user_course", "records", ["user_id", "course_id"])
    op.create_table(
        "record_credit",
        sa.Column("rid", ROW_KEY, sa.ForeignKey("records.rid"), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("segments", sa.Text, nullable=False),
        sa.Column("credited_s", REAL, sa.CheckConstraint("credited_s >= 0"), nullable=False),
        sa.Column("set_aside", sa.Text, nullable=False),
        sa.Column("set_aside_s", REAL, sa.CheckConstraint("set_aside_s >= 0"), nullable=False),
        sa.Column("chain_end", REAL),
        sa.Column("allowance_s", REAL, nullable=False),
    )
    op.create_index("record_credit_user", "record_credit", ["user_id"])
    op.create_table(
        "credit_windows",
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("start_s", REAL, nullable=False),
        sa.Column("end_s", REAL, nullable=False),
        sa.Column("rid", ROW_KEY, sa.ForeignKey("records.rid"), nullable=False),
        sa.CheckConstraint("end_s > start_s"),
    )
    op.create_index("credit_windows_user", "credit_windows", ["user_id", "start_s"])
    op.create_table(
        "assignments",
        sa.Column("course_id", sa.Text, primary_key=True),
        sa.Column("target_kind", sa.Text, sa.CheckConstraint("target_kind IN ('user', 'unit')"), primary_key=True),
        sa.Column("target", sa.Text, primary_key=True),
        sa.Column("required", sa.Integer, nullable=False),
        sa.Column("due", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("credit_hours", REAL),
        sa.Column("assigned_at", sa.Text, nullable=False, server_default=utc_now_s()),
    )
    op.create_table(
        "signin_failures",
        sa.Column("scope", sa.Text, sa.CheckConstraint("scope IN ('account', 'address')"), primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_at", REAL, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", ROW_KEY, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Text, nullable=False, server_default=utc_now_ms()),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("audit_log_at", "audit_log", ["at"])
    _audit_log_append_only()


def _audit_log_append_only() -> None:
    """The database refuses to change or delete an audit row, whoever asks."""
    for statement in audit_log_append_only(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("the server's database is never downgraded: restore a backup instead")
