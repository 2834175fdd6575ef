"""Each person's stored figures for a site year, kept whenever their credit can change, so the admin
pages and the rankings read one row per person instead of every record.

A row (``person_year``) holds what the one outcomes engine (server.outcomes, sync.protocol.rules)
decides for the person under the site's rules and what this server published: credit required,
elective and carried in, courses that counted this year, required courses assigned and completed,
the earliest due date of an assigned course not completed (the person is overdue once it has
passed); and the credited study time of the year (``record_credit``, dated by the end of its wall
window), its last moment and its sum per week of the year. The weeks are also added up per unit
(``unit_week``, under the person's own unit), so a unit's weekly line is a few hundred rows even
for a province. Nothing is stored that depends on the day it is read: whether a person is on track
is worked out when read, from the stored figures, their cadre level's target and the share of the
year gone by (server.admin.reports).

When rows change:
- ``refresh``, at ingest, inside the batch's transaction (under the people's locks): the people
  whose records were stored. Their evidence is kept folded per course (``person_course``,
  server.outcomes.CourseFold), so an upload folds in its own records and reads nothing else of the
  person's history: a course is folded again from all its evidence only when its newest published
  version is not the one it was folded against or the upload brings evidence made before the newest
  already folded (a second device's older records); the whole person is worked out again when their
  row of the year is missing or was worked out under other rules (``stamp``; NULL after evidence
  was added outside an upload: ``forget``). Folding gives exactly what working out from scratch
  gives (the fold keeps the running sums it would reach);
- ``rebook``, when a person moves to another unit: their weeks move with them;
- ``rebuild`` (``studydesk-server totals rebuild``), after the rules, a publication or the
  assignments changed, and at the start of a year: everyone, in chunks, each chunk under its
  people's locks so uploads go on meanwhile. Rebuilding gives exactly what refreshing each person
  gives (tests/integration/test_person_year.py).

Credit figures are stored as hundredths (the rules file allows two decimals), study time in whole
milliseconds, so sums and moves are exact. Services only; no HTTP here.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import multiprocessing
import multiprocessing.util
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.assignments import applying, reached_by
from server.forkserver import forkserver_context, start_forkserver
from server.org.tree import codes_of
from server.outcomes import CourseFold, Evidence, Outcomes, course_facts, due_date, evidence_rows
from server.published import Published
from server.site_rules import load_site_rules, site_today
from server.storage.bulk import insert_rows
from server.storage.columns import utc_now_ms
from server.storage.engine import create, is_busy, transaction
from server.storage.tables import (
    assignments,
    class_enrolments,
    person_course,
    person_year,
    record_credit,
    records,
    unit_week,
    units,
    users,
)
from server.users import USER_QUERY, User, row_user
from sync.protocol.errors import FormatError
from sync.protocol.rules import Rules

log = logging.getLogger(__name__)

WEEK_S = 7 * 86400
HUNDRED = Decimal(100)
CHUNK = 500
"""People per query and per rebuild transaction."""


def year_bounds(year: int, utc_offset_minutes: int) -> tuple[float, float]:
    """The epoch seconds of the site year's first moment and of the next year's."""
    zone = timezone(timedelta(minutes=utc_offset_minutes))
    return datetime(year, 1, 1, tzinfo=zone).timestamp(), datetime(year + 1, 1, 1, tzinfo=zone).timestamp()


def hundredths(value: Decimal) -> int:
    return int((value * HUNDRED).to_integral_value())


def rules_stamp(rules: Rules) -> str:
    """What the stored figures depend on in ``rules`` (what counts, credit, the year), as a short digest."""
    return hashlib.sha256(repr((rules.counting, rules.credit, rules.year)).encode()).hexdigest()[:16]


def site_stamp(rules: Rules, repo_dir: Path) -> str:
    """The stamp a stored year is worked out under: ``rules_stamp`` and the publication generation
    (a digest of the signed catalog, which every publication rewrites)."""
    try:
        catalog = (repo_dir / "catalog.json").read_bytes()
    except OSError:
        catalog = b""
    return f"{rules_stamp(rules)}:{hashlib.sha256(catalog).hexdigest()[:16]}"


@dataclass(frozen=True, slots=True)
class Figures:
    """One person's stored year (the columns of ``person_year``)."""

    user_id: str
    year: int
    unit_code: str | None
    required_x100: int
    elective_x100: int
    carried_x100: int
    courses_done: int
    required_assigned: int
    required_done: int
    first_due: str | None
    study_ms: int
    last_study_s: float | None
    weeks: Mapping[int, int] = field(default_factory=dict)
    level: str | None = None
    """The person's cadre level (kept with the account)."""
    active: bool = True
    """Whether the account is active (kept with the account)."""
    stamp: str | None = None
    """``site_stamp`` of the rules and publications the row was worked out under."""

    @property
    def total(self) -> Decimal:
        return Decimal(self.required_x100 + self.elective_x100 + self.carried_x100) / HUNDRED

    def values(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "year": self.year, "unit_code": self.unit_code,
                "required_x100": self.required_x100, "elective_x100": self.elective_x100,
                "carried_x100": self.carried_x100, "courses_done": self.courses_done,
                "required_assigned": self.required_assigned, "required_done": self.required_done,
                "first_due": self.first_due, "study_ms": self.study_ms, "last_study_s": self.last_study_s,
                "weeks": json.dumps({str(w): ms for w, ms in sorted(self.weeks.items())}), "level": self.level,
                "active": int(self.active), "stamp": self.stamp}


