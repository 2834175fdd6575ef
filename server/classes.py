"""Training classes (培训班) in the database: a name, dates, the organising unit, who is enrolled
(a person, or everyone in a unit's subtree at the time of asking) and the class's scoring settings
(sync.protocol.rules.ClassScoring; none: the site's rules). A class's courses are the courses
assigned to it (server.assignments, required or elective). Services only; no HTTP here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.org.classes import ClassCourse, EnrolKind, Enrolment, TrainingClass, scoring_from_json, scoring_to_json
from server.org.tree import codes_of
from server.storage.engine import transaction
from server.storage.tables import assignments, class_enrolments, classes, units, users
from server.units import get_unit, require_unit, subtree_clause
from sync.protocol.errors import FormatError
from sync.protocol.rules import ClassScoring


def class_exists(conn: Connection, code: str) -> bool:
    return conn.execute(sa.select(1).where(classes.c.code == code)).first() is not None


def _classes(conn: Connection, which: sa.ColumnElement[bool] | None = None) -> list[TrainingClass]:
    """The classes ``which`` picks (all without it), by start date then code, in three statements
    however many there are: the classes, then the courses and the enrolments of all of them."""
    picked = sa.select(classes)
    if which is not None:
        picked = picked.where(which)
    rows = conn.execute(picked.order_by(classes.c.starts, classes.c.code)).all()
    if not rows:
        return []
    codes = sa.select(picked.subquery().c.code)
    a, e = assignments.c, class_enrolments.c
    courses: dict[str, list[ClassCourse]] = {}
    for c in conn.execute(sa.select(a.target, a.course_id, a.required).where(a.target_kind == "class",
                                                                              a.target.in_(codes))
                          .order_by(a.target, a.course_id)):
        courses.setdefault(c.target, []).append(ClassCourse(c.course_id, bool(c.required)))
    enrolled: dict[str, list[Enrolment]] = {}
    for x in conn.execute(sa.select(e.class_code, e.kind, e.target).where(e.class_code.in_(codes))
                          .order_by(e.class_code, e.kind, e.target)):
        enrolled.setdefault(x.class_code, []).append(Enrolment(EnrolKind(x.kind), x.target))
    return [TrainingClass(r.code, r.name, dt.date.fromisoformat(r.starts), dt.date.fromisoformat(r.ends),
                          r.owner_unit, scoring_from_json(r.scoring) if r.scoring else None,
                          tuple(courses.get(r.code, ())), tuple(enrolled.get(r.code, ())))
            for r in rows]


def get_class(conn: Connection, code: str) -> TrainingClass | None:
    found = _classes(conn, classes.c.code == code)
    return found[0] if found else None


def require_class(conn: Connection, code: str) -> TrainingClass:
    found = get_class(conn, code)
    if found is None:
        raise FormatError.worded("no_such_class", "no class %(code)r", code=code)
    return found


def list_classes(conn: Connection, which: sa.ColumnElement[bool] | None = None) -> list[TrainingClass]:
    """Every class, or those ``which`` picks (a condition on ``classes``), by start date then code."""
    return _classes(conn, which)


def create_class(conn: Connection, code: str, name: str, starts: dt.date, ends: dt.date, *,
                 owner_unit: str | None = None, scoring: ClassScoring | None = None) -> TrainingClass:
    """A new class (its courses are assigned to it, its people enrolled, afterwards)."""
    klass = TrainingClass(code, name.strip(), starts, ends, owner_unit, scoring)  # checks code, name, dates
    with transaction(conn):
        if class_exists(conn, code):
            raise FormatError.worded("class_exists", "class %(code)r already exists", code=code)
        if owner_unit is not None:
            require_unit(conn, owner_unit)
        conn.execute(classes.insert().values(code=code, name=klass.name, starts=starts.isoformat(),
                                             ends=ends.isoformat(), owner_unit=owner_unit,
                                             scoring=scoring_to_json(scoring) if scoring else None))
    return require_class(conn, code)


def enrol(conn: Connection, code: str, *, person: str | None = None, unit: str | None = None) -> Enrolment:
    """Enrol one person (by user name) or everyone in a unit's subtree (by unit code); idempotent."""
    if (person is None) == (unit is None):
        raise FormatError.worded("bad_target", "enrol exactly one of a person or a unit")
    with transaction(conn):
        require_class(conn, code)
        if person is not None:
            if conn.execute(sa.select(1).where(users.c.username == person)).first() is None:
                raise FormatError.worded("no_such_user", "no user %(user)r", user=person)
            enrolment = Enrolment(EnrolKind.PERSON, person)
        else:
            assert unit is not None
            found = get_unit(conn, unit)
            if found is None or not found.active:
                raise FormatError.worded("no_such_unit", "no active unit %(unit)r", unit=unit)
            enrolment = Enrolment(EnrolKind.UNIT, unit)
        e = class_enrolments.c
        if conn.execute(sa.select(1).where(e.class_code == code, e.kind == enrolment.kind.value,
                                           e.target == enrolment.target)).first() is None:
            conn.execute(class_enrolments.insert().values(class_code=code, kind=enrolment.kind.value,
                                                          target=enrolment.target))
    return enrolment


