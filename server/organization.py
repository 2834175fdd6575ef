"""The organization's people in the database: their unit, cadre level and organization id, moves
between units (each kept in ``unit_history``), who is in a unit's subtree, and importing units and
people from an organization department's CSV or XLSX sheets.

An import is checked first (server.org.importing: a report of every row, bad ones with their
reason) and changes nothing; applied, it runs in one transaction, and only when no row is bad.
The units themselves (add, rename, move, deactivate) are server.units; accounts are server.users.
Services only; no HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server import person_year
from server.org.importing import Change, ExistingPerson, PersonRow, Report, UnitRow, check_people, check_units
from server.org.levels import CadreLevel, parse_level
from server.org.sheets import PEOPLE_COLUMNS, UNIT_COLUMNS, read_sheet
from server.org.tree import Unit, UnitTree
from server.storage.engine import transaction
from server.storage.tables import assignments, class_enrolments, unit_history, units, users
from server.storage.tables import person_year as person_year_table
from server.units import add_unit_in, move_unit_in, require_unit, subtree_clause, unit_tree
from server.users import (
    USER_QUERY,
    User,
    add_user_in,
    check_new_password,
    check_person_id,
    get_user,
    hash_password,
    row_user,
)
from sync.protocol.errors import FormatError


@dataclass(frozen=True, slots=True)
class Move:
    at: str
    from_unit: str | None
    to_unit: str
    by: str


def _require_user(conn: Connection, username: str) -> User:
    user = get_user(conn, username=username)
    if user is None:
        raise FormatError.worded("no_such_user", "no user %(user)r", user=username)
    return user


def _move_in(conn: Connection, user: User, unit_code: str, by: str) -> None:
    target = require_unit(conn, unit_code)
    if not target.active:
        raise FormatError.worded("unit_inactive", "unit %(unit)r is deactivated", unit=unit_code)
    if user.unit_code == unit_code:
        return
    conn.execute(users.update().where(users.c.user_id == user.user_id).values(unit_code=unit_code))
    conn.execute(unit_history.insert().values(user_id=user.user_id, from_unit=user.unit_code, to_unit=unit_code,
                                              moved_by=by))
    person_year.rebook(conn, user.user_id)


def move_person(conn: Connection, username: str, unit_code: str, *, by: str) -> User:
    """Put a person in another unit; the move (from, to, who, when) is kept, and their records,
    devices and personal assignments stay theirs."""
    with transaction(conn):
        _move_in(conn, _require_user(conn, username), unit_code, by)
    return _require_user(conn, username)


def set_person(conn: Connection, username: str, *, level: CadreLevel | str | None = None,
               person_id: str | None = None, display_name: str | None = None) -> User:
    """Change a person's cadre level, organization id or shown name (None: unchanged)."""
    values: dict[str, object] = {}
    if level is not None:
        values["level"] = (parse_level(level) if isinstance(level, str) else level).value
    if person_id is not None:
        values["person_id"] = check_person_id(person_id)
    if display_name is not None:
        if not display_name.strip() or len(display_name) > 100:
            raise FormatError.worded("bad_name", "a name is 1-100 characters")
        values["display_name"] = display_name.strip()
    with transaction(conn):
        user = _require_user(conn, username)
        if person_id is not None and conn.execute(sa.select(1).where(
                users.c.person_id == person_id, users.c.user_id != user.user_id)).first():
            raise FormatError.worded("person_exists", "person id %(person)r belongs to another account",
                                     person=person_id)
        if values:
            conn.execute(users.update().where(users.c.user_id == user.user_id).values(**values))
        if "level" in values:  # the stored years read the level with the figures
            conn.execute(person_year_table.update().where(person_year_table.c.user_id == user.user_id)
                         .values(level=values["level"]))
    return _require_user(conn, username)


def history(conn: Connection, username: str) -> list[Move]:
    """A person's moves, oldest first."""
    user = _require_user(conn, username)
    h = unit_history.c
    return [Move(r.at, r.from_unit, r.to_unit, r.moved_by) for r in conn.execute(
        sa.select(h.at, h.from_unit, h.to_unit, h.moved_by).where(h.user_id == user.user_id).order_by(h.id))]


def people_in(conn: Connection, unit_code: str, *, subtree: bool = True, active_only: bool = True) -> list[User]:
    """The people of a unit, or of its whole subtree (one range over the unit paths)."""
    top = require_unit(conn, unit_code)
    where = subtree_clause(units.c.path, top.path) if subtree else users.c.unit_code == unit_code
    query = USER_QUERY.where(where).order_by(units.c.path, users.c.username)
    if active_only:
        query = query.where(users.c.deactivated_at.is_(None))
    return [row_user(r) for r in conn.execute(query)]


# -- importing ------------------------------------------------------------------------------

def check_unit_import(conn: Connection, path: Path) -> Report[UnitRow]:
    """The dry run of a units sheet: what it would add or change, and every bad row."""
    return check_units(read_sheet(path, UNIT_COLUMNS), unit_tree(conn))


