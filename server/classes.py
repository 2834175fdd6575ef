"""Training classes (培训班) in the database: a name, dates, courses (required or elective), who is
enrolled (a person, or everyone in a unit's subtree at the time of asking) and the class's scoring
settings (sync.protocol.rules.ClassScoring; none: the site's rules). Services only; no HTTP here.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.org.tree import codes_of
from server.storage.tables import class_enrolments, classes, units, users


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


def class_exists(conn: Connection, code: str) -> bool:
    return conn.execute(sa.select(1).where(classes.c.code == code)).first() is not None
