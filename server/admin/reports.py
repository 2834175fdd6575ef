"""What the admin web's pages show, aggregated in the database.

Study time is the media time the server credited (``record_credit.credited_s``), dated by the
end of its wall window as the server placed it (``record_credit.chain_end``, epoch seconds):
never a client's claim. Units are grouped by their code path (server.units.subtree_clause: one
range over the path index per child unit), so a province's page costs one grouped query per
figure, never a walk over its people in Python. Years and weeks are the site's (its rules'
UTC offset). Services only; no HTTP here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.storage.tables import record_credit, units, users
from server.units import StoredUnit, subtree_clause

WEEK_S = 7 * 86400


@dataclass(frozen=True, slots=True)
class Period:
    """A site year (local calendar), and the week that ends ``now``."""

    year: int
    start_s: float
    end_s: float
    week_start_s: float
    now_s: float

    @staticmethod
    def of(now: datetime, utc_offset_minutes: int) -> Period:
        zone = timezone(timedelta(minutes=utc_offset_minutes))
        local = now.astimezone(zone)
        start = datetime(local.year, 1, 1, tzinfo=zone)
        end = datetime(local.year + 1, 1, 1, tzinfo=zone)
        now_s = now.timestamp()
        return Period(local.year, start.timestamp(), end.timestamp(), now_s - WEEK_S, now_s)

    def week_label(self, index: int) -> str:
        day = datetime.fromtimestamp(self.start_s + index * WEEK_S, UTC) + timedelta(hours=12)
        return f"{day.month}/{day.day}"

    @property
    def weeks_so_far(self) -> int:
        return max(1, int((min(self.now_s, self.end_s) - self.start_s) // WEEK_S) + 1)


@dataclass(frozen=True, slots=True)
class UnitFigures:
    """One unit's subtree this year."""

    code: str
    name: str
    people: int
    studying_week: int
    """People with credited study time in the last 7 days."""
    studied_year: int
    """People with any credited study time this year."""
    study_hours: float

    @property
    def studied_share(self) -> float:
        return round(100.0 * self.studied_year / self.people, 1) if self.people else 0.0

    @property
    def hours_per_person(self) -> float:
        return round(self.study_hours / self.people, 2) if self.people else 0.0


def _active_people() -> sa.ColumnElement[bool]:
    return users.c.deactivated_at.is_(None)


def _study_per_user(period: Period, within: str | None = None) -> sa.Subquery:
    """Per person (of the subtree at path ``within``, None: everyone): study seconds this year, and
    whether any fell in the last week."""
    c = record_credit.c
    query = (sa.select(c.user_id, sa.func.sum(c.credited_s).label("seconds"),
                       sa.func.max(sa.case((c.chain_end >= period.week_start_s, 1), else_=0)).label("this_week"))
             .where(c.chain_end >= period.start_s, c.chain_end < period.end_s, c.credited_s > 0)
             .group_by(c.user_id))
    if within is not None:
        inside = (sa.select(users.c.user_id).join(units, units.c.code == users.c.unit_code)
                  .where(subtree_clause(units.c.path, within)))
        query = query.where(c.user_id.in_(inside))
    return query.subquery("study")


def _figures(conn: Connection, tops: Sequence[StoredUnit], period: Period) -> list[UnitFigures]:
    """The figures of each unit's subtree in ``tops``: one grouped query."""
    if not tops:
        return []
    top = units.alias("top")
    study = _study_per_user(period, tops[0].path if all(t.path.startswith(tops[0].path) for t in tops) else None)
    member = units.alias("member")
    query = (
        sa.select(top.c.code, sa.func.count(users.c.user_id), sa.func.coalesce(sa.func.sum(study.c.this_week), 0),
                  sa.func.count(study.c.user_id), sa.func.coalesce(sa.func.sum(study.c.seconds), 0.0))
        .select_from(top)
        .where(top.c.code.in_([t.code for t in tops]))
        .join(member, subtree_clause_between(member.c.path, top.c.path))
        .join(users, sa.and_(users.c.unit_code == member.c.code, _active_people()))
        .join(study, study.c.user_id == users.c.user_id, isouter=True)
        .group_by(top.c.code))
    found = {code: (people, week, year, seconds) for code, people, week, year, seconds in conn.execute(query)}
    out = []
    for t in tops:
        people, week, year, seconds = found.get(t.code, (0, 0, 0, 0.0))
        out.append(UnitFigures(t.code, t.name, int(people), int(week), int(year), round(float(seconds) / 3600, 2)))
    return out


