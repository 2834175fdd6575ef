"""Every table of the server's database, as the newest Alembic revision leaves it.

Services build their statements from these; a unit test checks that a database upgraded to
the head revision (a new one, and one upgraded from a pre-Alembic data folder) matches them.
Change a table only together with a new revision under ``migrations/versions``.
"""

from __future__ import annotations

import sqlalchemy as sa

from server.storage.columns import REAL, ROW_KEY, utc_now_ms, utc_now_s

metadata = sa.MetaData()

# Accounts (server/users.py). A deactivated account cannot sign in; its records and devices stay.
users = sa.Table(
    "users", metadata,
    sa.Column("user_id", sa.Text, primary_key=True),
    sa.Column("username", sa.Text, nullable=False, unique=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.Text, nullable=False, server_default=utc_now_s()),
    sa.Column("deactivated_at", sa.Text),
    sa.Index("users_unit", "unit"),
)

# Access and refresh tokens (server/auth.py): only their sha256 is kept. A refresh token's
# family is every token issued since one sign-in; a used one remembers its successor.
tokens = sa.Table(
    "tokens", metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("user_id", sa.Text, sa.ForeignKey("users.user_id"), nullable=False),
    sa.Column("kind", sa.Text, sa.CheckConstraint("kind IN ('access', 'refresh')"), nullable=False),
    sa.Column("expires_at", REAL, nullable=False),
    sa.Column("family", sa.Text),
    sa.Column("used_at", REAL),
    sa.Column("successor", sa.Text),
    sa.Column("grace_used", sa.Integer, nullable=False, server_default="0"),
    sa.Column("issued_with", sa.Text),
    sa.Index("tokens_user", "user_id"),
    sa.Index("tokens_family", "family"),
)

# Enrolled devices: one Ed25519 key each, bound to one person (server/auth.py).
devices = sa.Table(
    "devices", metadata,
    sa.Column("device_id", sa.Text, primary_key=True),
    sa.Column("user_id", sa.Text, sa.ForeignKey("users.user_id"), nullable=False),
    sa.Column("public_key", sa.Text, nullable=False),
    sa.Column("enrolled_at", sa.Text, nullable=False, server_default=utc_now_s()),
    sa.Column("enrolled_by", sa.Text, nullable=False, server_default="api"),
    sa.Index("devices_user", "user_id"),
)

# Verified study records (server/ingest.py): the signed fields (sync.storage.record_table's
# shape), where each came from and when it arrived. A record's identity is (device, id); rid is
# the server's own key for it.
records = sa.Table(
    "records", metadata,
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
    sa.Index("records_user_course", "user_id", "course_id"),
)

# What each stored record earned: credited media segments and seconds, the seconds set aside by
# reason (JSON), and its chain's state after it (server/credit.py).
record_credit = sa.Table(
    "record_credit", metadata,
    sa.Column("rid", ROW_KEY, sa.ForeignKey("records.rid"), primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.Text, nullable=False),
    sa.Column("segments", sa.Text, nullable=False),
    sa.Column("credited_s", REAL, sa.CheckConstraint("credited_s >= 0"), nullable=False),
    sa.Column("set_aside", sa.Text, nullable=False),
    sa.Column("set_aside_s", REAL, sa.CheckConstraint("set_aside_s >= 0"), nullable=False),
    sa.Column("chain_end", REAL),
    sa.Column("allowance_s", REAL, nullable=False),
    sa.Index("record_credit_user", "user_id"),
)

# The server's grade of each quiz and exam record (server/grading.py): from the answer key it
# holds, never the score the record claims. ``passed`` is the grade's; the attempt counts as
# passed only when ``reason`` is NULL (else over_attempts, over_time, unknown_assessment or
# ungradable). ``attempt_no``: its place among the person's attempts of that quiz or exam.
attempt_grades = sa.Table(
    "attempt_grades", metadata,
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
    sa.Index("attempt_grades_user", "user_id", "course_id", "assessment_id"),
)

# The wall time each person's credit holds (epoch seconds), so no second counts twice.
credit_windows = sa.Table(
    "credit_windows", metadata,
    sa.Column("user_id", sa.Text, nullable=False),
    sa.Column("start_s", REAL, nullable=False),
    sa.Column("end_s", REAL, nullable=False),
    sa.Column("rid", ROW_KEY, sa.ForeignKey("records.rid"), nullable=False),
    sa.CheckConstraint("end_s > start_s"),
    sa.Index("credit_windows_user", "user_id", "start_s"),
)

# Course assignments to a person or a unit (server/assignments.py).
assignments = sa.Table(
    "assignments", metadata,
    sa.Column("course_id", sa.Text, primary_key=True),
    sa.Column("target_kind", sa.Text, sa.CheckConstraint("target_kind IN ('user', 'unit')"), primary_key=True),
    sa.Column("target", sa.Text, primary_key=True),
    sa.Column("required", sa.Integer, nullable=False),
    sa.Column("due", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("credit_hours", REAL),
    sa.Column("assigned_at", sa.Text, nullable=False, server_default=utc_now_s()),
)

# Failed sign-ins per account and per address, for the growing delays (server/throttle.py).
signin_failures = sa.Table(
    "signin_failures", metadata,
    sa.Column("scope", sa.Text, sa.CheckConstraint("scope IN ('account', 'address')"), primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_at", REAL, nullable=False),
)

# The append-only audit log of sign-ins and admin actions (server/audit.py); the database itself
# refuses to change or delete a row (triggers, created by the revisions).
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", ROW_KEY, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Text, nullable=False, server_default=utc_now_ms()),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False, server_default=""),
    sa.Column("address", sa.Text, nullable=False, server_default=""),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Index("audit_log_at", "at"),
)