def unenrol(conn: Connection, code: str, *, person: str | None = None, unit: str | None = None) -> bool:
    """Take back one enrolment (a person by user name, or a unit by code, exactly as enrolled);
    False when there was none. Their records and any certificate stay; the class's courses are
    no longer theirs through it."""
    if (person is None) == (unit is None):
        raise FormatError.worded("bad_target", "unenrol exactly one of a person or a unit")
    kind, target = ("person", person) if person is not None else ("unit", unit)
    e = class_enrolments.c
    with transaction(conn):
        require_class(conn, code)
        gone = conn.execute(class_enrolments.delete().where(e.class_code == code, e.kind == kind, e.target == target))
    return bool(gone.rowcount)


def members(conn: Connection, code: str, *, active_only: bool = True) -> list[str]:
    """The user names of everyone the class reaches now: those enrolled by name, and everyone in
    the subtree of an enrolled unit."""
    require_class(conn, code)
    return members_of(conn, [code], active_only=active_only)[code]


def members_of(conn: Connection, codes: Iterable[str], *, active_only: bool = True) -> dict[str, list[str]]:
    """``members`` of each class of ``codes`` (an unknown one: nobody), in one statement however
    many classes there are."""
    found: dict[str, set[str]] = {code: set() for code in codes}
    if found:
        for class_code, username in conn.execute(_REACHED[active_only], {"codes": list(found)}):
            found[class_code].add(username)
    return {code: sorted(names) for code, names in found.items()}


def _reached(active_only: bool) -> sa.CompoundSelect[str, str]:
    """(class code, user name) of everyone the classes of the bound ``codes`` reach, a person twice
    when two enrolments reach them: those enrolled by name, and everyone in the subtree of an
    enrolled unit (a join on the subtrees, whatever their number)."""
    e, u = class_enrolments.c, users.c
    top, unit = units.alias("top"), units.alias("unit")
    named = (sa.select(e.class_code, u.username).select_from(class_enrolments.join(users, u.username == e.target))
             .where(e.kind == "person"))
    below = (sa.select(e.class_code, u.username)
             .select_from(class_enrolments.join(top, top.c.code == e.target)
                          .join(unit, subtree_clause(unit.c.path, top.c.path))
                          .join(users, u.unit_code == unit.c.code))
             .where(e.kind == "unit"))
    picked = [q.where(e.class_code.in_(sa.bindparam("codes", expanding=True))) for q in (named, below)]
    if active_only:
        picked = [q.where(u.deactivated_at.is_(None)) for q in picked]
    return sa.union_all(*picked)


_REACHED = {active_only: _reached(active_only) for active_only in (True, False)}
"""``_reached``'s two statements, made once (building them costs more than running them)."""


def classes_of(conn: Connection, username: str) -> list[str]:
    """The codes of the classes a person is enrolled in: by name, or through their unit or any unit
    above it."""
    row = conn.execute(sa.select(units.c.path).select_from(users.join(units, units.c.code == users.c.unit_code))
                       .where(users.c.username == username)).first()
    ancestors = codes_of(row.path) if row else []
    e = class_enrolments.c
    query = sa.select(e.class_code).distinct().where(sa.or_(
        sa.and_(e.kind == "person", e.target == username), sa.and_(e.kind == "unit", e.target.in_(ancestors))))
    return sorted(conn.execute(query).scalars())


def class_names(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    return {r.code: r.name for r in conn.execute(sa.select(classes.c.code, classes.c.name)
                                                 .where(classes.c.code.in_(list(codes))))}
