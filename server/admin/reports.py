"""What the admin web's pages show, aggregated in the database.

The dashboards, drill-downs, rankings and the list of people behind read the stored yearly figures
of each person (``person_year``, server.person_year: credit decided by the one outcomes engine,
credited study time, required courses, due dates) and the study time per unit and week
(``unit_week``), never the records themselves: a province's page is one grouped query over one row
per person. Study time is the media time the server credited, dated by the end of its wall window.
Units are grouped by their code path (one range over the path index per child unit). What depends
on the day is worked out when read: a person is **on track** when each of their figures (required,
elective with what was carried in, total) has reached their cadre level's yearly minimum times the
share of the year gone by (in whole numbers: figure x days of the year >= minimum x days gone), as
the rules engine decides a standing; **overdue** when the due date of an assigned course they have
not completed has passed; **studying this week** when credited study ended within the last 7 days.
Years and weeks are the site's (its rules' UTC offset). Services only; no HTTP here.
"""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.org.tree import SEP
from server.person_year import WEEK_S, year_bounds
from server.storage.tables import person_year, record_credit, unit_week, units, users
from server.units import StoredUnit, subtree_clause
from sync.protocol.rules import DEFAULT_LEVEL, YearRules


@dataclass(frozen=True, slots=True)
class Period:
    """A site year (local calendar), the site's today and the week that ends ``now``."""

    year: int
    start_s: float
    end_s: float
    week_start_s: float
    now_s: float
    today: date

    @staticmethod
    def of(now: datetime, utc_offset_minutes: int) -> Period:
        local = now.astimezone(timezone(timedelta(minutes=utc_offset_minutes)))
        start, end = year_bounds(local.year, utc_offset_minutes)
        now_s = now.timestamp()
        return Period(local.year, start, end, now_s - WEEK_S, now_s, local.date())

    def week_label(self, index: int) -> str:
        day = datetime.fromtimestamp(self.start_s + index * WEEK_S, UTC) + timedelta(hours=12)
        return f"{day.month}/{day.day}"

    @property
    def weeks_so_far(self) -> int:
        return max(1, int((min(self.now_s, self.end_s) - self.start_s) // WEEK_S) + 1)

    @property
    def days(self) -> int:
        return 366 if calendar.isleap(self.year) else 365

    @property
    def days_gone(self) -> int:
        """Days of the year gone by at the end of today (as sync.protocol.rules.year_share counts them)."""
        return self.today.timetuple().tm_yday if self.today.year == self.year else self.days


@dataclass(frozen=True, slots=True)
class UnitFigures:
    """One unit's subtree this year (its active people)."""

    code: str
    name: str
    people: int
    studying_week: int
    """People with credited study time in the last 7 days."""
    studied_year: int
    """People with any credited study time this year."""
    study_hours: float
    with_target: int = 0
    """People whose cadre level has a yearly target."""
    on_track: int = 0
    """Of those, people on track for it (or who met it)."""
    required_assigned: int = 0
    """Required courses assigned, person by person."""
    required_done: int = 0
    """Of those, the ones completed."""
    overdue: int = 0
    """People with an assigned course past its due date and not completed."""

    @property
    def studied_share(self) -> float:
        return round(100.0 * self.studied_year / self.people, 1) if self.people else 0.0

    @property
    def hours_per_person(self) -> float:
        return round(self.study_hours / self.people, 2) if self.people else 0.0

    @property
    def on_track_share(self) -> float | None:
        """Percent of the people with a target who are on track; None when nobody has one."""
        return round(100.0 * self.on_track / self.with_target, 1) if self.with_target else None

    @property
    def required_share(self) -> float | None:
        """Percent of the required courses assigned that are completed; None when none is assigned."""
        return round(100.0 * self.required_done / self.required_assigned, 1) if self.required_assigned else None


@dataclass(frozen=True, slots=True)
class Targets:
    """The yearly minimums per cadre level in hundredths of a unit (the stored figures' scale)."""

    by_level: tuple[tuple[str, tuple[int, int, int]], ...]
    default: tuple[int, int, int]

    @staticmethod
    def of(year: YearRules) -> Targets:
        def x100(level: str) -> tuple[int, int, int]:
            t = year.target_for(level)
            return int(t.required * 100), int(t.elective * 100), int(t.total * 100)

        return Targets(tuple((level, x100(level)) for level, _ in year.targets if level != DEFAULT_LEVEL),
                       x100(DEFAULT_LEVEL))

    def column(self, index: int) -> sa.ColumnElement[int]:
        """The person's minimum (``index`` 0 required, 1 elective, 2 total) by their cadre level (as
        their stored year holds it)."""
        if not self.by_level:
            return sa.literal(self.default[index])
        return sa.case(*((person_year.c.level == level, figures[index]) for level, figures in self.by_level),
                       else_=self.default[index])


NO_TARGETS = Targets((), (0, 0, 0))


def _active_people() -> sa.ColumnElement[bool]:
    return users.c.deactivated_at.is_(None)


def _stored(period: Period) -> sa.ColumnElement[bool]:
    """The join of a person (``users``) to their stored year."""
    return sa.and_(person_year.c.user_id == users.c.user_id, person_year.c.year == period.year)


def _on_track(period: Period, targets: Targets) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool]]:
    """(the person's level has a target, the person is on track for it), over their stored year."""
    p = person_year.c
    required, elective = sa.func.coalesce(p.required_x100, 0), sa.func.coalesce(p.elective_x100, 0)
    carried = sa.func.coalesce(p.carried_x100, 0)
    mins = [targets.column(i) for i in range(3)]
    has = sa.or_(*(m > 0 for m in mins))
    days, gone = period.days, period.days_gone
    reached = sa.and_(required * days >= mins[0] * gone, (elective + carried) * days >= mins[1] * gone,
                      (required + elective + carried) * days >= mins[2] * gone)
    return has, sa.and_(has, reached)


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _figures(conn: Connection, tops: Sequence[StoredUnit], period: Period, targets: Targets = NO_TARGETS, *,
             full: bool = True) -> list[UnitFigures]:
    """The figures of each unit's subtree in ``tops``, in one query: per unit of the subtrees, its
    active people counted and one pass over their stored years (which carry each person's unit, level
    and whether they are active), each grouped in the database; the rows (one per unit with people)
    are added up per top here. ``full=False``: people, study time and who studied only (what the
    rankings show).

    Both passes read the covering indexes of revision 0008 in unit order. When the tops' subtrees
    hold every unit (a province's own page), no unit filter is needed, and none is applied: each
    row would otherwise be matched against thousands of units."""
    if not tops:
        return []
    p, u = person_year.c, users.c
    inside = sa.or_(*(subtree_clause(units.c.path, t.path) for t in _outermost(tops)))
    people_query = sa.select(u.unit_code, sa.func.count().label("n")).where(u.deactivated_at.is_(None))
    figures = [_count(p.last_study_s >= period.week_start_s), _count(p.study_ms > 0),
               sa.func.coalesce(sa.func.sum(p.study_ms), 0)]
    if full:
        has_target, on_track = _on_track(period, targets)
        figures += [_count(has_target), _count(on_track), sa.func.coalesce(sa.func.sum(p.required_assigned), 0),
                    sa.func.coalesce(sa.func.sum(p.required_done), 0),
                    _count(p.first_due < period.today.isoformat())]
    stored_query = sa.select(p.unit_code, *(f.label(f"f{i}") for i, f in enumerate(figures))).where(
        p.year == period.year, p.active == 1)
    if not _every_unit(conn, inside):
        members = sa.select(units.c.code).where(inside)
        people_query = people_query.where(u.unit_code.in_(members))
        stored_query = stored_query.where(p.unit_code.in_(members))
    people = people_query.group_by(u.unit_code).subquery()
    stored = stored_query.group_by(p.unit_code).subquery()
    query = (sa.select(units.c.path, sa.func.coalesce(people.c.n, 0),
                       *(sa.func.coalesce(stored.c[f"f{i}"], 0) for i in range(len(figures))))
             .select_from(units).join(people, people.c.unit_code == units.c.code, isouter=True)
             .join(stored, stored.c.unit_code == units.c.code, isouter=True)
             .where(inside, sa.or_(people.c.n.is_not(None), stored.c.unit_code.is_not(None))))
    sums = _Sums(tops)
    for path, *values in conn.execute(query):
        sums.add(path, values)
    out = []
    for t, (n, week, year, ms, with_target, ok, assigned, done, overdue) in zip(tops, sums.rows, strict=True):
        out.append(UnitFigures(t.code, t.name, n, week, year, round(ms / 3_600_000, 2), with_target, ok,
                               assigned, done, overdue))
    return out


