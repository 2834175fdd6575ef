"""What a unit's bulletin (通报) says for a half year (上半年: January to June, 下半年: July to
December, in the site's time zone): per unit of its subtree, the active people, those who studied
in the half and their study hours, and the people who did not study in it.

Study time is dated as the stored yearly figures date it (server.person_year): the media time the
server credited to a record, in the half its wall window ended in; so the two halves of a year add
up to the year's figures. A half is read from the credited records of its people (one grouped
query over the subtree); a whole year's bulletin reads the stored years instead
(server.admin.reports). Services only; no HTTP here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.person_year import year_bounds
from server.storage.tables import record_credit, units, users
from server.units import StoredUnit, subtree_clause

HALVES = (1, 2)


@dataclass(frozen=True, slots=True)
class HalfYear:
    year: int
    half: int
    """1: January to June; 2: July to December."""
    start_s: float
    end_s: float

    @staticmethod
    def of(year: int, half: int, utc_offset_minutes: int) -> HalfYear:
        if half not in HALVES:
            raise ValueError(half)
        zone = timezone(timedelta(minutes=utc_offset_minutes))
        start, end = year_bounds(year, utc_offset_minutes)
        middle = datetime(year, 7, 1, tzinfo=zone).timestamp()
        return HalfYear(year, half, start if half == 1 else middle, middle if half == 1 else end)


@dataclass(frozen=True, slots=True)
class HalfFigures:
    """One unit's subtree in a half year."""

    code: str
    name: str
    people: int
    """Active people now."""
    studied: int
    """Of them, those with credited study time in the half."""
    study_ms: int

    @property
    def study_hours(self) -> float:
        return round(self.study_ms / 3_600_000, 2)

    @property
    def studied_share(self) -> float:
        return round(100.0 * self.studied / self.people, 1) if self.people else 0.0

    @property
    def hours_per_person(self) -> float:
        return round(self.study_hours / self.people, 2) if self.people else 0.0


def _in_half(half: HalfYear) -> sa.ColumnElement[bool]:
    c = record_credit.c
    return sa.and_(c.credited_s > 0, c.chain_end >= half.start_s, c.chain_end < half.end_s)


def half_figures(conn: Connection, tops: Sequence[StoredUnit], half: HalfYear) -> list[HalfFigures]:
    """The figures of each unit's subtree in ``tops`` for ``half``."""
    if not tops:
        return []
    u, c = users.c, record_credit.c
    inside = sa.or_(*(subtree_clause(units.c.path, t.path) for t in tops))
    paths = {code: path for code, path in conn.execute(sa.select(units.c.code, units.c.path).where(inside))}
    members = sa.select(units.c.code).where(inside)
    active = sa.and_(u.deactivated_at.is_(None), u.unit_code.in_(members))
    people = conn.execute(sa.select(u.unit_code, sa.func.count()).where(active).group_by(u.unit_code))
    per_person = (sa.select(u.unit_code.label("unit_code"), sa.func.sum(c.credited_s).label("seconds"))
                  .select_from(record_credit).join(users, u.user_id == c.user_id)
                  .where(active, _in_half(half)).group_by(u.unit_code, c.user_id).subquery())
    studied = conn.execute(sa.select(per_person.c.unit_code, sa.func.count(), sa.func.sum(per_person.c.seconds))
                           .group_by(per_person.c.unit_code))
    sums = {t.code: [0, 0, 0.0] for t in tops}

    def tops_of(code: str) -> list[StoredUnit]:
        path = paths.get(code)
        return [t for t in tops if path is not None and path.startswith(t.path)]

    for code, count in people:
        for t in tops_of(code):
            sums[t.code][0] += int(count)
    for code, count, seconds in studied:
        for t in tops_of(code):
            sums[t.code][1] += int(count)
            sums[t.code][2] += float(seconds or 0.0)
    return [HalfFigures(t.code, t.name, int(sums[t.code][0]), int(sums[t.code][1]),
                        round(float(sums[t.code][2]) * 1000)) for t in tops]


def not_studied(conn: Connection, unit: StoredUnit, half: HalfYear, *, limit: int = 200) -> list[tuple[str, str]]:
    """(name, unit name) of the active people of ``unit``'s subtree with no credited study in
    ``half``, by unit and name (the first ``limit``)."""
    u, c = users.c, record_credit.c
    studied = sa.select(1).where(c.user_id == u.user_id, _in_half(half)).exists()
    rows = conn.execute(sa.select(u.display_name, units.c.name).select_from(users)
                        .join(units, units.c.code == u.unit_code)
                        .where(subtree_clause(units.c.path, unit.path), u.deactivated_at.is_(None), ~studied)
                        .order_by(units.c.path, u.display_name, u.username).limit(limit))
    return [(str(name), str(unit_name)) for name, unit_name in rows]
