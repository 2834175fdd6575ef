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

Ranking (学分排名, ``sync.protocol.outcomes.Ranking``): a person's place among the active people
of their own unit by this year's total, and their unit's place among its siblings (the units
under the same parent; the top units when it has none) by the mean total of the active people
in each sibling's subtree; a sibling with nobody in its subtree is not ranked. Ties share a
place (1, 1, 3). Everyone's totals are the stored yearly figures (server.person_year), read in
one place (``everyones_totals``) at most every few minutes per process (``StandingsCache``, with
the unit tree of that moment); the asking person's own total is always fresh.

Reminders (学习提醒, ``sync.protocol.outcomes.Reminder``): the year's standing is behind its
target (with the units still needed), or an assigned course that does not count yet is due
within the rules' ``reminders.due_within_days`` or overdue, on the site's day.

Courses: the person's assignments (required or elective as assigned), and any other published
course they have evidence for (elective). Services only; no HTTP here.
"""

from __future__ import annotations

import bisect
import json
import operator
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from player.intervals import IntervalSet
from server.assignments import assignments_for
from server.org.tree import codes_of
from server.published import Published
from server.storage.tables import attempt_grades, person_year, record_credit, records, users
from server.units import StoredUnit, list_units
from server.users import User
from sync.protocol.assessment import EXAM, EXAM_ID
from sync.protocol.manifest import Manifest
from sync.protocol.outcomes import Ranking, Reminder
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
_EVIDENCE_TYPES = ("watch", "quiz", "exam")


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


def evidence_rows(conn: Connection, user_ids: Iterable[str] | None, *, course_ids: Iterable[str] | None = None,
                  rids: tuple[int, int] | None = None) -> dict[str, Evidence]:
    """The stored evidence of ``user_ids`` (None: everyone), by person; only of ``course_ids`` and
    of the record rows ``rids`` (first, last) when given. In the order the records were made
    (``created_at``, then the order they were stored), compared as Python compares text on every
    database."""
    x, c, g = records.c, record_credit.c, attempt_grades.c
    query = (sa.select(x.created_at, x.rid, x.user_id, x.type, x.course_id, x.lesson_id, c.segments, g.kind,
                       g.assessment_id, g.passed, g.reason, g.score, g.max_score)
             .join_from(records, record_credit, c.rid == x.rid, isouter=True)
             .join(attempt_grades, g.rid == x.rid, isouter=True)
             .where(x.course_id.is_not(None), x.type.in_(_EVIDENCE_TYPES)))
    if user_ids is not None:
        query = query.where(x.user_id.in_(list(user_ids)))
    if course_ids is not None:
        query = query.where(x.course_id.in_(list(course_ids)))
    if rids is not None:
        query = query.where(x.rid.between(*rids))
    return evidence_from(conn.execute(query.order_by(x.created_at, x.rid)))


_MADE_ORDER = operator.itemgetter(0, 1)
"""An evidence row's (created_at, rid)."""


def evidence_from(rows: Iterable[Sequence[Any]]) -> dict[str, Evidence]:
    """The evidence in ``rows``, by person: each row as ``evidence_rows`` selects it (created_at, rid,
    user_id, type, course_id, lesson_id, the credited segments' JSON, then the grade's kind,
    assessment_id, passed, reason, score and max_score), in any order. An upload hands in its own
    records' rows this way, without reading them back (the segments as the pairs of floats that JSON
    holds, or as that JSON)."""
    rows = sorted(rows, key=_MADE_ORDER)  # as the database orders, where it compares text bytewise
    out: dict[str, Evidence] = defaultdict(Evidence)
    for created_at, _, user_id, rtype, course_id, lesson_id, segments, kind, aid, passed, reason, score, top in rows:
        if course_id is None or rtype not in _EVIDENCE_TYPES:
            continue
        found = out[user_id]
        if rtype == "watch" and segments and lesson_id is not None:
            pairs = ([(float(s), float(e)) for s, e in json.loads(segments)] if type(segments) is str
                     else list(segments))  # pairs of floats already
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