class _Sums:
    """Figures of units added up per top unit: the tops a unit counts in are its path's prefixes."""

    def __init__(self, tops: Sequence[StoredUnit]) -> None:
        self.at: dict[str, list[int]] = defaultdict(list)
        for i, t in enumerate(tops):
            self.at[t.path].append(i)
        self.rows = [[0] * 9 for _ in tops]

    def add(self, path: str, figures: Sequence[Any]) -> None:
        """Add ``figures`` (the row's columns from the first) to every top whose subtree holds ``path``."""
        values = [int(v) for v in figures]
        for k, c in enumerate(path):
            if c == SEP:
                for i in self.at.get(path[:k + 1], ()):
                    row = self.rows[i]
                    for j, value in enumerate(values):
                        row[j] += value


def _every_unit(conn: Connection, inside: sa.ColumnElement[bool]) -> bool:
    """Whether every unit satisfies ``inside`` (a subtree condition on the unit paths)."""
    return not conn.execute(sa.select(units.c.code).where(sa.not_(inside)).limit(1)).first()


def _outermost(tops: Sequence[StoredUnit]) -> list[StoredUnit]:
    """The units of ``tops`` that lie in no other's subtree."""
    return [t for t in tops if not any(o is not t and t.path.startswith(o.path) and o.path != t.path for o in tops)]


