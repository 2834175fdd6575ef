"""Every table of the server's database, as the newest Alembic revision leaves it.

Services build their statements from these; a unit test checks that a database upgraded to
the head revision (a new one, and one upgraded from a pre-Alembic data folder) matches them.
Change a table only together with a new revision under ``migrations/versions``.
"""

from __future__ import annotations

import sqlalchemy as sa

from server.storage.columns import REAL, ROW_KEY, UNIT_PATH, utc_now_ms, utc_now_s

metadata = sa.MetaData()

# The organization's units as a tree (server/organization.py): each unit's path is the codes from
# its root down to it (server.org.tree), so a subtree is one range over units_path.
units = sa.Table(
    "units", metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("parent_code", sa.Text, sa.ForeignKey("units.code")),
    sa.Column("path", UNIT_PATH, nullable=False),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False, server_default=utc_now_s()),
    sa.Column("deactivated_at", sa.Text),
    sa.Index("units_path", "path", unique=True),
    sa.Index("units_parent", "parent_code"),
)

# Accounts (server/users.py): learners, each in one unit, with a cadre level (server.org.levels)
# and the organization's own id for them. A deactivated account cannot sign in; its records and
# devices stay.
users = sa.Table(
    "users", metadata,
    sa.Column("user_id", sa.Text, primary_key=True),
    sa.Column("username", sa.Text, nullable=False, unique=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.Text, nullable=False, server_default=utc_now_s()),
    sa.Column("deactivated_at", sa.Text),
    sa.Column("unit_code", sa.Text, sa.ForeignKey("units.code")),
    sa.Column("level", sa.Text),
    sa.Column("person_id", sa.Text),
    sa.Index("users_unit_code", "unit_code"),
    sa.Index("users_person_id", "person_id", unique=True),
    # the active people per unit, counted by the admin pages from the index alone (revision 0008)
    sa.Index("users_active_unit", "unit_code", postgresql_where=sa.text("deactivated_at IS NULL"),
             sqlite_where=sa.text("deactivated_at IS NULL")),
)

# Each move of a person from one unit to another (server/organization.py), who moved them and when.
unit_history = sa.Table(
    "unit_history", metadata,
    sa.Column("id", ROW_KEY, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Text, sa.ForeignKey("users.user_id"), nullable=False),
    sa.Column("from_unit", sa.Text, sa.ForeignKey("units.code")),
    sa.Column("to_unit", sa.Text, sa.ForeignKey("units.code"), nullable=False),
    sa.Column("at", sa.Text, nullable=False, server_default=utc_now_ms()),
    sa.Column("moved_by", sa.Text, nullable=False),
    sa.Index("unit_history_user", "user_id"),
)

# Training classes (server/classes.py): dates, the organising unit (None: site-wide), the scoring
# settings as JSON (None: the site's rules) and who is enrolled (a person by user name, or
# everyone in a unit's subtree by unit code). A class's courses are its assignments.
classes = sa.Table(
    "classes", metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("starts", sa.Text, nullable=False),
    sa.Column("ends", sa.Text, nullable=False),
    sa.Column("owner_unit", sa.Text, sa.ForeignKey("units.code")),
    sa.Column("scoring", sa.Text),
    sa.Column("created_at", sa.Text, nullable=False, server_default=utc_now_s()),
)

class_enrolments = sa.Table(
    "class_enrolments", metadata,
    sa.Column("class_code", sa.Text, sa.ForeignKey("classes.code"), primary_key=True),
    sa.Column("kind", sa.Text, sa.CheckConstraint("kind IN ('person', 'unit')"), primary_key=True),
    sa.Column("target", sa.Text, primary_key=True),
    sa.Index("class_enrolments_target", "kind", "target"),
)

# Admin accounts, separate from learners (server/admins.py), and what each may reach: a unit
# admin's units (their subtrees), a reviewer's classes; a system admin needs no grant.
admins = sa.Table(
    "admins", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.Text, sa.CheckConstraint("role IN ('system', 'unit', 'reviewer')"), nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", REAL),
    sa.Column("created_at", sa.Text, nullable=False, server_default=utc_now_s()),
    sa.Column("deactivated_at", sa.Text),
)

admin_grants = sa.Table(
    "admin_grants", metadata,
    sa.Column("id", ROW_KEY, primary_key=True, autoincrement=True),
    sa.Column("admin", sa.Text, sa.ForeignKey("admins.name"), nullable=False),
    sa.Column("unit_code", sa.Text, sa.ForeignKey("units.code")),
    sa.Column("class_code", sa.Text, sa.ForeignKey("classes.code")),
    sa.CheckConstraint("(unit_code IS NULL) <> (class_code IS NULL)"),
    sa.Index("admin_grants_admin", "admin"),
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
    sa.Index("records_user_type", "user_id", "type"),  # a person's quiz and exam records (server/grading.py)
)