class CourseFold:
    """One person's evidence for one course, folded in the order it was made (``created_at``, then
    the order it was stored), as the client's own estimate reads it: per lesson the covered media,
    the day it was done (reached the completion ratio; while not done, the day of its latest
    evidence) and whether it is done; per quiz and the exam the day first passed. ``last`` is the
    newest ``created_at`` folded: folding more evidence made no earlier gives exactly what folding
    everything from the start gives (server.person_year keeps folds between uploads that way)."""

    __slots__ = ("_day", "_durations", "_on_at", "_ratio", "covered", "done", "last", "on", "passed")

    def __init__(self, facts: CourseFacts, rules: Rules) -> None:
        self._durations = {lesson.lesson_id: lesson.duration_s for lesson in facts.lessons}
        self._ratio = facts.completion_ratio
        self._day = rules.year.local_date
        self.covered: dict[str, IntervalSet] = {}
        self.on: dict[str, date] = {}
        self._on_at: dict[str, str] = {}  # the created_at of a lesson's day, not yet read as one (see _days)
        self.done: set[str] = set()
        self.passed: dict[str, date] = {}
        self.last: str | None = None

    def _seen(self, created_at: str) -> None:
        if self.last is None or created_at > self.last:
            self.last = created_at

    def watch(self, created_at: str, lesson_id: str, pairs: Iterable[tuple[float, float]]) -> None:
        """A watch record's credited segments of ``lesson_id``."""
        if self.last is None or created_at > self.last:
            self.last = created_at
        seen = self.covered.get(lesson_id)
        if seen is None:
            seen = self.covered[lesson_id] = IntervalSet()
        for start, end in pairs:
            seen.add(start, end)
        if lesson_id in self.done:
            return
        self._on_at[lesson_id] = created_at
        duration = self._durations.get(lesson_id, 0.0)
        if duration > 0 and min(seen.length, duration) >= self._ratio * duration - _EPSILON_S:
            self.done.add(lesson_id)

    def passes(self, created_at: str, name: str) -> None:
        """An attempt of ``name`` (``quiz:<id>`` or ``exam``) that counts as passed."""
        self._seen(created_at)
        self.passed.setdefault(name, self._day(created_at) or date.min)

    def add(self, watch: Iterable[tuple[str, str, list[tuple[float, float]]]],
            passes: Iterable[tuple[str, str]]) -> CourseFold:
        """Fold ``watch`` and ``passes`` (Evidence's, each in the order they were made)."""
        for created_at, lesson_id, pairs in watch:
            self.watch(created_at, lesson_id, pairs)
        for created_at, name in passes:
            self.passes(created_at, name)
        return self

    def _days(self) -> dict[str, date]:
        """Each lesson's day: a lesson's evidence sets it again until the lesson is done, so only the
        last created_at is read as a day (once, here, rather than at every record)."""
        for lesson_id, created_at in self._on_at.items():
            self.on[lesson_id] = self._day(created_at) or date.min
        self._on_at.clear()
        return self.on

    def evidence(self) -> CourseEvidence:
        on = self._days()
        lessons = {lesson_id: LessonEvidence(seen.length, on[lesson_id])
                   for lesson_id, seen in self.covered.items()}
        quizzes = {name: when for name, when in self.passed.items() if name.startswith("quiz:")}
        return CourseEvidence(lessons, quizzes, self.passed.get(EXAM_ID))

    def to_text(self) -> str:
        on = self._days()
        return json.dumps({"lessons": {lesson_id: [seen.to_list(), seen.length, on[lesson_id].isoformat(),
                                                   lesson_id in self.done]
                                       for lesson_id, seen in sorted(self.covered.items())},
                           "passed": {name: when.isoformat() for name, when in sorted(self.passed.items())},
                           "last": self.last}, separators=(",", ":"))

    @classmethod
    def from_text(cls, facts: CourseFacts, rules: Rules, text: str) -> CourseFold:
        """The fold ``to_text`` wrote, for ``facts``' course under ``rules`` (the ones it was folded with)."""
        data = json.loads(text)
        fold = cls(facts, rules)
        for lesson_id, (pairs, length, on, done) in data["lessons"].items():
            fold.covered[lesson_id] = IntervalSet.restored(((float(s), float(e)) for s, e in pairs), float(length))
            fold.on[lesson_id] = date.fromisoformat(on)
            if done:
                fold.done.add(lesson_id)
        fold.passed = {name: date.fromisoformat(when) for name, when in data["passed"].items()}
        fold.last = data["last"]
        return fold