def subtree_clause_between(path: sa.ColumnElement[str], top_path: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """server.units.subtree_clause for a top path that is a column, not a value."""
    bound = sa.func.substr(top_path, 1, sa.func.length(top_path) - 1) + "0"
    return sa.and_(path >= top_path, path < bound)


def children(conn: Connection, unit: StoredUnit) -> list[StoredUnit]:
    """The units right below ``unit``, by code: one query."""
    c = units.c
    rows = conn.execute(sa.select(c.code, c.name, c.parent_code, c.path, c.depth, c.deactivated_at)
                        .where(c.parent_code == unit.code).order_by(c.code))
    return [StoredUnit(code, name, parent, path, depth, gone is None) for code, name, parent, path, depth, gone in rows]


def unit_figures(conn: Connection, unit: StoredUnit, period: Period, targets: Targets = NO_TARGETS, *,
                 full: bool = True) -> tuple[UnitFigures, list[UnitFigures]]:
    """The unit's own subtree figures, and each child unit's (``full``: as ``_figures``)."""
    kids = children(conn, unit)
    figures = _figures(conn, [unit, *kids], period, targets, full=full)
    return figures[0], figures[1:]


def weekly_hours(conn: Connection, unit: StoredUnit, period: Period) -> list[tuple[str, float]]:
    """Study hours of the unit's subtree per week of this year, week 1 to this week."""
    w = unit_week.c
    inside = subtree_clause(units.c.path, unit.path)
    query = sa.select(w.week, sa.func.sum(w.study_ms)).where(w.year == period.year).group_by(w.week)
    if not _every_unit(conn, inside):  # else every row counts: read in week order, without a join
        query = query.where(w.unit_code.in_(sa.select(units.c.code).where(inside)))
    sums = {int(week): int(ms) for week, ms in conn.execute(query)}
    return [(period.week_label(i), round(sums.get(i, 0) / 3_600_000, 2)) for i in range(period.weeks_so_far)]


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
    u, p = users.c, person_year.c
    where: Any = (sa.and_(subtree_clause(units.c.path, unit.path)) if subtree else units.c.code == unit.code)
    ms = sa.func.coalesce(p.study_ms, 0)
    orderings = {"hours": (ms.desc(), u.username), "hours_asc": (ms, u.username),
                 "name": (u.display_name, u.username)}
    ordering = orderings[order]
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = sa.and_(where, sa.or_(u.display_name.like(pattern, escape="\\"), u.username.like(pattern, escape="\\")))
    query = (sa.select(u.user_id, u.username, u.display_name, u.unit_code, units.c.name, u.level, ms,
                       p.last_study_s >= period.week_start_s, u.deactivated_at)
             .select_from(users).join(units, units.c.code == u.unit_code))
    if order == "hours" and offset == 0:
        # the most studied first, read down the study-time index; then anyone without a stored year
        rows = list(conn.execute(query.join(person_year, _stored(period)).where(where)
                                 .order_by(p.study_ms.desc(), u.username).limit(limit)))
        if len(rows) < limit:
            rows += conn.execute(query.join(person_year, _stored(period), isouter=True)
                                 .where(where, p.user_id.is_(None)).order_by(u.username)
                                 .limit(limit - len(rows))).all()
    else:
        rows = list(conn.execute(query.join(person_year, _stored(period), isouter=True)
                                 .where(where).order_by(*ordering).limit(limit).offset(offset)))
    return [PersonFigures(uid, name, display, code, unit_name, level, round(int(study) / 3_600_000, 2), bool(week),
                          gone is None)
            for uid, name, display, code, unit_name, level, study, week, gone in rows]


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
    return period.today


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
    created_at: str


def flagged(conn: Connection, unit_paths: Sequence[str] | None, *, limit: int = 500,
            user_id: str | None = None) -> list[Flagged]:
    """Records whose credit was (partly) set aside, newest first, of the people under ``unit_paths``
    (None: everyone), or of one person (``user_id``)."""
    import json

    from server.storage.tables import records

    r, c, u = records.c, record_credit.c, users.c
    query = (sa.select(u.user_id, u.username, u.display_name, r.device_id, r.seq, r.course_id, r.lesson_id,
                       c.credited_s, c.set_aside_s, c.set_aside, r.created_at)
             .select_from(record_credit).join(records, r.rid == c.rid).join(users, u.user_id == r.user_id)
             .where(c.set_aside_s > 0))
    if user_id is not None:
        query = query.where(c.user_id == user_id)
    if unit_paths is not None:
        query = query.join(units, units.c.code == u.unit_code).where(
            sa.or_(sa.false(), *(subtree_clause(units.c.path, p) for p in unit_paths)))
    rows = conn.execute(query.order_by(r.rid.desc()).limit(limit)).all()
    return [Flagged(uid, name, display, device, seq, course, lesson, float(credited), float(aside), json.loads(reasons),
                    created)
            for uid, name, display, device, seq, course, lesson, credited, aside, reasons, created in rows]


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
    """A person behind the pace of their yearly target, in credit units (the rules engine's measure)."""

    person: PersonFigures
    required: float
    elective: float
    """Elective credit with what was carried in."""
    total: float
    short: float
    """The fewest more units that would put them back on track today (as ``YearSummary.to_target``
    counts the way to the target, against the minimums times the share of the year gone by)."""


def behind(conn: Connection, unit: StoredUnit, period: Period, targets: Targets, *,
           limit: int = 1000) -> list[Behind]:
    """The active people of the unit's subtree whose level has a yearly target and who are not on
    track for it (``_on_track``, the rules engine's standing over their stored year: exactly those
    the dashboard's on-track share leaves out), the furthest behind first."""
    p, u = person_year.c, users.c
    has_target, on_track = _on_track(period, targets)
    required = sa.func.coalesce(p.required_x100, 0)
    elective = sa.func.coalesce(p.elective_x100, 0) + sa.func.coalesce(p.carried_x100, 0)
    share = period.days_gone / period.days

    def short_of(figure: sa.ColumnElement[int], index: int) -> sa.ColumnElement[float]:
        pace = targets.column(index) * share
        return sa.case((pace > figure, pace - figure), else_=0.0)

    parts = short_of(required, 0) + short_of(elective, 1)
    total_short = short_of(required + elective, 2)
    short = sa.case((parts > total_short, parts), else_=total_short).label("short")
    # the furthest behind, from the stored years alone; then their names and units
    inside = subtree_clause(units.c.path, unit.path)
    found = (sa.select(p.user_id, p.unit_code, p.level, p.study_ms, p.last_study_s, required.label("required"),
                       elective.label("elective"), short)
             .where(p.year == period.year, p.active == 1, has_target, sa.not_(on_track)))
    if not _every_unit(conn, inside):
        found = found.where(p.unit_code.in_(sa.select(units.c.code).where(inside)))
    top = found.order_by(short.desc(), p.user_id).limit(limit).subquery()
    query = (sa.select(u.user_id, u.username, u.display_name, top.c.unit_code, units.c.name, top.c.level,
                       top.c.study_ms, top.c.last_study_s >= period.week_start_s, top.c.required, top.c.elective,
                       top.c.short)
             .select_from(top).join(users, u.user_id == top.c.user_id).join(units, units.c.code == top.c.unit_code)
             .order_by(top.c.short.desc(), u.username))
    return [Behind(PersonFigures(uid, name, display, code, unit_name, level, round(int(ms) / 3_600_000, 2),
                                 bool(week), True),
                   req / 100, ele / 100, (req + ele) / 100, _up_to_hundredth(float(gap)))
            for uid, name, display, code, unit_name, level, ms, week, req, ele, gap in conn.execute(query)]


def _up_to_hundredth(gap_x100: float) -> float:
    """A way to the pace in hundredths of a unit, as the fewest whole hundredths that cover it: rounded
    to the nearest, a person behind by less than half a hundredth (on the 1st of January, 1 unit a year
    times 1/365) would be shown 0 short. The rounding to 6 places drops the floating noise of the
    database's arithmetic (50.000000001 is 50)."""
    return math.ceil(round(gap_x100, 6)) / 100