@dataclass(frozen=True, slots=True)
class Study:
    """A person's credited study of a year: milliseconds per week of the year (each record's credited
    seconds, rounded to the millisecond, by the end of its wall window) and the last window's end."""

    weeks: Mapping[int, int]
    last: float | None


NO_STUDY = Study({}, None)


def _index_queries(some: bool) -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    """AssignmentIndex's three queries: of everything, or (``some``) of what can reach some people
    (parameters: ``units``, their unit codes; ``names``, their user names; ``ancestors``, the codes
    of their units' paths; ``codes``, their classes). Built once: SQLAlchemy spends more on building
    a statement than the database on running it."""
    e, a = class_enrolments.c, assignments.c
    paths = sa.select(units.c.code, units.c.path)
    enrolments = sa.select(e.class_code, e.kind, e.target)
    rows = sa.select(assignments)
    if not some:
        return paths, enrolments, rows

    def given(name: str) -> sa.BindParameter[Any]:
        return sa.bindparam(name, expanding=True)

    return (paths.where(units.c.code.in_(given("units"))),
            enrolments.where(sa.or_(sa.and_(e.kind == "person", e.target.in_(given("names"))),
                                    sa.and_(e.kind == "unit", e.target.in_(given("ancestors"))))),
            rows.where(sa.or_(sa.and_(a.target_kind == "user", a.target.in_(given("names"))),
                              sa.and_(a.target_kind == "class", a.target.in_(given("codes"))),
                              sa.and_(a.target_kind == "unit", a.target.in_(given("ancestors"))))))


_INDEX_QUERIES = {some: _index_queries(some) for some in (False, True)}


class AssignmentIndex:
    """The assignment rows and class enrolments, read once, and the paths of the units asked about,
    so the assignments of many people cost no query each (server.assignments.applying picks the
    rows that apply, as ``assignments_for`` does)."""

    def __init__(self, conn: Connection, people: Sequence[User] | None = None,
                 paths: Mapping[str, str] | None = None) -> None:
        """Everything, or (``people``) only what can reach those people (``paths``: their units'
        paths, unit code -> path, when the caller has read them)."""
        query, enrolments, rows = _INDEX_QUERIES[people is not None]
        given: dict[str, list[str]] = {}
        if people is not None:
            given["units"] = sorted({p.unit_code for p in people if p.unit_code})
            given["names"] = sorted({p.username for p in people})
        self.paths: dict[str, str] = (dict(paths) if people is not None and paths is not None
                                      else {code: path for code, path in conn.execute(query, given)})
        if people is not None:
            given["ancestors"] = sorted({code for path in self.paths.values() for code in codes_of(path)})
        self.classes: dict[tuple[str, str], set[str]] = defaultdict(set)
        for code, kind, target in conn.execute(enrolments, given):
            self.classes[(kind, target)].add(code)
        if people is not None:
            given["codes"] = sorted({code for found in self.classes.values() for code in found})
        self.by_target: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
        for row in conn.execute(rows, given):
            self.by_target[(row.target_kind, row.target)].append(dict(row._mapping))

    def rows_for(self, user: User) -> list[Mapping[str, Any]]:
        path = self.paths.get(user.unit_code) if user.unit_code else None
        ancestors = codes_of(path) if path else []
        in_classes = set(self.classes.get(("person", user.username), ()))
        for code in ancestors:
            in_classes |= self.classes.get(("unit", code), set())
        rows = list(self.by_target.get(("user", user.username), []))
        for code in sorted(in_classes):
            rows += self.by_target.get(("class", code), [])
        for code in ancestors:
            rows += self.by_target.get(("unit", code), [])
        return applying(rows, ancestors)