def import_units(conn: Connection, path: Path, *, confirm: bool) -> Report[UnitRow]:
    """Check a units sheet and, with ``confirm`` and no bad row, apply it in one transaction:
    new units added, changed ones renamed, moved (their subtrees with them) or taken back in use."""
    report = check_unit_import(conn, path)
    if not confirm or not report.ok:
        return report
    with transaction(conn):
        tree = unit_tree(conn)  # read again inside the write lock
        again = check_units(read_sheet(path, UNIT_COLUMNS), tree)
        if not again.ok:
            return again
        _apply_units(conn, tree, [r for r in again.rows if r.change is not Change.UNCHANGED])
        return again


def _apply_units(conn: Connection, tree: UnitTree, rows: list[UnitRow]) -> None:
    final = {u.code: u for u in tree}
    final.update({r.code: Unit(r.code, r.name, r.parent, True) for r in rows})
    placed = UnitTree(final.values())  # checked: no cycles, every parent known
    by_code = {r.code: r for r in rows}
    moving = [r for r in rows if r.code in tree and tree.get(r.code).parent != r.parent]
    for r in rows:
        if r.code not in tree:
            add_unit_in(conn, r.code, r.name, None)  # as a root for now: placed below
    for r in moving:
        move_unit_in(conn, r.code, None)  # detached first, so no move passes through a cycle
    for unit in placed:  # parents before children
        row = by_code.get(unit.code)
        if row is None:
            continue
        if row.parent is not None and (row.code not in tree or row in moving):
            move_unit_in(conn, row.code, row.parent)
        conn.execute(units.update().where(units.c.code == row.code).values(name=row.name, deactivated_at=None))


def _existing_people(conn: Connection, rows_usernames: dict[str, str]) -> dict[str, ExistingPerson]:
    """person id -> what the site holds; a person without an id whose user name a row gives (with
    an id nobody has) is taken as that row's person."""
    out: dict[str, ExistingPerson] = {}
    for r in conn.execute(sa.select(users.c.username, users.c.display_name, users.c.level, users.c.person_id,
                                    users.c.unit_code)):
        level = CadreLevel(r.level) if r.level else None
        pid = r.person_id or rows_usernames.get(r.username)
        if pid is not None and pid not in out:
            out[pid] = ExistingPerson(pid, r.username, r.display_name, level, r.unit_code)
    return out


def check_people_import(conn: Connection, path: Path) -> Report[PersonRow]:
    sheet = read_sheet(path, PEOPLE_COLUMNS)
    wanted = {(row.values.get("username") or row.values.get("person_id", "")): row.values.get("person_id", "")
              for row in sheet.rows}
    held = set(conn.execute(sa.select(users.c.person_id).where(users.c.person_id.is_not(None))).scalars())
    return check_people(sheet, unit_tree(conn), _existing_people(
        conn, {name: pid for name, pid in wanted.items() if pid and pid not in held}))


def import_people(conn: Connection, path: Path, *, confirm: bool, password: str | None = None,
                  by: str) -> Report[PersonRow]:
    """Check a people sheet and, with ``confirm`` and no bad row, apply it in one transaction: new
    accounts (all with the first ``password``, which each person should change), and changed
    names, levels and units (a unit change is a move, kept in the history)."""
    report = check_people_import(conn, path)
    if not confirm or not report.ok:
        return report
    if report.count(Change.NEW):
        if password is None:
            raise FormatError.worded("password_needed", "new people need a first password")
        check_new_password(password)
    shared = hash_password(password) if password is not None and report.count(Change.NEW) else None
    with transaction(conn):
        again = check_people_import(conn, path)
        if not again.ok:
            return again
        for row in again.rows:
            if row.change is Change.NEW:
                add_user_in(conn, row.username, "", row.unit, row.name, level=row.level, person_id=row.person_id,
                            password_hash=shared)
            elif row.change is Change.CHANGED:
                _update_person(conn, row, by)
        return again


def _update_person(conn: Connection, row: PersonRow, by: str) -> None:
    found = conn.execute(USER_QUERY.where(users.c.person_id == row.person_id)).first() or \
        conn.execute(USER_QUERY.where(users.c.username == row.username)).first()
    assert found is not None  # the report said it exists
    user = row_user(found)
    if user.username != row.username:  # the sheet renames the account: its references follow
        conn.execute(users.update().where(users.c.user_id == user.user_id).values(username=row.username))
        conn.execute(assignments.update().where(assignments.c.target_kind == "user",
                                                assignments.c.target == user.username).values(target=row.username))
        conn.execute(class_enrolments.update().where(class_enrolments.c.kind == "person",
                                                     class_enrolments.c.target == user.username)
                     .values(target=row.username))
    conn.execute(users.update().where(users.c.user_id == user.user_id).values(
        display_name=row.name, level=row.level.value, person_id=row.person_id))
    conn.execute(person_year_table.update().where(person_year_table.c.user_id == user.user_id)
                 .values(level=row.level.value))
    _move_in(conn, user, row.unit, by)