def course_evidence(facts: CourseFacts, watch: list[tuple[str, str, list[tuple[float, float]]]],
                    passes: list[tuple[str, str]], rules: Rules) -> CourseEvidence:
    """The person's evidence for one course, from their records in the order they were made."""
    return CourseFold(facts, rules).add(watch, passes).evidence()


@dataclass(frozen=True, slots=True)
class CourseState:
    """One course for one person: the engine's outcome, its title, and the share of its lesson time covered."""

    title: str
    outcome: CourseOutcome
    covered: float  # 0..1
    due: date | None = None  # the assignment's due date, if any


@dataclass(frozen=True, slots=True)
class PersonYear:
    courses: tuple[CourseState, ...]
    summary: YearSummary


def due_date(text: object) -> date | None:
    """An assignment's due date from its stored ISO text (None when it has none or it is unreadable)."""
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


class Outcomes:
    """Outcomes of many people under one site's rules, reading each published course once."""

    def __init__(self, conn: Connection, published: Published, rules: Rules) -> None:
        self.conn = conn
        self.published = published
        self.rules = rules
        self._latest: dict[str, Manifest | None] = {}
        self._facts: dict[tuple[str, int, bool], tuple[CourseFacts, float]] = {}

    def facts(self, manifest: Manifest, required: bool) -> tuple[CourseFacts, float]:
        """``course_facts`` of a published manifest and its lessons' total duration, made once per
        course version and role (a whole province reads the same few courses for everyone)."""
        key = (manifest.course_id, manifest.version, required)
        found = self._facts.get(key)
        if found is None:
            facts = course_facts(manifest, required)
            found = self._facts[key] = (facts, sum(max(0.0, lesson.duration_s) for lesson in facts.lessons))
        return found

    def latest(self, course_id: str) -> Manifest | None:
        if course_id not in self._latest:
            versions = self.published.versions(course_id)
            self._latest[course_id] = self.published.manifest(course_id, versions[-1]) if versions else None
        return self._latest[course_id]

    def _assigned(self, user: User) -> dict[str, tuple[bool, date | None]]:
        """course_id -> (required, due date), as the person's assignments say (server.assignments)."""
        return {a["course_id"]: (bool(a["required"]), due_date(a["due"]))
                for a in assignments_for(self.conn, user, self.published.repo_dir)}

    def evidence(self, user: User) -> Evidence:
        """``user``'s stored evidence."""
        return evidence_rows(self.conn, [user.user_id]).get(user.user_id, Evidence())

    def person_year(self, user: User, year: int, as_of: date, level: str | None = None,
                    evidence: Evidence | None = None,
                    assigned: Mapping[str, tuple[bool, date | None]] | None = None,
                    folds: dict[str, CourseFold] | None = None) -> PersonYear:
        """``user``'s courses and ``year`` as of ``as_of`` (their evidence and their assignments,
        course id -> (required, due date), read when not given). ``folds``: the person's evidence of
        some courses already folded (of the newest published version, under these rules), used
        instead of ``evidence`` for those courses; the folds made from ``evidence`` are added to it."""
        if evidence is None:
            evidence = self.evidence(user)
        if assigned is None:
            assigned = self._assigned(user)
        if folds is None:
            folds = {}
        course_ids = list(assigned) + sorted((set(evidence.watch) | set(evidence.passes) | set(folds))
                                             - set(assigned))
        states = []
        for course_id in course_ids:
            manifest = self.latest(course_id)
            if manifest is None:
                continue
            required, due = assigned.get(course_id, (False, None))
            facts, total = self.facts(manifest, required)
            fold = folds.get(course_id)
            if fold is None:
                fold = folds[course_id] = CourseFold(facts, self.rules).add(
                    evidence.watch.get(course_id, []), evidence.passes.get(course_id, []))
            found = fold.evidence()
            seen = sum(min(max(0.0, found.lessons[lesson.lesson_id].covered_s), max(0.0, lesson.duration_s))
                       for lesson in facts.lessons if lesson.lesson_id in found.lessons)
            states.append(CourseState(manifest.title, course_outcome(facts, found, self.rules),
                                      min(1.0, seen / total) if total > 0 else 0.0, due))
        summary = year_summary([s.outcome for s in states], year, level, self.rules, as_of)
        return PersonYear(tuple(states), summary)