class Totals:
    """Works out and stores people's figures for one site year under one site's rules."""

    def __init__(self, conn: Connection, published: Published, rules: Rules, *, year: int | None = None,
                 now: datetime | None = None) -> None:
        self.conn = conn
        self.rules = rules
        self.today = site_today(rules, now)
        self.year = year if year is not None else self.today.year
        self.as_of = self.today if self.year == self.today.year else date(self.year, 12, 31)
        self.start_s, self.end_s = year_bounds(self.year, rules.year.utc_offset_minutes)
        self.engine = Outcomes(conn, published, rules)
        self.stamp = site_stamp(rules, published.repo_dir)

    def _study(self, user_ids: Sequence[str], rids: tuple[int, int] | None = None) -> dict[str, Study]:
        """The credited study of the year (of each credited record, its credited seconds by the end of
        its wall window), by person (of the record rows ``rids``, first to last, only, when given)."""
        c = record_credit.c
        query = sa.select(c.user_id, c.credited_s, c.chain_end).where(c.user_id.in_(list(user_ids)))
        if rids is not None:
            query = query.where(c.rid.between(*rids))
        return self.year_study(self.conn.execute(query))

    def year_study(self, rows: Iterable[Sequence[Any]]) -> dict[str, Study]:
        """What ``_study`` finds in ``rows`` (user_id, credited_s, chain_end: ``record_credit``'s, as
        stored): those that credit some time and whose window ends in the year, added up per week in
        one pass. An upload hands in its own credit this way, without reading it back."""
        weeks_of: dict[str, dict[int, int]] = {}
        last_of: dict[str, float] = {}
        start_s, end_s = self.start_s, self.end_s
        for user_id, seconds, end in rows:
            if seconds > 0 and end is not None and start_s <= end < end_s:
                end = float(end)
                weeks = weeks_of.get(user_id)
                if weeks is None:
                    weeks = weeks_of[user_id] = {}
                    last_of[user_id] = end
                elif end > last_of[user_id]:  # max(last, end)
                    last_of[user_id] = end
                week = int((end - start_s) // WEEK_S)
                weeks[week] = weeks.get(week, 0) + round(float(seconds) * 1000)
        return {user_id: Study(weeks, last_of[user_id]) for user_id, weeks in weeks_of.items()}

    def figures(self, user: User, evidence: Evidence, rows: Sequence[Mapping[str, Any]],
                study: Study, folds: dict[str, CourseFold] | None = None,
                weeks_before: Mapping[int, int] | None = None, last_before: float | None = None) -> Figures:
        """``user``'s year from their evidence (``folds``: some courses' already folded; the folds
        made are added to it), the assignment rows that apply to them and their credited study
        (added to ``weeks_before`` and ``last_before``, the study already counted)."""
        assigned = {r["course_id"]: (bool(r["required"]), due_date(r["due"])) for r in rows}
        level = user.level.value if user.level is not None else None
        found = self.engine.person_year(user, self.year, self.as_of, level, evidence, assigned, folds)
        outcomes = [s.outcome for s in found.courses]
        completed = {o.course_id for o in outcomes if o.counts}
        published = {o.course_id for o in outcomes}
        dues = [r["due"] for r in rows if r["due"] and r["course_id"] in published and r["course_id"] not in completed]
        required = [o for o in outcomes if o.required]
        weeks = dict(weeks_before or {})
        for week, ms in study.weeks.items():
            weeks[week] = weeks.get(week, 0) + ms
        last = last_before
        if study.last is not None and (last is None or study.last > last):  # max(last, study.last)
            last = study.last
        s = found.summary
        return Figures(user.user_id, self.year, user.unit_code, hundredths(s.required), hundredths(s.elective),
                       hundredths(s.carried_in), sum(1 for o in outcomes if o.year == self.year), len(required),
                       sum(1 for o in required if o.counts), min(dues) if dues else None, sum(weeks.values()), last,
                       weeks, level, user.active, self.stamp)

    def update(self, user_ids: Sequence[str], index: AssignmentIndex | None = None) -> list[Figures]:
        """Work out and store the figures of ``user_ids`` from all their evidence, and their folds
        (inside the caller's write transaction)."""
        found, folds = self.work_out(user_ids, index)
        self.write(found, folds)
        return found

    def work_out(self, user_ids: Sequence[str],
                 index: AssignmentIndex | None = None) -> tuple[list[Figures], list[tuple[str, str, int, str]]]:
        """The figures of ``user_ids`` (those who exist) from all their evidence, and their folds as
        ``person_course`` rows; reads only, so it may run on a read transaction (``write`` stores them)."""
        people = [row_user(r) for r in self.conn.execute(USER_QUERY.where(users.c.user_id.in_(list(user_ids))))]
        if not people:
            return [], []
        if index is None:
            index = AssignmentIndex(self.conn, people)
        ids = [p.user_id for p in people]
        evidence = evidence_rows(self.conn, ids)
        study = self._study(ids)
        found: list[Figures] = []
        folds: dict[str, dict[str, CourseFold]] = {}
        for p in people:
            mine: dict[str, CourseFold] = {}
            folds[p.user_id] = mine
            found.append(self.figures(p, evidence.get(p.user_id, Evidence()), index.rows_for(p),
                                      study.get(p.user_id, NO_STUDY), mine))
        return found, self._fold_rows(folds)

    def write(self, found: Sequence[Figures], folds: Sequence[tuple[str, str, int, str]]) -> None:
        """Store what ``work_out`` found: the people's figures, and all their folds (their other folds go)."""
        store(self.conn, found)
        self._write_folds([f.user_id for f in found], folds, None)

    def fold_in(self, user_id: str, rids: tuple[int, int], new: Evidence | None = None,
                study: Study | None = None) -> Figures | None:
        """Fold the evidence of ``user_id``'s newly stored record rows ``rids`` (first, last: under the
        person's lock, every row of theirs in that range is new; ``new``: their evidence and ``study``
        their credited study as ``_study`` finds it, when the caller has them, else read back) into
        their stored year and folds (inside the caller's write transaction); in full when it cannot
        (see the module text)."""
        read = self.conn.execute(_FOLD_IN, {"user_id": user_id, "year": self.year}).all()
        if not read:
            return None  # no such account (working it out in full finds no one and stores nothing)
        row = read[0]
        if row.year_stamp != self.stamp:  # no row of the year, or worked out under other rules
            return next(iter(self.update([user_id])), None)
        user = row_user(row)
        if new is None:
            new = evidence_rows(self.conn, [user_id], rids=rids).get(user_id, Evidence())
        touched = set(new.watch) | set(new.passes)
        stored = {r.fold_course: (int(r.fold_version), r.fold_state) for r in read if r.fold_course is not None}
        folds: dict[str, CourseFold] = {}
        for course_id, (version, state) in stored.items():
            manifest = self.engine.latest(course_id)
            if manifest is None or manifest.version != version:
                continue  # folded against another version: again from all its evidence
            fold = CourseFold.from_text(course_facts(manifest, False), self.rules, state)
            if course_id in touched:
                watch, passes = new.watch.get(course_id, []), new.passes.get(course_id, [])
                earliest = min([w[0] for w in watch[:1]] + [q[0] for q in passes[:1]])
                if fold.last is not None and earliest < fold.last:
                    continue  # evidence made before what was folded: again from all of it
                fold.add(watch, passes)
            folds[course_id] = fold
        again = sorted((set(stored) | touched) - set(folds))
        evidence = (evidence_rows(self.conn, [user_id], course_ids=again).get(user_id, Evidence()) if again
                    else Evidence())
        paths = {user.unit_code: row.unit_path} if user.unit_code and row.unit_path is not None else {}
        weeks_before = _weeks(row.year_weeks)
        figures = self.figures(user, evidence, AssignmentIndex(self.conn, [user], paths).rows_for(user),
                               study if study is not None else self._study([user_id], rids).get(user_id, NO_STUDY),
                               folds, weeks_before,
                               None if row.last_study_s is None else float(row.last_study_s))
        store(self.conn, [figures], {(user_id, self.year): (row.year_unit, weeks_before)})
        self._keep_folds({user_id: {c: f for c, f in folds.items() if c in touched or c in again}}, every=False)
        return figures

    def _keep_folds(self, folds: Mapping[str, Mapping[str, CourseFold]], *, every: bool) -> None:
        """Store ``folds`` (person -> course -> fold) that hold evidence, with the version each was
        folded against; ``every``: they are all of those people's folds (the others go)."""
        self._write_folds(sorted(folds), self._fold_rows(folds),
                          None if every else sorted({c for m in folds.values() for c in m}))

    def _fold_rows(self, folds: Mapping[str, Mapping[str, CourseFold]]) -> list[tuple[str, str, int, str]]:
        """The ``person_course`` rows of ``folds`` (person -> course -> fold) that hold evidence."""
        rows = []
        for user_id, mine in folds.items():
            for course_id, fold in sorted(mine.items()):
                manifest = self.engine.latest(course_id)
                if fold.last is not None and manifest is not None:
                    rows.append((user_id, course_id, manifest.version, fold.to_text()))
        return rows

    def _write_folds(self, user_ids: Sequence[str], rows: Sequence[tuple[str, str, int, str]],
                     course_ids: Sequence[str] | None) -> None:
        """Replace the stored folds of ``user_ids`` (of ``course_ids`` only, when given: those with a
        row in ``rows`` are written over, the others go) with ``rows``."""
        ids = sorted(user_ids)
        if course_ids is None:
            for k in range(0, len(ids), CHUNK):
                self.conn.execute(_FORGET_FOLDS, {"ids": ids[k:k + CHUNK]})
            insert_rows(self.conn, person_course, _FOLD_COLUMNS, rows)
            return
        kept = {(user_id, course_id) for user_id, course_id, _, _ in rows}
        gone = sorted({c for c in course_ids if any((user_id, c) not in kept for user_id in ids)})
        for k in range(0, len(ids), CHUNK) if gone else ():
            self.conn.execute(_FORGET_COURSE_FOLDS, {"ids": ids[k:k + CHUNK], "courses": gone})
        if rows:
            self.conn.execute(_KEEP_FOLDS, [dict(zip(_FOLD_COLUMNS, row, strict=True)) for row in rows])


_FOLD_IN: sa.Select[Any] = (sa.select(*USER_QUERY.selected_columns, units.c.path.label("unit_path"),
                      person_year.c.unit_code.label("year_unit"), person_year.c.weeks.label("year_weeks"),
                      person_year.c.last_study_s, person_year.c.stamp.label("year_stamp"),
                      person_course.c.course_id.label("fold_course"), person_course.c.version.label("fold_version"),
                      person_course.c.state.label("fold_state"))
            .select_from(users.outerjoin(units, units.c.code == users.c.unit_code)
                         .outerjoin(person_year, sa.and_(person_year.c.user_id == users.c.user_id,
                                                         person_year.c.year == sa.bindparam("year")))
                         .outerjoin(person_course, person_course.c.user_id == users.c.user_id))
            .where(users.c.user_id == sa.bindparam("user_id")))
"""``fold_in``'s read, built once, in one statement: a person's account (as ``USER_QUERY`` reads it)
and their unit's path, their stored year and their stored folds, one row per fold (one without)."""
_FORGET_FOLDS = person_course.delete().where(person_course.c.user_id.in_(sa.bindparam("ids", expanding=True)))
_FORGET_COURSE_FOLDS = _FORGET_FOLDS.where(person_course.c.course_id.in_(sa.bindparam("courses", expanding=True)))
"""Clearing some people's stored folds (of some courses), built once."""
_KEEP_FOLDS = sa.text(
    "INSERT INTO person_course (user_id, course_id, version, state) VALUES (:user_id, :course_id, :version, :state) "
    "ON CONFLICT (user_id, course_id) DO UPDATE SET version = excluded.version, state = excluded.state")
"""Writing a person's fold of a course over the stored one, if any."""
_FOLD_COLUMNS = ("user_id", "course_id", "version", "state")
_YEAR_COLUMNS = ("user_id", "year", "unit_code", "required_x100", "elective_x100", "carried_x100", "courses_done",
                 "required_assigned", "required_done", "first_due", "study_ms", "last_study_s", "weeks", "level",
                 "active", "stamp")


def _weeks(text: str) -> dict[int, int]:
    return {int(w): int(ms) for w, ms in json.loads(text).items()}


_BOOK = sa.text(
    "INSERT INTO unit_week (unit_code, year, week, study_ms) VALUES (:unit_code, :year, :week, :ms) "
    "ON CONFLICT (unit_code, year, week) DO UPDATE SET study_ms = unit_week.study_ms + excluded.study_ms")


def _book(conn: Connection, delta: Mapping[tuple[str, int, int], int]) -> None:
    """Add ``delta`` ((unit, year, week) -> ms) to ``unit_week``, in key order (two transactions
    booking into the same units never wait on each other in a circle); rows that reach 0 go."""
    changes = [{"unit_code": u, "year": y, "week": w, "ms": ms} for (u, y, w), ms in sorted(delta.items()) if ms]
    if not changes:
        return
    conn.execute(_BOOK, changes)
    touched = sorted({(u, y) for (u, y, _), ms in delta.items() if ms < 0})  # only these can reach 0
    w = unit_week.c
    for unit_code, year in touched:
        conn.execute(unit_week.delete().where(w.unit_code == unit_code, w.year == year, w.study_ms == 0))


_SOME_YEARS = sa.and_(person_year.c.year == sa.bindparam("year"),
                      person_year.c.user_id.in_(sa.bindparam("ids", expanding=True)))
_YEARS_WEEKS = sa.select(person_year.c.unit_code, person_year.c.weeks).where(_SOME_YEARS)
_FORGET_YEARS = person_year.delete().where(_SOME_YEARS)
"""``store``'s read of some people's stored weeks of a year, and the clearing of those rows, built once."""


def store(conn: Connection, found: Sequence[Figures],
          stored: Mapping[tuple[str, int], tuple[str | None, Mapping[int, int]]] | None = None) -> None:
    """Replace the stored rows of ``found``'s people and years, moving their weeks in ``unit_week``
    (``stored``: when the caller has just read those rows, all of them stored, their unit and weeks,
    (person, year) -> (unit code, week -> ms): not read again, and the rows are updated in place)."""
    delta: dict[tuple[str, int, int], int] = defaultdict(int)
    before = (_clear(conn, found) if stored is None
              else [(*stored[(f.user_id, f.year)], f.year) for f in found])
    for unit_code, weeks, year in before:
        if unit_code is not None:
            for week, ms in weeks.items():
                delta[(unit_code, year, week)] -= ms
    for f in found:
        if f.unit_code is not None:
            for week, ms in f.weeks.items():
                delta[(f.unit_code, f.year, week)] += ms
    if stored is None:
        insert_rows(conn, person_year, _YEAR_COLUMNS,
                    ([v[c] for c in _YEAR_COLUMNS] for v in map(Figures.values, found)))
    elif found:
        conn.execute(_UPDATE_YEAR, [{f"new_{c}": v for c, v in f.values().items()} for f in found])
    _book(conn, delta)


def _clear(conn: Connection, found: Sequence[Figures]) -> list[tuple[str | None, dict[int, int], int]]:
    """Delete the stored rows of ``found``'s people and years; their unit, weeks and year."""
    out = []
    by_year: dict[int, list[str]] = defaultdict(list)
    for f in found:
        by_year[f.year].append(f.user_id)
    for year, ids in by_year.items():
        for k in range(0, len(ids), CHUNK):
            given = {"year": year, "ids": ids[k:k + CHUNK]}
            out += [(unit_code, _weeks(weeks), year) for unit_code, weeks in conn.execute(_YEARS_WEEKS, given)]
            conn.execute(_FORGET_YEARS, given)
    return out


_UPDATE_YEAR = person_year.update().where(
    person_year.c.user_id == sa.bindparam("new_user_id"), person_year.c.year == sa.bindparam("new_year")).values(
    {**{c: sa.bindparam(f"new_{c}") for c in _YEAR_COLUMNS if c not in ("user_id", "year")},
     "updated_at": utc_now_ms()})
"""``store``'s update of a stored row in place (what deleting it and inserting it again stores), built once."""


def refresh(conn: Connection, stored: Mapping[str, tuple[int, int]], published: Published,
            now: datetime | None = None, evidence: Mapping[str, Evidence] | None = None,
            credit: Iterable[Sequence[Any]] | None = None) -> None:
    """The ingest's call: fold the records just stored (person -> the first and last of their new
    record rows; ``evidence``: those records' evidence by person, as ``evidence_rows`` would read it
    back; ``credit``: their credit as (user_id, credited_s, chain_end), as stored) into those people's
    stored years, inside the batch's transaction. The rules are the data folder's (the repository's
    parent); while that file is broken the figures wait for ``totals rebuild`` (the server refuses to
    start with it, so only an edit made while it runs can get here)."""
    try:
        rules = load_site_rules(published.repo_dir.parent)
    except FormatError as exc:
        log.warning("stored yearly figures not updated: %s", exc.detail)
        return
    totals = Totals(conn, published, rules, now=now)
    study = None if credit is None else totals.year_study(credit)
    for user_id, rids in sorted(stored.items()):
        totals.fold_in(user_id, rids, None if evidence is None else evidence.get(user_id, Evidence()),
                       None if study is None else study.get(user_id, NO_STUDY))


def forget(conn: Connection, user_ids: Iterable[str]) -> None:
    """Evidence of ``user_ids`` was added outside an upload (credit or grades decided later): their
    stored years are worked out again in full at their next upload (or ``totals rebuild``)."""
    ids = sorted(set(user_ids))
    for k in range(0, len(ids), CHUNK):
        conn.execute(person_year.update().where(person_year.c.user_id.in_(ids[k:k + CHUNK])).values(stamp=None))


def refresh_site(conn: Connection, data_dir: Path, user_ids: Sequence[str], *, stale_only: bool = False,
                 now: datetime | None = None) -> None:
    """``refresh_people`` under the rules and publications of the data folder ``data_dir`` (a person
    added, moved or given another cadre level); a broken rules file leaves it to ``totals rebuild``."""
    try:
        rules = load_site_rules(data_dir)
    except FormatError as exc:
        log.warning("stored yearly figures not updated: %s", exc.detail)
        return
    refresh_people(conn, Published(data_dir / "repo"), rules, user_ids, stale_only=stale_only, now=now)


def stale(conn: Connection, stamp: str, year: int, user_ids: Sequence[str] | None = None) -> list[str]:
    """The people (of ``user_ids``, or everyone) whose stored row of ``year`` is missing or was
    worked out under another stamp than ``stamp``: a new year, rules or publication, people added
    from a sheet, an upgrade."""
    p, u = person_year.c, users.c
    query = (sa.select(u.user_id)
             .select_from(users.outerjoin(person_year, sa.and_(p.user_id == u.user_id, p.year == year)))
             .where(sa.or_(p.user_id.is_(None), p.stamp.is_(None), p.stamp != stamp)).order_by(u.user_id))
    if user_ids is not None:
        query = query.where(u.user_id.in_(list(user_ids)))
    return list(conn.execute(query).scalars())


def rebook(conn: Connection, user_id: str) -> None:
    """Move the weeks of ``user_id``'s stored years to their current unit (after a move, inside its transaction)."""
    p = person_year.c
    unit_code = conn.execute(sa.select(users.c.unit_code).where(users.c.user_id == user_id)).scalar()
    delta: dict[tuple[str, int, int], int] = defaultdict(int)
    for year, old, weeks in conn.execute(sa.select(p.year, p.unit_code, p.weeks).where(p.user_id == user_id)):
        if old == unit_code:
            continue
        for week, ms in _weeks(weeks).items():
            if old is not None:
                delta[(old, year, week)] -= ms
            if unit_code is not None:
                delta[(unit_code, year, week)] += ms
    conn.execute(person_year.update().where(p.user_id == user_id).values(unit_code=unit_code))
    _book(conn, delta)


def refresh_people(conn: Connection, published: Published, rules: Rules, user_ids: Sequence[str], *,
                   year: int | None = None, now: datetime | None = None,
                   progress: Callable[[int, int], None] | None = None, stale_only: bool = False) -> int:
    """Work out and store the figures of ``user_ids``, ``CHUNK`` people per transaction under their
    locks (uploads go on meanwhile); ``stale_only``: only those still ``stale`` once locked (another
    server process may have done them meanwhile). Returns how many people."""
    totals = Totals(conn, published, rules, year=year, now=now)
    if conn.in_transaction():
        conn.commit()
    index = AssignmentIndex(conn)
    for k in range(0, len(user_ids), CHUNK):
        chunk = user_ids[k:k + CHUNK]
        with transaction(conn, people=chunk):
            totals.update(stale(conn, totals.stamp, totals.year, chunk) if stale_only else chunk, index)
        if progress is not None:
            progress(min(k + CHUNK, len(user_ids)), len(user_ids))
    return len(user_ids)


def rebuild(conn: Connection, published: Published, rules: Rules, *, year: int | None = None,
            now: datetime | None = None, progress: Callable[[int, int], None] | None = None,
            workers: int = 1, again: Callable[[int], None] | None = None) -> int:
    """Work out everyone's figures for ``year`` (default: the site's current year) from scratch: the
    year's rows are cleared, then everyone's stored, ``CHUNK`` people per transaction (those who
    upload meanwhile are kept exact by their own refresh). Returns how many people.

    ``workers`` > 1: that many processes, each with a connection of its own, work on disjoint chunks
    side by side. On PostgreSQL each works out and stores its chunks under the chunk's people's
    locks (``refresh_people``'s way). SQLite has one writer at a time: the workers work their chunks
    out on read transactions and this process stores each, in its own write transaction, unless
    another connection committed anything since the chunk was handed out (``PRAGMA data_version``
    says so; this process's own writes touch none of what a chunk reads): then it works that chunk
    out again itself, under the write lock (and calls ``again`` with the chunk's size). Either way each
    chunk is exactly what working it out under its lock gives."""
    totals = Totals(conn, published, rules, year=year, now=now)
    with transaction(conn):
        conn.execute(person_year.delete().where(person_year.c.year == totals.year))
        conn.execute(unit_week.delete().where(unit_week.c.year == totals.year))
    ids = list(conn.execute(sa.select(users.c.user_id).order_by(users.c.user_id)).scalars())
    if workers <= 1 or len(ids) < 2:
        return refresh_people(conn, published, rules, ids, year=totals.year, now=now, progress=progress)
    index = AssignmentIndex(conn)
    conn.commit()
    size = min(CHUNK, -(-len(ids) // workers))  # every worker gets a chunk, even for a few people
    chunks = [ids[k:k + size] for k in range(0, len(ids), size)]
    url = conn.engine.url.render_as_string(hide_password=False)
    done = 0
    with _workers_context().Pool(min(workers, len(chunks)), initializer=_rebuild_worker,
                                 initargs=(url, str(published.repo_dir), rules, totals.year, now)) as pool:
        if conn.dialect.name == "postgresql":
            for found in pool.imap_unordered(_rebuild_chunk, chunks):
                done += found
                if progress is not None:
                    progress(done, len(ids))
        else:
            version = _data_version(conn)
            waiting: deque[tuple[list[str], int, AsyncResult[_Worked]]] = deque()
            ahead = iter(chunks)
            for chunk in itertools.islice(ahead, 2 * workers):
                waiting.append((chunk, version(), pool.apply_async(_work_out_chunk, (chunk,))))
            while waiting:
                chunk, handed_out, result = waiting.popleft()
                figures, folds = result.get()
                with transaction(conn, people=chunk):
                    if version() == handed_out:
                        totals.write(figures, folds)
                    else:  # another connection wrote meanwhile: work it out again under the lock
                        totals.update(chunk, index)
                        if again is not None:
                            again(len(chunk))
                done += len(chunk)
                if progress is not None:
                    progress(done, len(ids))
                for chunk in itertools.islice(ahead, 1):
                    waiting.append((chunk, version(), pool.apply_async(_work_out_chunk, (chunk,))))
        pool.close()
        pool.join()
    return len(ids)


_Worked = tuple[list[Figures], list[tuple[str, str, int, str]]]


def _workers_context() -> multiprocessing.context.BaseContext:
    """Where a rebuild's worker processes come from: forked by a fork server that imported this module
    (SQLAlchemy, the schema, the figures: about a second of CPU) once, rather than each a new
    interpreter importing it again ("spawn"; server.forkserver). The fork server runs one thread (a fork of
    this process when it runs one, as a command does, else a new interpreter), so no worker is forked
    from a caller holding threads (a server, a test run), and holds none of this process's connections;
    each worker opens its own connection (``_rebuild_worker``) and shares nothing with the others."""
    context = forkserver_context([__name__])
    start_forkserver()  # a fork of this process when it runs one thread (a command's), else a new interpreter
    return context


def _data_version(conn: Connection) -> Callable[[], int]:
    """SQLite's ``PRAGMA data_version`` of ``conn``: it changes whenever another connection commits."""
    raw = conn.connection.driver_connection
    assert raw is not None

    def read() -> int:
        return int(raw.execute("PRAGMA data_version").fetchone()[0])
    return read


_worker: tuple[Totals, AssignmentIndex] | None = None
"""A rebuild worker process's figures, on a connection of its own, and the assignments (``_rebuild_worker``)."""


def _rebuild_worker(url: str, repo_dir: str, rules: Rules, year: int, now: datetime | None) -> None:
    global _worker
    engine = create(url, pool_size=1)
    conn = engine.connect()
    multiprocessing.util.Finalize(None, engine.dispose, exitpriority=10)
    multiprocessing.util.Finalize(None, conn.close, exitpriority=20)
    _worker = Totals(conn, Published(Path(repo_dir)), rules, year=year, now=now), AssignmentIndex(conn)
    conn.commit()


def _rebuild_chunk(chunk: list[str]) -> int:
    """One chunk of a rebuild on PostgreSQL, in a worker process: worked out and stored under its people's locks."""
    assert _worker is not None
    totals, index = _worker
    with transaction(totals.conn, people=chunk):
        totals.update(chunk, index)
    return len(chunk)


def _work_out_chunk(chunk: list[str]) -> _Worked:
    """One chunk of a rebuild on SQLite, in a worker process: worked out on a read transaction."""
    assert _worker is not None
    totals, index = _worker
    try:
        return totals.work_out(chunk, index)
    finally:
        totals.conn.rollback()


def people_of_course(conn: Connection, course_id: str) -> list[str]:
    """Everyone whose year a course can change: those it is assigned to and those with records of it."""
    a = assignments.c
    found: set[str] = set(conn.execute(sa.select(records.c.user_id).distinct()
                                       .where(records.c.course_id == course_id)).scalars())
    for kind, target in conn.execute(sa.select(a.target_kind, a.target).where(a.course_id == course_id)):
        found.update(reached_by(conn, username=target if kind == "user" else None,
                                unit=target if kind == "unit" else None,
                                class_code=target if kind == "class" else None))
    return sorted(found)


class Refresher:
    """Brings people's stored years up to date on a thread of its own, ``CHUNK`` at a time, with its
    own connection: those queued by an admin's change that reaches a whole province (an assignment,
    a class's course, a publication), which answers at once while its figures follow within moments;
    and, once ``watch`` is called, every ``stale`` person: every ``check_s`` seconds it compares the
    site's stamp (rules, publications), its year and how many people and stored rows there are with
    the last check's, and on a change queues whoever's row is missing or stamped otherwise. So a
    command-line ``publish``, a new rules.toml, a sheet import, an upgrade and a new year need no
    ``totals rebuild``. ``now``: the clock the site's year is read from."""

    def __init__(self, engine: sa.Engine, data_dir: Path, *, check_s: float = 5.0,
                 now: Callable[[], datetime | None] = lambda: None) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.check_s = check_s
        self.now = now
        self._pending: set[str] = set()
        self._stale: set[str] = set()
        self._seen: tuple[Any, ...] | None = None
        self._watching = False
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="person-year", daemon=True)
                self._thread.start()

    def add(self, user_ids: Iterable[str]) -> None:
        with self._lock:
            self._pending.update(user_ids)
        self._start()
        self._wake.set()

    def watch(self) -> None:
        """Check for stale stored years now and every ``check_s`` seconds."""
        self._watching = True
        self._start()
        self._wake.set()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending) + len(self._stale)

    def _take(self) -> tuple[list[str], bool]:
        """The next chunk, and whether it is of stale people (else queued)."""
        with self._lock:
            queue, stale_only = (self._pending, False) if self._pending else (self._stale, True)
            chunk = sorted(queue)[:CHUNK]
            queue.difference_update(chunk)
            if not self._pending and not self._stale:
                self._wake.clear()
            return chunk, stale_only

    def check(self) -> int:
        """Queue the stale people if anything they depend on changed since the last check; how many."""
        try:
            rules = load_site_rules(self.data_dir)
        except FormatError:
            return 0  # the figures wait for the file to be mended
        stamp, year = site_stamp(rules, self.data_dir / "repo"), site_today(rules, self.now()).year
        with self.engine.connect() as conn:
            people = conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one()
            rows = conn.execute(sa.select(sa.func.count()).select_from(person_year)
                                .where(person_year.c.year == year, person_year.c.stamp == stamp)).scalar_one()
            seen = (stamp, year, people, rows)
            if seen == self._seen:
                return 0
            found = stale(conn, stamp, year)
        with self._lock:
            self._stale.update(found)
        self._seen = seen
        if found:
            self._wake.set()
        return len(found)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.check_s if self._watching else None)
            try:
                chunk, stale_only = self._take()
                if not chunk:
                    if self._watching:
                        self.check()
                    continue
                with self.engine.connect() as conn:
                    refresh_site(conn, self.data_dir, chunk, stale_only=stale_only, now=self.now())
            except Exception as exc:  # a busy database or a bad file: the figures wait for the next change or check
                if is_busy(exc):  # an expected moment of overload: one line, no traceback
                    log.warning("stored yearly figures not updated now (the database is busy): %s",
                                type(exc.__cause__ or exc).__name__)
                else:
                    log.exception("stored yearly figures not updated")
                self._seen = None
