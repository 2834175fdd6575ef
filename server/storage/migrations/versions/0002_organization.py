"""The organization: a tree of units (each with its code path), people's units, cadre levels and
organization ids, the history of people's moves, admin accounts with their grants, and training
classes with their enrolments. Assignments may also target a class: those are the class's courses.

The flat unit names people had become units under one root unit (code ``root``); unit
assignments then name the unit's code.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

from server.storage.columns import REAL, ROW_KEY, UNIT_PATH, utc_now_ms, utc_now_s

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None

ROOT_CODE = "root"
ROOT_NAME = "全部单位"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("parent_code", sa.Text, sa.ForeignKey("units.code")),
        sa.Column("path", UNIT_PATH, nullable=False),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False, server_default=utc_now_s()),
        sa.Column("deactivated_at", sa.Text),
    )
    op.create_index("units_path", "units", ["path"], unique=True)
    op.create_index("units_parent", "units", ["parent_code"])
    op.create_table(
        "classes",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("starts", sa.Text, nullable=False),
        sa.Column("ends", sa.Text, nullable=False),
        sa.Column("owner_unit", sa.Text, sa.ForeignKey("units.code")),
        sa.Column("scoring", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False, server_default=utc_now_s()),
    )
    op.create_table(
        "class_enrolments",
        sa.Column("class_code", sa.Text, sa.ForeignKey("classes.code"), primary_key=True),
        sa.Column("kind", sa.Text, sa.CheckConstraint("kind IN ('person', 'unit')"), primary_key=True),
        sa.Column("target", sa.Text, primary_key=True),
    )
    op.create_index("class_enrolments_target", "class_enrolments", ["kind", "target"])
    op.create_table(
        "admins",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.Text, sa.CheckConstraint("role IN ('system', 'unit', 'reviewer')"), nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", REAL),
        sa.Column("created_at", sa.Text, nullable=False, server_default=utc_now_s()),
        sa.Column("deactivated_at", sa.Text),
    )
    op.create_table(
        "admin_grants",
        sa.Column("id", ROW_KEY, primary_key=True, autoincrement=True),
        sa.Column("admin", sa.Text, sa.ForeignKey("admins.name"), nullable=False),
        sa.Column("unit_code", sa.Text, sa.ForeignKey("units.code")),
        sa.Column("class_code", sa.Text, sa.ForeignKey("classes.code")),
        sa.CheckConstraint("(unit_code IS NULL) <> (class_code IS NULL)"),
    )
    op.create_index("admin_grants_admin", "admin_grants", ["admin"])
    _people()
    op.create_table(
        "unit_history",
        sa.Column("id", ROW_KEY, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Text, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("from_unit", sa.Text, sa.ForeignKey("units.code")),
        sa.Column("to_unit", sa.Text, sa.ForeignKey("units.code"), nullable=False),
        sa.Column("at", sa.Text, nullable=False, server_default=utc_now_ms()),
        sa.Column("moved_by", sa.Text, nullable=False),
    )
    op.create_index("unit_history_user", "unit_history", ["user_id"])
    _assignments_to_classes()


def _legacy_units(conn: sa.Connection) -> dict[str, str]:
    """Each flat unit name people or unit assignments used -> its new code: the name itself when it
    is a valid code, else ``unit-N``."""
    names = sorted({*conn.execute(sa.text("SELECT DISTINCT unit FROM users")).scalars(),
                    *conn.execute(sa.text("SELECT DISTINCT target FROM assignments "
                                          "WHERE target_kind = 'unit'")).scalars()})
    codes: dict[str, str] = {}
    taken = {ROOT_CODE}
    for name in names:
        if _CODE.match(name) and name not in taken:
            codes[name] = name
            taken.add(name)
    n = 0
    for name in names:
        if name not in codes:
            while f"unit-{(n := n + 1)}" in taken:
                pass
            codes[name] = f"unit-{n}"
            taken.add(codes[name])
    return codes


def _people() -> None:
    """Users get their unit's code, a cadre level and an organization id; the flat names become units."""
    conn = op.get_bind()
    codes = _legacy_units(conn)
    units = sa.table("units", sa.column("code"), sa.column("name"), sa.column("parent_code"), sa.column("path"),
                     sa.column("depth"))
    if codes:
        op.bulk_insert(units, [{"code": ROOT_CODE, "name": ROOT_NAME, "parent_code": None,
                                "path": f"{ROOT_CODE}/", "depth": 0}]
                       + [{"code": code, "name": name, "parent_code": ROOT_CODE, "path": f"{ROOT_CODE}/{code}/",
                           "depth": 1} for name, code in codes.items()])
    if conn.dialect.name == "sqlite":
        # SQLite adds a column with a reference in place; rebuilding the table would break the
        # references tokens and devices hold (foreign keys stay on inside the transaction).
        op.execute("ALTER TABLE users ADD COLUMN unit_code TEXT REFERENCES units (code)")
    else:
        op.add_column("users", sa.Column("unit_code", sa.Text, sa.ForeignKey("units.code")))
    op.add_column("users", sa.Column("level", sa.Text))
    op.add_column("users", sa.Column("person_id", sa.Text))
    for name, code in codes.items():
        conn.execute(sa.text("UPDATE users SET unit_code = :code WHERE unit = :name"), {"code": code, "name": name})
        conn.execute(sa.text("UPDATE assignments SET target = :code WHERE target_kind = 'unit' AND target = :name"),
                     {"code": code, "name": name})
    op.drop_index("users_unit", "users")
    op.execute("ALTER TABLE users DROP COLUMN unit")
    op.create_index("users_unit_code", "users", ["unit_code"])
    op.create_index("users_person_id", "users", ["person_id"], unique=True)


def _assignments_to_classes() -> None:
    """The assignments' target kinds gain 'class'."""
    kinds = "target_kind IN ('user', 'unit', 'class')"
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("assignments_target_kind_check", "assignments", type_="check")
        op.create_check_constraint("assignments_target_kind_check", "assignments", kinds)
    else:  # SQLite changes a CHECK only by copying the table (nothing refers to this one)
        op.create_table(
            "assignments_new",
            sa.Column("course_id", sa.Text, primary_key=True),
            sa.Column("target_kind", sa.Text, sa.CheckConstraint(kinds), primary_key=True),
            sa.Column("target", sa.Text, primary_key=True),
            sa.Column("required", sa.Integer, nullable=False),
            sa.Column("due", sa.Text),
            sa.Column("title", sa.Text),
            sa.Column("credit_hours", REAL),
            sa.Column("assigned_at", sa.Text, nullable=False, server_default=utc_now_s()),
        )
        op.execute("INSERT INTO assignments_new SELECT course_id, target_kind, target, required, due, title, "
                   "credit_hours, assigned_at FROM assignments")
        op.drop_table("assignments")
        op.rename_table("assignments_new", "assignments")
    op.create_index("assignments_target", "assignments", ["target_kind", "target"])


def downgrade() -> None:
    raise NotImplementedError("the server's database is never downgraded: restore a backup instead")