def subtree_clause_between(path: sa.ColumnElement[str], top_path: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """server.units.subtree_clause for a top path that is a column, not a value."""
    bound = sa.func.substr(top_path, 1, sa.func.length(top_path) - 1) + "0"
    return sa.and_(path >= top_path, path < bound)


def children(conn: Connection, unit: StoredUnit) -> list[StoredUnit]:
    from server.units import get_unit

    codes = conn.execute(sa.select(units.c.code).where(units.c.parent_code == unit.code)
                         .order_by(units.c.code)).scalars().all()
    return [u for code in codes if (u := get_unit(conn, code)) is not None]


def unit_figures(conn: Connection, unit: StoredUnit, period: Period) -> tuple[UnitFigures, list[UnitFigures]]:
    """The unit's own subtree figures, and each child unit's."""
    kids = children(conn, unit)
    figures = _figures(conn, [unit, *kids], period)
    return figures[0], figures[1:]


def weekly_hours(conn: Connection, unit: StoredUnit, period: Period) -> list[tuple[str, float]]:
    """Study hours of the unit's subtree per week of this year, week 1 to this week."""
    c = record_credit.c
    offset = (c.chain_end - period.start_s) / WEEK_S
    week = sa.func.floor(offset) if conn.dialect.name == "postgresql" else sa.cast(offset, sa.Integer)
    query = (sa.select(week.label("week"), sa.func.sum(c.credited_s))
             .select_from(record_credit).join(users, users.c.user_id == c.user_id)
             .join(units, units.c.code == users.c.unit_code)
             .where(subtree_clause(units.c.path, unit.path), c.chain_end >= period.start_s, c.chain_end < period.end_s,
                    c.credited_s > 0)
             .group_by(week))
    sums = {int(w): float(s) for w, s in conn.execute(query)}
    return [(period.week_label(i), round(sums.get(i, 0.0) / 3600, 2)) for i in range(period.weeks_so_far)]


@dataclass(frozen=True, slots=True)
class PersonFigures:
    user_id: str
    username: str
    display_name: str
    unit_code: str | None
    unit_name: str
    level: str | None
    study_hours: float
    studying_week: bool
    active: bool


def people_in(conn: Connection, unit: StoredUnit, period: Period, *, subtree: bool = False,
              limit: int = 500, offset: int = 0, order: str = "name", search: str = "") -> list[PersonFigures]:
    """The people of the unit (``subtree``: and of every unit below it), with their study this year;
    ``search``: only those whose name or account contains it."""
    study = _study_per_user(period, unit.path)
    u = users.c
    where: Any = (sa.and_(subtree_clause(units.c.path, unit.path)) if subtree else units.c.code == unit.code)
    hours = sa.func.coalesce(study.c.seconds, 0.0)
    orderings = {"hours": (hours.desc(), u.username), "hours_asc": (hours, u.username),
                 "name": (u.display_name, u.username)}
    ordering = orderings[order]
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = sa.and_(where, sa.or_(u.display_name.like(pattern, escape="\\"), u.username.like(pattern, escape="\\")))
    query = (sa.select(u.user_id, u.username, u.display_name, u.unit_code, units.c.name, u.level, hours,
                       sa.func.coalesce(study.c.this_week, 0), u.deactivated_at)
             .select_from(users).join(units, units.c.code == u.unit_code)
             .join(study, study.c.user_id == u.user_id, isouter=True)
             .where(where).order_by(*ordering).limit(limit).offset(offset))
    return [PersonFigures(uid, name, display, code, unit_name, level, round(float(seconds) / 3600, 2), bool(week),
                          gone is None)
            for uid, name, display, code, unit_name, level, seconds, week, gone in conn.execute(query)]


def person_hours(conn: Connection, user_id: str, period: Period) -> float:
    """A person's study hours this year."""
    c = record_credit.c
    query = sa.select(sa.func.coalesce(sa.func.sum(c.credited_s), 0.0)).where(
        c.user_id == user_id, c.chain_end >= period.start_s, c.chain_end < period.end_s)
    total = conn.execute(query).scalar()
    return round(float(total or 0.0) / 3600, 2)


def ancestors(conn: Connection, unit: StoredUnit) -> list[StoredUnit]:
    """The units above ``unit``, root first."""
    from server.org.tree import codes_of
    from server.units import get_unit

    return [u for code in codes_of(unit.path)[:-1] if (u := get_unit(conn, code)) is not None]


def today(period: Period) -> date:
    return datetime.fromtimestamp(period.now_s, UTC).date()


@dataclass(frozen=True, slots=True)
class Flagged:
    user_id: str
    username: str
    display_name: str
    device_id: str
    seq: int
    course_id: str | None
    lesson_id: str | None
    credited_s: float
    set_aside_s: float
    reasons: dict[str, float]


def flagged(conn: Connection, unit_paths: Sequence[str] | None, *, limit: int = 500) -> list[Flagged]:
    """Records whose credit was (partly) set aside, newest first, of the people under ``unit_paths``
    (None: everyone)."""
    import json

    from server.storage.tables import records

    r, c, u = records.c, record_credit.c, users.c
    query = (sa.select(u.user_id, u.username, u.display_name, r.device_id, r.seq, r.course_id, r.lesson_id,
                       c.credited_s, c.set_aside_s, c.set_aside)
             .select_from(record_credit).join(records, r.rid == c.rid).join(users, u.user_id == r.user_id)
             .where(c.set_aside_s > 0))
    if unit_paths is not None:
        query = query.join(units, units.c.code == u.unit_code).where(
            sa.or_(sa.false(), *(subtree_clause(units.c.path, p) for p in unit_paths)))
    rows = conn.execute(query.order_by(r.rid.desc()).limit(limit)).all()
    return [Flagged(uid, name, display, device, seq, course, lesson, float(credited), float(aside), json.loads(reasons))
            for uid, name, display, device, seq, course, lesson, credited, aside, reasons in rows]


@dataclass(frozen=True, slots=True)
class CourseUse:
    course_id: str
    learners: int
    study_hours: float
    flagged: int

    @property
    def hours_per_learner(self) -> float:
        return round(self.study_hours / self.learners, 2) if self.learners else 0.0


def course_use(conn: Connection, unit_paths: Sequence[str] | None) -> dict[str, CourseUse]:
    """Per course, among the people under ``unit_paths`` (None: everyone): how many studied it,
    their study hours, and how many of their records were flagged."""
    from server.storage.tables import records

    r, c = records.c, record_credit.c
    flagged = sa.func.sum(sa.case((c.set_aside_s > 0, 1), else_=0))
    query = (sa.select(r.course_id, sa.func.count(sa.distinct(r.user_id)),
                       sa.func.coalesce(sa.func.sum(c.credited_s), 0), flagged)
             .select_from(records).join(record_credit, c.rid == r.rid)
             .where(r.course_id.is_not(None), r.type == "watch").group_by(r.course_id))
    if unit_paths is not None:
        query = (query.join(users, users.c.user_id == r.user_id).join(units, units.c.code == users.c.unit_code)
                 .where(sa.or_(sa.false(), *(subtree_clause(units.c.path, p) for p in unit_paths))))
    return {course: CourseUse(course, int(n), round(float(s) / 3600, 2), int(f or 0))
            for course, n, s, f in conn.execute(query)}


@dataclass(frozen=True, slots=True)
class Behind:
    person: PersonFigures
    pace_hours: float
    """The hours the person's yearly target asks for by today (target x the share of the year gone)."""


def behind(conn: Connection, unit: StoredUnit, period: Period, targets: dict[str | None, float], share: float, *,
           limit: int = 1000) -> list[Behind]:
    """People of the unit's subtree whose study hours this year are below their level's yearly
    target hours x ``share`` (``targets``: level code -> hours, None for any other level), the
    furthest behind first. A level with no target is never behind."""
    study = _study_per_user(period, unit.path)
    u = users.c
    default = targets.get(None, 0.0)
    target = sa.case(*((u.level == level, hours) for level, hours in targets.items() if level is not None),
                     else_=default) if len(targets) > 1 else sa.literal(default)
    seconds = sa.func.coalesce(study.c.seconds, 0.0)
    pace_s = target * share * 3600
    query = (sa.select(u.user_id, u.username, u.display_name, u.unit_code, units.c.name, u.level, seconds,
                       sa.func.coalesce(study.c.this_week, 0), target)
             .select_from(users).join(units, units.c.code == u.unit_code)
             .join(study, study.c.user_id == u.user_id, isouter=True)
             .where(subtree_clause(units.c.path, unit.path), u.deactivated_at.is_(None), target > 0,
                    seconds < pace_s)
             .order_by((seconds - pace_s), u.username).limit(limit))
    return [Behind(PersonFigures(uid, name, display, code, unit_name, level, round(float(s) / 3600, 2), bool(week),
                                 True), round(float(t) * share, 2))
            for uid, name, display, code, unit_name, level, s, week, t in conn.execute(query)]
