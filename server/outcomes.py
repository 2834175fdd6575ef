"""Learning outcomes per person and year, decided by the server through the one rules engine.

The facts are what this server PUBLISHED (the newest manifest of each course: its lessons and
durations, completion ratio, required quizzes, exam, credit hours); the evidence is what it
STORED and decided itself: the credited media segments of each watch record (server.credit)
and the grade of each quiz and exam record (server.grading). Nothing a client claims is read.
``sync.protocol.rules`` then says, per course, whether it counts, when and for how much, and
per person the year's required and elective figures against their level's target.

Evidence days are the site's calendar days (``rules.year.utc_offset``) of the records'
``created_at``, as the client's own estimate reads them: a lesson was done on the day its
credited coverage first reached the completion ratio, a quiz or the exam on the day of its
first attempt that counts as passed.

Ranking (学分排名): a person's place among the active people of their unit by this year's
total, and their unit's place among the units by the mean total of its active people. Ties
share a place (1, 1, 3). Units are the accounts' ``unit``, all ranked together. Everyone's
totals are the stored yearly figures (server.person_year), read at most every few minutes per
process (``StandingsCache``); the asking person's own total is always fresh.

Courses: the person's assignments (required or elective as assigned), and any other published
course they have evidence for (elective). Services only; no HTTP here.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from player.intervals import IntervalSet
from server.assignments import assignments_for
from server.published import Published
from server.storage.tables import attempt_grades, person_year, record_credit, records, units, users
from server.users import User
from sync.protocol.assessment import EXAM, EXAM_ID
from sync.protocol.manifest import Manifest
from sync.protocol.rules import (
    ZERO,
    CourseEvidence,
    CourseFacts,
    CourseOutcome,
    LessonEvidence,
    LessonFacts,
    Rules,
    YearSummary,
    course_outcome,
    percent,
    year_summary,
)
from sync.protocol.rules_file import plain

_EPSILON_S = 1e-9


@dataclass(slots=True)
class Evidence:
    """One person's stored evidence, course by course: (created_at, lesson, credited segments) of
    each watch record, (created_at, name) of each attempt that counts as passed, and (name,
    percent 0..100) of each graded attempt that counts (no reason against it). A quiz is named
    ``quiz:<id>``, the exam ``exam``."""

    watch: dict[str, list[tuple[str, str, list[tuple[float, float]]]]] = field(
        default_factory=lambda: defaultdict(list))
    passes: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    scores: dict[str, list[tuple[str, Decimal]]] = field(default_factory=lambda: defaultdict(list))


def evidence_rows(conn: Connection, user_ids: Iterable[str] | None) -> dict[str, Evidence]:
    """The stored evidence of ``user_ids`` (None: everyone), by person."""
    x, c, g = records.c, record_credit.c, attempt_grades.c
    query = (sa.select(x.user_id, x.type, x.course_id, x.lesson_id, x.created_at, c.segments, g.kind,
                       g.assessment_id, g.passed, g.reason, g.score, g.max_score)
             .join_from(records, record_credit, c.rid == x.rid, isouter=True)
             .join(attempt_grades, g.rid == x.rid, isouter=True)
             .where(x.course_id.is_not(None), x.type.in_(("watch", "quiz", "exam"))))
    if user_ids is not None:
        query = query.where(x.user_id.in_(list(user_ids)))
    out: dict[str, Evidence] = defaultdict(Evidence)
    for user_id, rtype, course_id, lesson_id, created_at, segments, kind, aid, passed, reason, score, top in (
            conn.execute(query.order_by(x.created_at, x.rid))):
        found = out[user_id]
        if rtype == "watch" and segments and lesson_id is not None:
            pairs = [(float(s), float(e)) for s, e in json.loads(segments)]
            if pairs:
                found.watch[course_id].append((created_at, lesson_id, pairs))
        elif kind is not None and reason is None and aid is not None:
            name = EXAM_ID if kind == EXAM else f"quiz:{aid}"
            if passed:
                found.passes[course_id].append((created_at, name))
            if score is not None and top:
                found.scores[course_id].append((name, percent(int(score), int(top))))
    return out


def course_facts(manifest: Manifest, required: bool) -> CourseFacts:
    """A published course as the rules engine reads it (the same reading as the client's)."""
    return CourseFacts(manifest.course_id, tuple(LessonFacts(e.id, e.duration_s) for e in manifest.lessons),
                       manifest.policy.completion_ratio,
                       tuple(q.name for q in manifest.quizzes if q.required),
                       manifest.exam is not None and manifest.exam.required,
                       Decimal(repr(float(manifest.credit_hours))), required)


def course_evidence(facts: CourseFacts, watch: list[tuple[str, str, list[tuple[float, float]]]],
                    passes: list[tuple[str, str]], rules: Rules) -> CourseEvidence:
    """The person's evidence for one course, from their records in the order they were made."""
    def day(stamp: str) -> date:
        return rules.year.local_date(stamp) or date.min

    durations = {lesson.lesson_id: lesson.duration_s for lesson in facts.lessons}
    covered: dict[str, IntervalSet] = {}
    on: dict[str, date] = {}
    done: set[str] = set()
    for created_at, lesson_id, pairs in watch:
        seen = covered.setdefault(lesson_id, IntervalSet())
        seen.update(pairs)
        if lesson_id in done:
            continue
        on[lesson_id] = day(created_at)
        duration = durations.get(lesson_id, 0.0)
        if duration > 0 and min(seen.length, duration) >= facts.completion_ratio * duration - _EPSILON_S:
            done.add(lesson_id)
    lessons = {lesson_id: LessonEvidence(seen.length, on[lesson_id]) for lesson_id, seen in covered.items()}
    first: dict[str, date] = {}
    for created_at, name in passes:
        first.setdefault(name, day(created_at))
    quizzes = {name: when for name, when in first.items() if name.startswith("quiz:")}
    return CourseEvidence(lessons, quizzes, first.get(EXAM_ID))


@dataclass(frozen=True, slots=True)
class CourseState:
    """One course for one person: the engine's outcome, its title, and the share of its lesson time covered."""

    title: str
    outcome: CourseOutcome
    covered: float  # 0..1


@dataclass(frozen=True, slots=True)
class PersonYear:
    courses: tuple[CourseState, ...]
    summary: YearSummary


class Outcomes:
    """Outcomes of many people under one site's rules, reading each published course once."""

    def __init__(self, conn: Connection, published: Published, rules: Rules) -> None:
        self.conn = conn
        self.published = published
        self.rules = rules
        self._latest: dict[str, Manifest | None] = {}

    def latest(self, course_id: str) -> Manifest | None:
        if course_id not in self._latest:
            versions = self.published.versions(course_id)
            self._latest[course_id] = self.published.manifest(course_id, versions[-1]) if versions else None
        return self._latest[course_id]

    def _assigned(self, user: User) -> dict[str, bool]:
        """course_id -> required, as the person's assignments say (server.assignments)."""
        return {a["course_id"]: bool(a["required"]) for a in assignments_for(self.conn, user, self.published.repo_dir)}

    def person_year(self, user: User, year: int, as_of: date, level: str | None = None,
                    evidence: Evidence | None = None, assigned: Mapping[str, bool] | None = None) -> PersonYear:
        """``user``'s courses and ``year`` as of ``as_of`` (their evidence and their assignments,
        course id -> required, read when not given)."""
        if evidence is None:
            evidence = evidence_rows(self.conn, [user.user_id]).get(user.user_id, Evidence())
        if assigned is None:
            assigned = self._assigned(user)
        course_ids = list(assigned) + sorted((set(evidence.watch) | set(evidence.passes)) - set(assigned))
        states = []
        for course_id in course_ids:
            manifest = self.latest(course_id)
            if manifest is None:
                continue
            facts = course_facts(manifest, assigned.get(course_id, False))
            found = course_evidence(facts, evidence.watch.get(course_id, []), evidence.passes.get(course_id, []),
                                    self.rules)
            total = sum(max(0.0, lesson.duration_s) for lesson in facts.lessons)
            seen = sum(min(max(0.0, found.lessons[lesson.lesson_id].covered_s), max(0.0, lesson.duration_s))
                       for lesson in facts.lessons if lesson.lesson_id in found.lessons)
            states.append(CourseState(manifest.title, course_outcome(facts, found, self.rules),
                                      min(1.0, seen / total) if total > 0 else 0.0))
        summary = year_summary([s.outcome for s in states], year, level, self.rules, as_of)
        return PersonYear(tuple(states), summary)


def _places(values: Mapping[str, Decimal]) -> dict[str, int]:
    """Competition ranking, highest first: equal values share a place."""
    ordered = sorted(values.values(), reverse=True)
    return {key: ordered.index(value) + 1 for key, value in values.items()}


@dataclass(frozen=True, slots=True)
class Ranking:
    unit: str
    rank_in_unit: int
    people_in_unit: int
    unit_rank: int
    units: int
    unit_mean: Decimal


Totals = dict[str, tuple[str, Decimal]]
"""user id -> (their unit, their year's total)."""


def everyones_totals(outcomes: Outcomes, year: int, as_of: date) -> Totals:
    """Every active person's unit and total for ``year``, as stored (server.person_year: kept at
    ingest and by ``totals rebuild``; 0 for a person without a stored year)."""
    p, u = person_year.c, users.c
    total = sa.func.coalesce(p.required_x100 + p.elective_x100 + p.carried_x100, 0)
    query = (sa.select(u.user_id, units.c.name, total)
             .select_from(users).outerjoin(units, units.c.code == u.unit_code)
             .outerjoin(person_year, sa.and_(p.user_id == u.user_id, p.year == year))
             .where(u.deactivated_at.is_(None)))
    return {user_id: (name or "", Decimal(int(x100)) / 100) for user_id, name, x100 in outcomes.conn.execute(query)}


class StandingsCache:
    """Everyone's totals, worked out at most once per ``max_age_s`` per server process and day:
    rankings need every person's year, which is too much work for each learner's sync. The asking
    person's own figure is always fresh; the others' are at most ``max_age_s`` old. Thread-safe:
    one computation at a time, the others wait for it."""

    def __init__(self, max_age_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._found: tuple[date, float, Totals] | None = None

    def totals(self, outcomes: Outcomes, as_of: date) -> Totals:
        with self._lock:
            found = self._found
            if found is None or found[0] != as_of or self._clock() - found[1] > self.max_age_s:
                found = self._found = (as_of, self._clock(), everyones_totals(outcomes, as_of.year, as_of))
            return found[2]


def ranking(totals: Totals, user: User, total: Decimal) -> Ranking:
    """``user``'s place in their unit and their unit's place among the units, from everyone's
    ``totals`` with the user's own ``total`` put in."""
    totals = {**totals, user.user_id: (user.unit, total)}
    by_unit: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for user_id, (unit, figure) in totals.items():
        by_unit[unit][user_id] = figure
    mates = by_unit[user.unit]
    means = {unit: (sum(t.values(), ZERO) / len(t)).quantize(Decimal("0.01")) for unit, t in by_unit.items()}
    return Ranking(user.unit, _places(mates)[user.user_id], len(mates), _places(means)[user.unit], len(means),
                   means[user.unit])


# -- the response's plain form ----------------------------------------------------------------

def course_dict(state: CourseState) -> dict[str, Any]:
    o = state.outcome
    return {"course_id": o.course_id, "title": state.title, "required": o.required, "covered": round(state.covered, 4),
            "videos_done": o.lessons_done, "quizzes_passed": o.quizzes_passed, "quizzes_total": o.quizzes_total,
            "exam_required": o.exam_required, "exam_passed": o.exam_passed, "credited": o.counts,
            "credit": plain(o.credit), "counts_on": o.counts_on.isoformat() if o.counts_on else None,
            "year": o.year, "missing": list(o.missing)}


def year_dict(summary: YearSummary, rules: Rules) -> dict[str, Any]:
    t = summary.target
    return {"year": summary.year, "level": summary.level, "unit": rules.credit.unit,
            "required": plain(summary.required), "elective": plain(summary.elective),
            "carried_in": plain(summary.carried_in), "total": plain(summary.total),
            "target": {"required": plain(t.required), "elective": plain(t.elective), "total": plain(t.total)},
            "standing": summary.standing}


def ranking_dict(found: Ranking) -> dict[str, Any]:
    return {"unit": found.unit, "rank_in_unit": found.rank_in_unit, "people_in_unit": found.people_in_unit,
            "unit_rank": found.unit_rank, "units": found.units, "unit_mean": plain(found.unit_mean)}


def outcomes_for(conn: Connection, user: User, published: Published, rules: Rules, as_of: date,
                 standings: StandingsCache, level: str | None = None) -> dict[str, Any]:
    """The outcomes part of ``user``'s transcript for the year of ``as_of`` (the site's today),
    against the target of ``level`` (by default the person's own cadre level)."""
    if level is None and user.level is not None:
        level = user.level.value
    engine = Outcomes(conn, published, rules)
    mine = engine.person_year(user, as_of.year, as_of, level)
    placed = ranking(standings.totals(engine, as_of), user, mine.summary.total)
    return {"as_of": as_of.isoformat(), "courses": [course_dict(s) for s in mine.courses],
            "year": year_dict(mine.summary, rules), "ranking": ranking_dict(placed)}
