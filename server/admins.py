"""Admin accounts, separate from the learners' (server.users): a system admin reaches everything,
a unit admin the subtrees of the units granted to them, a reviewer the classes granted to them
(server.org.roles holds the same rules as pure checks).

Passwords are hashed with scrypt like the learners' (at least MIN_PASSWORD characters). Sign-in
is throttled like the learners' (server.throttle, keyed ``admin:NAME``) and, past that,
LOCK_AFTER wrong passwords in a row lock the account for LOCK_S (``studydesk-server admin
unlock`` ends it at once). Every sign-in is written to the audit log. Services only; the admin
pages and commands call them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from server import audit, throttle
from server.classes import class_exists, classes_of
from server.org.roles import AdminRole, Grant, Scope, parse_role
from server.org.tree import check_name, codes_of
from server.password_pool import PasswordPool
from server.storage.columns import utc_now_s
from server.storage.engine import transaction
from server.storage.tables import admin_grants, admins, class_enrolments, classes, units, users
from server.units import get_unit, subtree_clause
from server.users import check_password, hash_password, spend_a_check, validate_username
from sync.protocol.errors import AuthError, FormatError

__all__ = ["Admin", "AdminRole", "AdminSignInError", "can_manage_class", "can_see_class", "can_see_person",
           "can_see_unit",
           "create_admin", "deactivate_admin", "get_admin", "list_admins", "set_password", "sign_in",
           "unlock_admin", "visible_unit_paths"]

MIN_PASSWORD = 10
LOCK_AFTER = 5
LOCK_S = 15 * 60.0
THROTTLE_PREFIX = "admin:"


@dataclass(frozen=True, slots=True)
class Admin:
    name: str
    display_name: str
    role: AdminRole
    unit_codes: tuple[str, ...]
    class_codes: tuple[str, ...]
    active: bool
    locked_until: float | None = None
    """Epoch seconds until which sign-in is refused (None or past: not locked)."""

    def locked(self, now: float | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (time.time() if now is None else now)


class AdminSignInError(AuthError):
    """A refused admin sign-in: ``bad_credentials`` (unknown name or wrong password, alike),
    ``locked`` (``retry_after_s`` until it ends) or ``inactive``."""

    def __init__(self, code: str, detail: str, retry_after_s: float | None = None) -> None:
        super().__init__(code, detail)
        self.retry_after_s = retry_after_s


def check_admin_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise FormatError.worded("weak_password", "an admin password needs at least %(least)s characters",
                                 least=MIN_PASSWORD)
    return password


def _grants(conn: Connection, names: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    g = admin_grants.c
    out: dict[str, tuple[list[str], list[str]]] = {n: ([], []) for n in names}
    for row in conn.execute(sa.select(g.admin, g.unit_code, g.class_code).where(g.admin.in_(names))
                            .order_by(g.unit_code, g.class_code)):
        if row.unit_code is not None:
            out[row.admin][0].append(row.unit_code)
        else:
            out[row.admin][1].append(row.class_code)
    return out


def _row_admin(row: Row[tuple[object, ...]], grants: tuple[list[str], list[str]]) -> Admin:
    r = row._mapping
    return Admin(r["name"], r["display_name"], AdminRole(r["role"]), tuple(grants[0]), tuple(grants[1]),
                 r["deactivated_at"] is None, r["locked_until"])


def get_admin(conn: Connection, name: str) -> Admin | None:
    row = conn.execute(sa.select(admins).where(admins.c.name == name)).first()
    return _row_admin(row, _grants(conn, [name])[name]) if row else None


def list_admins(conn: Connection) -> list[Admin]:
    rows = conn.execute(sa.select(admins).order_by(admins.c.name)).all()
    grants = _grants(conn, [r.name for r in rows])
    return [_row_admin(r, grants[r.name]) for r in rows]


def _require(conn: Connection, name: str) -> Admin:
    admin = get_admin(conn, name)
    if admin is None:
        raise FormatError.worded("no_such_admin", "no admin %(name)r", name=name)
    return admin


def _check_grants(conn: Connection, role: AdminRole, unit_codes: list[str], class_codes: list[str]) -> None:
    if role is AdminRole.SYSTEM and (unit_codes or class_codes):
        raise FormatError.worded("bad_grant", "a system admin reaches everything: give no units or classes")
    if role is AdminRole.UNIT and (not unit_codes or class_codes):
        raise FormatError.worded("bad_grant", "a unit admin is given one or more units (and no classes)")
    if role is AdminRole.REVIEWER and (not class_codes or unit_codes):
        raise FormatError.worded("bad_grant", "a reviewer is given one or more classes (and no units)")
    for code in unit_codes:
        if get_unit(conn, code) is None:
            raise FormatError.worded("no_such_unit", "no unit %(code)r", code=code)
    for code in class_codes:
        if not class_exists(conn, code):
            raise FormatError.worded("no_such_class", "no class %(code)r", code=code)


def create_admin(conn: Connection, name: str, password: str, role: AdminRole | str, *, units: Iterable[str] = (),
                 classes: Iterable[str] = (), display_name: str = "") -> Admin:
    """A new admin account; FormatError for a bad name, a short password, grants that do not fit the
    role, an unknown unit or class, or a name in use."""
    validate_username(name)
    check_admin_password(password)
    role = parse_role(role) if isinstance(role, str) else role
    unit_codes, class_codes = list(dict.fromkeys(units)), list(dict.fromkeys(classes))
    shown = check_name(display_name) if display_name.strip() else name
    hashed = hash_password(password)
    with transaction(conn):
        if conn.execute(sa.select(1).where(admins.c.name == name)).first():
            raise FormatError.worded("admin_exists", "admin %(name)r already exists", name=name)
        _check_grants(conn, role, unit_codes, class_codes)
        conn.execute(admins.insert().values(name=name, display_name=shown, password_hash=hashed, role=role.value))
        rows = [{"admin": name, "unit_code": c, "class_code": None} for c in unit_codes] + \
               [{"admin": name, "unit_code": None, "class_code": c} for c in class_codes]
        if rows:
            conn.execute(admin_grants.insert(), rows)
    return _require(conn, name)


def set_password(conn: Connection, name: str, password: str) -> Admin:
    """A new password; this also ends a lock."""
    check_admin_password(password)
    hashed = hash_password(password)
    with transaction(conn):
        _require(conn, name)
        conn.execute(admins.update().where(admins.c.name == name)
                     .values(password_hash=hashed, failed_attempts=0, locked_until=None))
    throttle.clear(conn, THROTTLE_PREFIX + name)
    return _require(conn, name)


def unlock_admin(conn: Connection, name: str) -> Admin:
    """End a lock and forget the failed sign-ins (the throttle's wait too)."""
    with transaction(conn):
        _require(conn, name)
        conn.execute(admins.update().where(admins.c.name == name).values(failed_attempts=0, locked_until=None))
    throttle.clear(conn, THROTTLE_PREFIX + name)
    return _require(conn, name)


def deactivate_admin(conn: Connection, name: str) -> Admin:
    """Stop an admin from signing in; idempotent. The audit log keeps what they did."""
    with transaction(conn):
        _require(conn, name)
        conn.execute(admins.update().where(admins.c.name == name)
                     .values(deactivated_at=sa.func.coalesce(admins.c.deactivated_at, utc_now_s())))
    return _require(conn, name)


def _check(conn: Connection, name: str, password: str) -> tuple[bool, Row[tuple[object, ...]] | None]:
    """(password right, the admin's row); an unknown name costs the same time as a wrong password."""
    row = conn.execute(sa.select(admins).where(admins.c.name == name)).first()
    if row is None:
        spend_a_check(password)
        return False, None
    return check_password(password, row.password_hash), row


def sign_in(conn: Connection, name: str, password: str, *, address: str = "",
            passwords: PasswordPool | None = None) -> Admin:
    """Check an admin's password: throttled first (throttle.TooManyAttempts while a wait runs), then
    refused while locked, the password checked (in ``passwords`` when given), and the result audited.
    AdminSignInError on refusal. A place in ``passwords`` comes after the throttle's read-only check
    and before anything is written: when all are taken, 503 at once."""
    throttle.refuse_while_waiting(conn, THROTTLE_PREFIX + name, address)
    with passwords.place() if passwords else contextlib.nullcontext():
        return _sign_in(conn, name, password, address, passwords)


def _sign_in(conn: Connection, name: str, password: str, address: str, passwords: PasswordPool | None) -> Admin:
    attempt = throttle.admit(conn, THROTTLE_PREFIX + name, address)
    now = time.time()
    locked = conn.execute(sa.select(admins.c.locked_until).where(admins.c.name == name)).scalar()
    if locked is not None and locked > now:
        throttle.not_checked(conn, attempt)
        with transaction(conn):
            audit.record(conn, actor=name, action="admin_sign_in", address=address, result="locked")
        refused = AdminSignInError.worded("locked", "this admin account is locked after too many wrong passwords")
        refused.retry_after_s = locked - now
        raise refused
    try:
        right, row = passwords.run(_check, conn, name, password) if passwords else _check(conn, name, password)
    except BaseException:
        throttle.not_checked(conn, attempt)
        raise
    error: AdminSignInError | None = None
    with transaction(conn):
        if not right:
            refused = AdminSignInError.worded("bad_credentials", "wrong admin name or password")
            detail: audit.Said | str = ""
            if row is not None:
                a = admins.c
                conn.execute(admins.update().where(a.name == name).values(failed_attempts=a.failed_attempts + 1))
                failures = conn.execute(sa.select(a.failed_attempts).where(a.name == name)).scalar_one()
                detail = audit.said_n("%(n)d failure in a row", "%(n)d failures in a row", failures)
                if failures >= LOCK_AFTER:
                    conn.execute(admins.update().where(a.name == name)
                                 .values(failed_attempts=0, locked_until=now + LOCK_S))
                    detail = audit.said_n("%(n)d failure in a row; locked for %(minutes)d min",
                                          "%(n)d failures in a row; locked for %(minutes)d min", failures,
                                          minutes=round(LOCK_S / 60))
                    refused = AdminSignInError.worded("locked", "this admin account is locked after too many wrong "
                                                      "passwords")
                    refused.retry_after_s = LOCK_S
            audit.record(conn, actor=name, action="admin_sign_in", address=address, result=refused.code, detail=detail)
            error = refused
        elif row is not None and row.deactivated_at is not None:
            error = AdminSignInError.worded("inactive", "this admin account has been deactivated")
            audit.record(conn, actor=name, action="admin_sign_in", address=address, result="inactive")
        else:
            throttle.succeeded(conn, attempt)
            conn.execute(admins.update().where(admins.c.name == name).values(failed_attempts=0, locked_until=None))
            audit.record(conn, actor=name, action="admin_sign_in", address=address, result="ok")
    if error is not None:
        raise error
    return _require(conn, name)


# -- what an admin may see ------------------------------------------------------------------

def visible_unit_paths(conn: Connection, admin: Admin) -> list[str] | None:
    """The paths of the subtrees ``admin`` reaches: None for all (a system admin); a unit admin's
    granted units; nothing for a reviewer (they reach classes, not units)."""
    if admin.role is AdminRole.SYSTEM:
        return None
    if admin.role is not AdminRole.UNIT or not admin.unit_codes:
        return []
    return sorted(conn.execute(sa.select(units.c.path).where(units.c.code.in_(admin.unit_codes))).scalars())


def _scope(conn: Connection, admin: Admin) -> Scope:
    paths = visible_unit_paths(conn, admin)
    if paths is None:
        return Scope.of([Grant(AdminRole.SYSTEM)])
    return Scope.of([*(Grant(AdminRole.UNIT, unit_path=p) for p in paths),
                     *(Grant(AdminRole.REVIEWER, class_id=c) for c in admin.class_codes)])


def can_see_unit(conn: Connection, admin: Admin, unit_code: str) -> bool:
    unit = get_unit(conn, unit_code)
    return unit is not None and admin.active and _scope(conn, admin).may_manage_unit(unit.path)


def can_see_person(conn: Connection, admin: Admin, user_id: str) -> bool:
    """A unit admin sees the people of their subtrees; a reviewer the people of their classes."""
    if not admin.active:
        return False
    row = conn.execute(sa.select(users.c.username, units.c.path).select_from(
        users.outerjoin(units, units.c.code == users.c.unit_code)).where(users.c.user_id == user_id)).first()
    if row is None:
        return False
    if admin.role is AdminRole.SYSTEM:
        return True
    if row.path is not None and _scope(conn, admin).may_manage_unit(row.path):
        return True
    return bool(set(admin.class_codes) & set(classes_of(conn, row.username)))


def can_see_class(conn: Connection, admin: Admin, class_code: str) -> bool:
    """A reviewer sees their classes; a unit admin a class organised in their subtrees or with anyone
    enrolled there (a unit of theirs or above it, or one of their people)."""
    if not admin.active or not class_exists(conn, class_code):
        return False
    if admin.role is AdminRole.SYSTEM or class_code in admin.class_codes:
        return True
    paths = visible_unit_paths(conn, admin)
    if not paths:
        return False
    return any(conn.execute(q.where(code == class_code).limit(1)).first() is not None
               for q, code in _classes_reached(paths))


def visible_classes(conn: Connection, admin: Admin) -> sa.ColumnElement[bool] | None:
    """Which classes ``admin`` sees (can_see_class), as one condition on ``classes`` for a single
    statement however many there are: None for every class (a system admin)."""
    if not admin.active:
        return sa.false()
    if admin.role is AdminRole.SYSTEM:
        return None
    own = classes.c.code.in_(admin.class_codes)
    paths = visible_unit_paths(conn, admin)
    if not paths:
        return own
    return sa.or_(own, classes.c.code.in_(sa.union(*(q for q, _ in _classes_reached(paths)))))


def _classes_reached(paths: list[str]) -> list[tuple[sa.Select[tuple[str]], sa.ColumnElement[str]]]:
    """The codes of the classes the subtrees at ``paths`` reach, each select with its code column:
    those organised there, those with a unit enrolled there or above, those with a person of theirs."""
    inside = sa.or_(*(subtree_clause(units.c.path, p) for p in paths))
    owner = sa.select(classes.c.code).select_from(classes.join(units, units.c.code == classes.c.owner_unit)).where(
        inside)
    e = class_enrolments.c
    above = {code for p in paths for code in codes_of(p)}
    by_unit = sa.select(e.class_code).select_from(class_enrolments.join(units, units.c.code == e.target)).where(
        e.kind == "unit", sa.or_(inside, e.target.in_(above)))
    by_person = sa.select(e.class_code).select_from(class_enrolments.join(users, users.c.username == e.target).join(
        units, units.c.code == users.c.unit_code)).where(e.kind == "person", inside)
    return [(owner, classes.c.code), (by_unit, e.class_code), (by_person, e.class_code)]


def can_manage_class(conn: Connection, admin: Admin, class_code: str) -> bool:
    """Change a class (its courses, who is enrolled): a system admin any class, a unit admin a class
    organised by a unit in their subtrees; a reviewer none (server.org.roles.Scope.may_manage_class)."""
    if not admin.active or admin.role is AdminRole.REVIEWER:
        return False
    row = conn.execute(sa.select(classes.c.owner_unit, units.c.path).select_from(
        classes.outerjoin(units, units.c.code == classes.c.owner_unit)).where(classes.c.code == class_code)).first()
    if row is None:
        return False
    return _scope(conn, admin).may_manage_class(row.path if row.owner_unit is not None else None)
