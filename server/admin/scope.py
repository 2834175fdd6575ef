"""What a signed-in admin may reach, as the admin web asks it: the units at the top of their
view, and each unit, person or class checked before a page shows it. The answers come from
server.admins; a unit or person outside an admin's scope answers 404, the same as one that does
not exist, so a typed URL tells nothing about the rest of the organization."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server import admins
from server.classes import get_class, list_classes
from server.org.classes import TrainingClass
from server.storage.tables import units
from server.units import StoredUnit, get_unit, list_units
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


def sees_unit(conn: Connection, admin: admins.Admin, code: str) -> bool:
    """Whether ``code`` is a unit the admin may see."""
    try:
        unit(conn, admin, code)
    except OutOfScope:
        return False
    return True


UNIT_CHOICES = 300
"""At most this many units to move a person into are listed: a province has thousands."""


def unit_choices(conn: Connection, admin: admins.Admin, near: str | None = None,
                 outside: StoredUnit | None = None) -> list[tuple[str, str]]:
    """The units the admin may choose (code, name indented by depth), by path: every unit of their
    subtrees; with ``near`` (the unit a person is in, to move them) those under the parent of that
    unit (its siblings and everything below them) when the admin sees that parent, at most
    UNIT_CHOICES, ``near`` always among them; with ``outside``, none of that unit's subtree (where
    a unit may be moved)."""
    found = get_unit(conn, near) if near else None
    parent = get_unit(conn, found.parent) if found is not None and found.parent else None
    around = [parent] if parent is not None and sees_unit(conn, admin, parent.code) else top_units(conn, admin)
    out: list[tuple[str, str]] = []
    for top in around:
        room = UNIT_CHOICES - len(out) if near else None
        out += [(u.code, "\u3000" * (u.depth - top.depth) + u.name)
                for u in list_units(conn, top.code, limit=room)
                if u.active and not (outside is not None and u.path.startswith(outside.path))]
    if found is not None and found.code not in {code for code, _ in out}:
        out.insert(0, (found.code, found.name))
    return out


def may_restructure(conn: Connection, admin: admins.Admin, found: StoredUnit) -> bool:
    """Whether the admin may move or deactivate ``found``: a system admin any unit; a unit admin
    only one below the units given to them (those units themselves are the business of the admin
    above)."""
    if sees_all(admin):
        return True
    if reviewer(admin):
        return False
    return found.code not in admin.unit_codes and sees_unit(conn, admin, found.code)


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


def klass(conn: Connection, admin: admins.Admin, code: str) -> TrainingClass:
    """A class the admin may see: a reviewer's own, a unit admin's (organised or with people
    enrolled in their subtrees), any for a system admin."""
    found = get_class(conn, code) if len(code) <= 64 else None
    if found is None or not admins.can_see_class(conn, admin, code):
        raise OutOfScope(code)
    return found


def managed_class(conn: Connection, admin: admins.Admin, code: str) -> TrainingClass:
    """A class the admin may change (a reviewer none; a unit admin one organised in their subtrees)."""
    found = klass(conn, admin, code)
    if not admins.can_manage_class(conn, admin, code):
        raise OutOfScope(code)
    return found


def visible_classes(conn: Connection, admin: admins.Admin) -> list[TrainingClass]:
    """The classes the admin may see (admins.can_see_class), by start date: a few statements
    however many classes there are."""
    return list_classes(conn, admins.visible_classes(conn, admin))


def class_people_within(conn: Connection, admin: admins.Admin) -> list[str] | None:
    """Whose results in a class the admin sees: everyone (None) for a system admin or the class's
    reviewer, else the people of their own subtrees (unit paths)."""
    if reviewer(admin):
        return None
    return admins.visible_unit_paths(conn, admin)
