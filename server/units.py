"""The organization's units in the database: a tree of any depth, each unit keyed by its code
and holding its code path (server.org.tree), so a subtree is one range over the path index.

Units are never deleted: a deactivated one keeps its people's history and its name in old
reports, but takes no new people. Services only (no HTTP here); server.organization adds people,
imports and the admin checks on top.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from server.org.tree import SEP, Unit, UnitTree, check_code, check_name, path_of
from server.storage.columns import utc_now_s
from server.storage.engine import transaction
from server.storage.tables import units, users
from sync.protocol.errors import FormatError

ROOT_CODE = "root"
"""The root the flat unit names of older sites were put under (revision 0002), and where a unit
named only by ``user add --unit NAME`` is added."""
ROOT_NAME = "全部单位"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class StoredUnit:
    code: str
    name: str
    parent: str | None
    path: str
    depth: int
    active: bool = True

    def tree_unit(self) -> Unit:
        return Unit(self.code, self.name, self.parent, self.active)


def _row_unit(row: Row[tuple[object, ...]]) -> StoredUnit:
    r = row._mapping
    return StoredUnit(r["code"], r["name"], r["parent_code"], r["path"], r["depth"], r["deactivated_at"] is None)


def subtree_clause(path: sa.ColumnElement[str], top_path: str | sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """``path`` lies in the subtree whose top has ``top_path``: every path that starts with it,
    as one range (paths compare byte by byte, and the character after SEP is '0'). ``top_path``
    may be a column (a join on subtrees: its SEP at the end replaced in SQL)."""
    after = chr(ord(SEP) + 1)
    if isinstance(top_path, str):
        assert top_path.endswith(SEP)
        return sa.and_(path >= top_path, path < top_path[:-1] + after)
    return sa.and_(path >= top_path, path < sa.func.substr(top_path, 1, sa.func.length(top_path) - 1).concat(after))


def get_unit(conn: Connection, code: str) -> StoredUnit | None:
    row = conn.execute(sa.select(units).where(units.c.code == code)).first()
    return _row_unit(row) if row else None


def unit_names(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    """The name of each unit of ``codes`` (an unknown one left out), in one statement."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {r.code: r.name for r in conn.execute(sa.select(units.c.code, units.c.name).where(units.c.code.in_(wanted)))}


def require_unit(conn: Connection, code: str) -> StoredUnit:
    """The unit, or FormatError("no_such_unit")."""
    unit = get_unit(conn, code)
    if unit is None:
        raise FormatError.worded("no_such_unit", "no unit %(code)r", code=code)
    return unit


def find_unit(conn: Connection, code_or_name: str) -> StoredUnit | None:
    """The unit with this code, else the one active unit with this name (None when no unit or
    several have it)."""
    if (unit := get_unit(conn, code_or_name)) is not None:
        return unit
    rows = conn.execute(sa.select(units).where(units.c.name == code_or_name.strip(),
                                               units.c.deactivated_at.is_(None)).limit(2)).all()
    return _row_unit(rows[0]) if len(rows) == 1 else None


def list_units(conn: Connection, top: str | None = None, *, limit: int | None = None) -> list[StoredUnit]:
    """Every unit (or those of ``top``'s subtree), each after its parent; the first ``limit`` of them."""
    query = sa.select(units).order_by(units.c.path).limit(limit)
    if top is not None:
        query = query.where(subtree_clause(units.c.path, require_unit(conn, top).path))
    return [_row_unit(r) for r in conn.execute(query)]


def unit_tree(conn: Connection) -> UnitTree:
    return UnitTree(u.tree_unit() for u in list_units(conn))


def _insert(conn: Connection, code: str, name: str, parent: StoredUnit | None) -> StoredUnit:
    path = (parent.path if parent else "") + path_of([code])
    depth = parent.depth + 1 if parent else 0
    conn.execute(units.insert().values(code=code, name=name, parent_code=parent.code if parent else None,
                                       path=path, depth=depth))
    return StoredUnit(code, name, parent.code if parent else None, path, depth)


def _active_parent(conn: Connection, parent: str | None) -> StoredUnit | None:
    if parent is None:
        return None
    found = require_unit(conn, parent)
    if not found.active:
        raise FormatError.worded("unit_inactive", "unit %(unit)r is deactivated", unit=parent)
    return found