def _places(values: Mapping[str, Decimal]) -> dict[str, int]:
    """Competition ranking, highest first: equal values share a place."""
    ordered = sorted(values.values(), reverse=True)
    return {key: ordered.index(value) + 1 for key, value in values.items()}


Totals = dict[str, tuple[str | None, Decimal]]
"""user id -> (their unit's code, their year's total)."""


def everyones_totals(outcomes: Outcomes, year: int, as_of: date) -> Totals:
    """Every active person's unit and total for ``year``: the one place rankings read everyone's
    totals from. As stored (server.person_year: kept at ingest and by ``totals rebuild``; 0 for a
    person without a stored year)."""
    p, u = person_year.c, users.c
    total = sa.func.coalesce(p.required_x100 + p.elective_x100 + p.carried_x100, 0)
    query = (sa.select(u.user_id, u.unit_code, total)
             .select_from(users)
             .outerjoin(person_year, sa.and_(p.user_id == u.user_id, p.year == year))
             .where(u.deactivated_at.is_(None)))
    return {user_id: (code, Decimal(int(x100)) / 100) for user_id, code, x100 in outcomes.conn.execute(query)}


@dataclass(frozen=True)
class Standings:
    """Everyone's totals and the unit tree (code -> unit) they were read with, indexed once so that
    each ranking costs a few look-ups, not a pass over everyone: per unit its own people's totals
    (sorted) and their sum, per unit the sum and count of its subtree's, per parent its children."""

    totals: Totals
    units: Mapping[str, StoredUnit]
    by_unit: dict[str | None, list[Decimal]] = field(init=False)
    unit_sums: dict[str | None, Decimal] = field(init=False)
    subtree: dict[str, tuple[Decimal, int]] = field(init=False)
    children: dict[str | None, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        by_unit: dict[str | None, list[Decimal]] = defaultdict(list)
        sums: dict[str, Decimal] = defaultdict(Decimal)
        counts: dict[str, int] = defaultdict(int)
        paths = {code: codes_of(unit.path) for code, unit in self.units.items()}
        for code, figure in self.totals.values():
            by_unit[code].append(figure)
            for above in paths.get(code, []) if code else []:
                sums[above] += figure
                counts[above] += 1
        for figures in by_unit.values():
            figures.sort()
        children: dict[str | None, list[str]] = defaultdict(list)
        for code, unit in self.units.items():
            children[unit.parent].append(code)
        object.__setattr__(self, "by_unit", dict(by_unit))
        object.__setattr__(self, "unit_sums", {code: sum(f, ZERO) for code, f in by_unit.items()})
        object.__setattr__(self, "subtree", {code: (sums[code], counts[code]) for code in counts})
        object.__setattr__(self, "children", dict(children))


class StandingsCache:
    """Everyone's totals, worked out at most once per ``max_age_s`` per server process and day:
    rankings need every person's year, which is too much work for each learner's sync. The asking
    person's own figure is always fresh; the others' are at most ``max_age_s`` old. Thread-safe:
    one computation at a time, the others wait for it."""

    def __init__(self, max_age_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._found: tuple[date, float, Standings] | None = None

    def standings(self, outcomes: Outcomes, as_of: date) -> Standings:
        with self._lock:
            found = self._found
            if found is None or found[0] != as_of or self._clock() - found[1] > self.max_age_s:
                units = {u.code: u for u in list_units(outcomes.conn)}
                found = self._found = (as_of, self._clock(),
                                       Standings(everyones_totals(outcomes, as_of.year, as_of), units))
            return found[2]

    def totals(self, outcomes: Outcomes, as_of: date) -> Totals:
        return self.standings(outcomes, as_of).totals


def _mean(total: Decimal, count: int) -> Decimal:
    return (total / count).quantize(Decimal("0.01")) if count else ZERO


def ranking(standings: Standings, user: User, total: Decimal) -> Ranking:
    """``user``'s place among the people of their unit and their unit's place among its siblings,
    from everyone's ``standings`` with the user's own ``total`` in place of the one read there."""
    code, units = user.unit_code, standings.units
    old = standings.totals.get(user.user_id)
    mates = standings.by_unit.get(code, [])  # ascending
    above = len(mates) - bisect.bisect_right(mates, total)
    people, unit_sum = len(mates) + 1, standings.unit_sums.get(code, ZERO) + total
    if old is not None and old[0] == code:
        people, unit_sum = people - 1, unit_sum - old[1]
        if old[1] > total:
            above -= 1
    mine = units.get(code) if code else None
    if mine is None:  # a unit the tree does not know (yet): ranked on its own
        return Ranking(user.unit, above + 1, people, 1, 1, _mean(unit_sum, people), None)
    old_unit = units.get(old[0]) if old is not None and old[0] else None
    old_path = set(codes_of(old_unit.path)) if old_unit is not None else set()
    means = {}
    for sibling in standings.children.get(mine.parent, [mine.code]):
        figure, count = standings.subtree.get(sibling, (ZERO, 0))
        if old is not None and sibling in old_path:  # the figure read there, replaced by the fresh one
            figure, count = figure - old[1], count - 1
        if sibling == mine.code:
            figure, count = figure + total, count + 1
        if count > 0 and (sibling == mine.code or units[sibling].active):
            means[sibling] = _mean(figure, count)
    parent = units.get(mine.parent) if mine.parent else None
    return Ranking(user.unit, above + 1, people, _places(means)[mine.code], len(means), means[mine.code],
                   parent.name if parent is not None else None)


def reminders(mine: PersonYear, today: date, rules: Rules) -> list[Reminder]:
    """The person's reminders on ``today`` (the site's day): behind the year's target first, then
    each assigned course that does not count yet and is overdue or due within the rules' days,
    the earliest due first."""
    out = []
    summary = mine.summary
    if summary.standing == "behind" and summary.to_target > 0:
        out.append(Reminder("behind_target", short=summary.to_target, unit=rules.credit.unit))
    due = sorted((s for s in mine.courses if s.due is not None and not s.outcome.counts),
                 key=lambda s: (s.due or today, s.outcome.course_id))
    for state in due:
        assert state.due is not None
        days = (state.due - today).days
        if days <= rules.reminders.due_within_days:
            out.append(Reminder("overdue" if days < 0 else "due_soon", course_id=state.outcome.course_id,
                                title=state.title, due=state.due.isoformat(), days=days))
    return out


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


def person_outcomes(engine: Outcomes, user: User, as_of: date, standings: StandingsCache, level: str | None = None,
                    evidence: Evidence | None = None) -> dict[str, Any]:
    """``user``'s courses, year (against the target of ``level``, by default their own cadre level),
    ranking and reminders for the year of ``as_of`` (the site's today); their evidence is read
    when not given."""
    if level is None and user.level is not None:
        level = user.level.value
    mine = engine.person_year(user, as_of.year, as_of, level, evidence)
    placed = ranking(standings.standings(engine, as_of), user, mine.summary.total)
    return {"as_of": as_of.isoformat(), "courses": [course_dict(s) for s in mine.courses],
            "year": year_dict(mine.summary, engine.rules), "ranking": placed.to_dict(),
            "reminders": [r.to_dict() for r in reminders(mine, as_of, engine.rules)]}