# The people every one of whose stored records has its credit (server/ingest.py): ingest credits
# each record it stores, so a person's history is looked at for records stored without credit (by a
# server from before credit was decided at ingest) once, then they are listed here (revision 0009).
credited_people = sa.Table(
    "credited_people", metadata,
    sa.Column("user_id", sa.Text, primary_key=True),
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
# passed only when ``reason`` is NULL (else redrawn, over_attempts, over_time,
# unknown_assessment or ungradable). ``attempt_no``: its place among the person's attempts of
# that quiz or exam, counted by the papers drawn.
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

# Course assignments to a person (user name), a unit's subtree (unit code) or a class (class code)
# (server/assignments.py).
assignments = sa.Table(
    "assignments", metadata,
    sa.Column("course_id", sa.Text, primary_key=True),
    sa.Column("target_kind", sa.Text, sa.CheckConstraint("target_kind IN ('user', 'unit', 'class')"),
              primary_key=True),
    sa.Column("target", sa.Text, primary_key=True),
    sa.Column("required", sa.Integer, nullable=False),
    sa.Column("due", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("credit_hours", REAL),
    sa.Column("assigned_at", sa.Text, nullable=False, server_default=utc_now_s()),
    sa.Index("assignments_target", "target_kind", "target"),
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
# refuses to change or delete a row (audit_log_append_only's triggers). ``detail`` is a msgid of the
# admin web's catalog and ``detail_values`` its values (JSON), said in the reader's language; with no
# values (every row written before revision 0010), ``detail`` is shown as stored.
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
    sa.Column("detail_values", sa.Text),
    sa.Index("audit_log_at", "at"),
)

AUDIT_LOG_APPEND_ONLY = "the audit log is append-only"


def audit_log_append_only(dialect: str) -> tuple[str, ...]:
    """The statements that make the database refuse to change or delete an audit row, whoever asks
    (``dialect``: "postgresql" or "sqlite"), run by revision 0001 and for a new database
    (server.storage.schema.create_newest). Should they ever change, revision 0001 keeps these in
    its own text and a new revision makes the change."""
    if dialect == "postgresql":
        return (f"""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{AUDIT_LOG_APPEND_ONLY}'; END $$""",
                "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
                "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")
    return tuple(f"CREATE TRIGGER audit_log_no_{verb} BEFORE {verb.upper()} ON audit_log "
                 f"BEGIN SELECT RAISE(ABORT, '{AUDIT_LOG_APPEND_ONLY}'); END" for verb in ("update", "delete"))

# Certificates the server issued (server/certificates.py): a 学时证明 names a year, a 结业证书 a class;
# ``token`` is the signed text its QR code carries (sync.protocol.certificates); figures are decimal
# strings. A revoked certificate keeps its row, with when, by whom and why.
certificates = sa.Table(
    "certificates", metadata,
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
    sa.Index("certificates_user", "user_id", "kind"),
    sa.Index("certificates_class", "class_code"),
    sa.Index("certificates_revoked", "revoked_at"),
)

# The signed revocation lists (sync.protocol.certificates.Revocations), one row each time the list
# changes; the server serves the newest (server/routes_certificates.py) without its private key.
revocation_lists = sa.Table(
    "revocation_lists", metadata,
    sa.Column("id", ROW_KEY, primary_key=True, autoincrement=True),
    sa.Column("issued_at", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

# Each person's figures for a site year (server/person_year.py), kept by the server whenever their
# credit can change and rebuilt by ``studydesk-server totals rebuild``: credit units x 100 (the
# rules allow two decimals) required, elective and carried in, courses that counted this year,
# required courses assigned and completed, the earliest due date of an assigned course not
# completed, credited study time this year and its last moment (epoch seconds), and the study
# time per week of the year (JSON, week index -> ms) booked in ``unit_week`` under ``unit_code``;
# and, kept with the account, the person's cadre level and whether the account is active.
person_year = sa.Table(
    "person_year", metadata,
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
    sa.Column("level", sa.Text),
    sa.Column("active", sa.Integer, nullable=False, server_default="1"),
    sa.Column("stamp", sa.Text),  # the rules the row was worked out under; NULL: work it out again in full
    sa.Index("person_year_year", "year", "user_id"),
    sa.Index("person_year_study", "year", "study_ms"),  # the people ranked by study time, top first
    sa.Index("person_year_unit", "year", "unit_code"),
    # the active people's figures per unit, as the admin pages add them up; on PostgreSQL from the
    # index alone (revision 0008)
    sa.Index("person_year_unit_figures", "year", "unit_code", postgresql_where=sa.text("active = 1"),
             sqlite_where=sa.text("active = 1"),
             postgresql_include=["level", "required_x100", "elective_x100", "carried_x100", "required_assigned",
                                 "required_done", "first_due", "study_ms", "last_study_s"]),
)

# Each person's evidence per course folded in the order it was made (server/person_year.py): per
# lesson its covered media, the day it was done (or of its latest evidence) and whether it is done;
# the first day each quiz and the exam was passed; the newest evidence folded (JSON). ``version``:
# the published version of the course it was folded against. An upload folds its own records into
# it instead of re-reading the person's history.
person_course = sa.Table(
    "person_course", metadata,
    sa.Column("user_id", sa.Text, primary_key=True),
    sa.Column("course_id", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
)

# Credited study time per unit (the people's own unit, not its ancestors), site year and week of
# that year (server/person_year.py): the sum of the ``weeks`` of the person_year rows booked there.
unit_week = sa.Table(
    "unit_week", metadata,
    sa.Column("unit_code", sa.Text, primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("week", sa.Integer, primary_key=True),
    sa.Column("study_ms", sa.BigInteger, nullable=False),
    sa.Index("unit_week_weeks", "year", "week", postgresql_include=["study_ms"]),  # a year's weekly line
)