def add_unit_in(conn: Connection, code: str, name: str, parent: str | None) -> StoredUnit:
    """``add_unit`` inside the caller's write transaction."""
    check_code(code)
    name = check_name(name)
    if get_unit(conn, code) is not None:
        raise FormatError.worded("unit_exists", "unit %(code)r already exists", code=code)
    return _insert(conn, code, name, _active_parent(conn, parent))


def add_unit(conn: Connection, code: str, name: str, parent: str | None = None) -> StoredUnit:
    """A new unit under ``parent`` (None: a new root)."""
    with transaction(conn):
        return add_unit_in(conn, code, name, parent)


def rename_unit(conn: Connection, code: str, name: str) -> StoredUnit:
    name = check_name(name)
    with transaction(conn):
        require_unit(conn, code)
        conn.execute(units.update().where(units.c.code == code).values(name=name))
    return require_unit(conn, code)


def move_unit_in(conn: Connection, code: str, new_parent: str | None) -> StoredUnit:
    """``move_unit`` inside the caller's write transaction."""
    unit = require_unit(conn, code)
    parent = _active_parent(conn, new_parent)
    if parent is not None and parent.path.startswith(unit.path):
        raise FormatError.worded("unit_cycle", "unit %(code)r cannot move under %(unit)r, which is inside it",
                                 code=code, unit=str(new_parent))
    new_path = (parent.path if parent else "") + path_of([code])
    shift = (parent.depth + 1 if parent else 0) - unit.depth
    u = units.c
    conn.execute(units.update().where(subtree_clause(u.path, unit.path)).values(
        path=sa.literal(new_path) + sa.func.substr(u.path, len(unit.path) + 1), depth=u.depth + shift))
    conn.execute(units.update().where(u.code == code).values(parent_code=new_parent))
    return require_unit(conn, code)


def move_unit(conn: Connection, code: str, new_parent: str | None) -> StoredUnit:
    """Put a unit (with its whole subtree and their people) under ``new_parent`` (None: make it a
    root); every path below it is rewritten. FormatError("unit_cycle") to move it under itself."""
    with transaction(conn):
        return move_unit_in(conn, code, new_parent)


def deactivate_unit(conn: Connection, code: str) -> StoredUnit:
    """Take a unit out of use; refused while an active unit or an active person is in it (move them
    first). Idempotent."""
    with transaction(conn):
        unit = require_unit(conn, code)
        u = units.c
        below = conn.execute(sa.select(u.code).where(subtree_clause(u.path, unit.path), u.code != code,
                                                     u.deactivated_at.is_(None)).limit(1)).first()
        if below is not None:
            raise FormatError.worded("unit_not_empty", "unit %(code)r still holds the active unit %(unit)r",
                                     code=code, unit=below.code)
        person = conn.execute(sa.select(users.c.username).where(users.c.unit_code == code,
                                                                users.c.deactivated_at.is_(None)).limit(1)).first()
        if person is not None:
            raise FormatError.worded("unit_not_empty", "unit %(code)r still holds the active person %(person)r",
                                     code=code, person=person.username)
        conn.execute(units.update().where(u.code == code)
                     .values(deactivated_at=sa.func.coalesce(u.deactivated_at, utc_now_s())))
    return require_unit(conn, code)


def active_units_below(conn: Connection, code: str) -> int:
    """How many active units lie below ``code`` (one of the things that keep it from being deactivated)."""
    unit = require_unit(conn, code)
    u = units.c
    return int(conn.execute(sa.select(sa.func.count()).select_from(units).where(
        subtree_clause(u.path, unit.path), u.code != code, u.deactivated_at.is_(None))).scalar_one())


def unit_for_name(conn: Connection, code_or_name: str) -> StoredUnit:
    """The unit a person is put in by a code or a name (inside the caller's write transaction): an
    existing unit (``find_unit``), else a new one of that name under the root unit (made if missing),
    coded by the name when it is a valid code and free, else ``unit-N`` (as revision 0002 did)."""
    text = code_or_name.strip()
    if not text:
        raise FormatError.worded("bad_unit", "a unit is required")
    found = find_unit(conn, text)
    if found is not None:
        if not found.active:
            raise FormatError.worded("unit_inactive", "unit %(unit)r is deactivated", unit=found.code)
        return found
    name = check_name(text)
    root = get_unit(conn, ROOT_CODE) or _insert(conn, ROOT_CODE, ROOT_NAME, None)
    code = text if _CODE.match(text) else ""
    n = conn.execute(sa.select(sa.func.count()).select_from(units)).scalar_one()
    while not code or get_unit(conn, code) is not None:
        n += 1
        code = f"unit-{n}"
    return _insert(conn, code, name, root)
