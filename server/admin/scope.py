"""What a signed-in admin may reach, as the admin web asks it: the units at the top of their
view, and each unit, person or class checked before a page shows it. The answers come from
server.admins; a unit or person outside an admin's scope answers 404, the same as one that does
not exist, so a typed URL tells nothing about the rest of the organization."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server import admins
from server.storage.tables import units
from server.units import StoredUnit, get_unit
from server.users import User, get_user


class OutOfScope(Exception):
    """The thing asked for does not exist or is not the admin's to see (answered 404)."""


def top_units(conn: Connection, admin: admins.Admin) -> list[StoredUnit]:
    """The highest units the admin sees: every root for a system admin, else their granted units
    (one inside another's subtree is left out)."""
    paths = admins.visible_unit_paths(conn, admin)
    if paths is None:
        codes = conn.execute(sa.select(units.c.code).where(units.c.parent_code.is_(None))
                             .order_by(units.c.code)).scalars().all()
    else:
        tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
        query = sa.select(units.c.code).where(units.c.path.in_(tops)).order_by(units.c.path)
        codes = conn.execute(query).scalars().all()
    return [u for code in codes if (u := get_unit(conn, code)) is not None]


def unit(conn: Connection, admin: admins.Admin, code: str) -> StoredUnit:
    found = get_unit(conn, code) if len(code) <= 64 else None
    if found is None or not admins.can_see_unit(conn, admin, code):
        raise OutOfScope(code)
    return found


def unit_or_first(conn: Connection, admin: admins.Admin, code: str, tops: list[StoredUnit], what: str) -> StoredUnit:
    """The unit ``code`` if given (and the admin's to see), else the first of ``tops``; ``what``
    names the page refused when there is neither."""
    if code:
        return unit(conn, admin, code)
    if not tops:
        raise OutOfScope(what)
    return tops[0]


def person(conn: Connection, admin: admins.Admin, user_id: str) -> User:
    found = get_user(conn, user_id=user_id) if len(user_id) <= 64 else None
    if found is None or not admins.can_see_person(conn, admin, found.user_id):
        raise OutOfScope(user_id)
    return found


def sees_all(admin: admins.Admin) -> bool:
    return admin.role is admins.AdminRole.SYSTEM


def reviewer(admin: admins.Admin) -> bool:
    return admin.role is admins.AdminRole.REVIEWER
