"""What "my courses" shows: every assigned course's coverage, download state and records, and
the annual summary of credit hours.

``my_courses(conn, store)`` joins the cached assignments (sync.account.assignments) with the
content store (which manifest and how many bytes are on this PC), the person's lesson progress
and the outbox (what the server acknowledged and what is still waiting). The desktop window
and ``studydesk courses`` both show this one computation.

Coverage is covered media time over the course's media time, each lesson counting for at most
its own duration, so a lesson watched past its length (or a lesson dropped from the course)
cannot make up for one not watched. Whether a course counts, what it gives, the year it counts
for and the year's standing are the credit rules engine's (sync.protocol.rules), the one the
server runs: this PC's estimate of what the server will confirm. Its evidence here is the
lesson progress (a lesson was done on the day it was completed) and the quiz and exam records
(each passed on the day of its first passing record). A course's credit counts as "synced" once
every record of that course was acknowledged by the server, else as "pending on this PC". The
rules are the site's as the server last sent them (sync.records.server_view), else the
documented defaults, with the site file's ``yearly_target_hours`` as the yearly total minimum
when the rules set none. The server's own outcomes of the year (its confirmed figure, standing
and rankings) come along as they were at the last sync.
Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from sync.account.assignments import Assignment, AssignmentCache
from sync.protocol.manifest import Manifest
from sync.protocol.rules import (
    DEFAULT_RULES,
    ZERO,
    CourseEvidence,
    CourseFacts,
    CourseOutcome,
    LessonEvidence,
    LessonFacts,
    Rules,
    YearTarget,
    course_outcome,
    year_summary,
)
from sync.records.outbox import assessment_passes, course_record_stats
from sync.records.progress import LessonProgress, load_progress
from sync.records.server_view import ServerOutcomes, cached_outcomes, cached_rules, cached_server_clock


class CourseStore(Protocol):
    """The part of sync.content.store.ContentStore this computation reads."""

    def manifest(self, course_id: str) -> Manifest | None: ...

    def course_state(self, manifest: Manifest) -> tuple[int, int]: ...


@dataclass(frozen=True, slots=True)
class CourseItem:
    course_id: str
    title: str
    required: bool
    due: date | None
    credit_hours: float
    coverage: float = 0.0  # covered media time / course media time, 0..1
    completed: bool = False
    downloaded: bool = False
    bytes_present: int = 0
    bytes_total: int = 0  # 0: not known yet (no manifest on this PC)
    pending_records: int = 0
    last_study: str | None = None
    duration_s: float = 0.0  # the course's media time by its manifest; 0 without one on this PC
    on_this_pc: bool = False  # its verified manifest is in the content store
    published: bool = True  # False: the server said it has not published this course
    videos_done: bool = False  # coverage reached the completion ratio
    quizzes_total: int = 0
    quizzes_passed: int = 0
    exam_required: bool = False
    exam_passed: bool = False
    class_name: str | None = None  # the training class it is assigned through, if any
    outcome: CourseOutcome | None = None  # the rules engine's answer for this course
    server_credited: bool = False  # the server counted it this year, as of the last sync

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today and not self.completed

    @property
    def missing(self) -> tuple[str, ...]:
        """What still stands between this course and completion: "videos", "quizzes", "exam"."""
        return self.outcome.missing if self.outcome is not None else ()

    @property
    def status(self) -> str:
        if self.completed:
            return "completed"
        return "in_progress" if self.coverage > 0 else "not_started"


@dataclass(frozen=True, slots=True)
class Summary:
    year: int
    credited_hours: float = 0.0
    required_hours: float = 0.0
    elective_hours: float = 0.0
    synced_hours: float = 0.0
    pending_hours: float = 0.0
    pending_records: int = 0
    target_hours: float = 0.0  # 0: no yearly target set
    required_target_hours: float = 0.0
    elective_target_hours: float = 0.0
    carried_in_hours: float = 0.0  # elective surplus of the year before, when the rules carry it over
    standing: str = "no_target"  # "met", "on_track", "behind" or "no_target"


@dataclass(frozen=True, slots=True)
class MyCourses:
    items: list[CourseItem] = field(default_factory=list)
    summary: Summary = field(default_factory=lambda: Summary(date.today().year))
    server: ServerOutcomes | None = None  # this year as the server decided it, at the last sync
    today: date = field(default_factory=date.today)  # the site's day by the server's clock (site_today)


def course_coverage(manifest: Manifest | None, progress: Mapping[str, LessonProgress]) -> float:
    """Covered media time / course media time, 0..1, each lesson clipped to its own duration.

    With the manifest, its lessons and durations are the course; progress of a lesson the
    manifest does not list is not counted. Without one on this PC, the lessons and durations
    the player saved stand in for it.
    """
    if manifest is not None:
        lessons = [(progress.get(e.id), max(0.0, e.duration_s)) for e in manifest.lessons]
    else:
        lessons = [(p, max(0.0, p.duration_s)) for p in progress.values()]
    total = sum(duration for _, duration in lessons)
    if total <= 0:
        return 0.0
    covered = sum(min(max(0.0, p.covered_s), duration) for p, duration in lessons if p is not None)
    return min(1.0, covered / total)


def client_rules(target_hours: float = 0.0, rules: Rules = DEFAULT_RULES) -> Rules:
    """The rules this PC knows: ``rules`` with ``target_hours`` (the site file's yearly target) as
    every level's total minimum when ``rules`` set no minimum for it."""
    if target_hours <= 0:
        return rules
    total = Decimal(repr(float(target_hours)))
    targets = tuple((level, t if t.any else YearTarget(total=total)) for level, t in rules.year.targets)
    return replace(rules, year=replace(rules.year, targets=targets))


def my_courses(conn: sqlite3.Connection, store: CourseStore | None, today: date | None = None,
               target_hours: float = 0.0, rules: Rules | None = None, level: str | None = None) -> MyCourses:
    """Every cached assignment with its coverage, download state and records; the summary for
    ``today``'s year (default: today on the site's calendar) under ``rules`` (default: the site's
    rules as the server last sent them, else the documented defaults) for a person of cadre
    ``level`` (None: the rules' default), with ``target_hours`` (the site's yearly target, 0 for
    none) standing in for a missing minimum; and the server's outcomes as of the last sync."""
    rules = client_rules(target_hours, rules or cached_rules(conn) or DEFAULT_RULES)
    today = today or site_today(conn, rules)
    stats = course_record_stats(conn)
    passes = assessment_passes(conn)
    items = [course_item(a, store.manifest(a.course_id) if store is not None else None, store,
                         load_progress(conn, a.course_id), stats.get(a.course_id, (0, None)),
                         passes.get(a.course_id, {}), rules)
             for a in AssignmentCache(conn).list()]
    server = cached_outcomes(conn)
    if server is not None and server.year == today.year:
        items = [replace(i, server_credited=True) if i.course_id in server.credited else i for i in items]
    return MyCourses(items, summarize(items, today.year, rules=rules, level=level, as_of=today), server, today)


def site_today(conn: sqlite3.Connection, rules: Rules, now: datetime | None = None) -> date:
    """Today on the site's calendar (the rules' UTC offset) by the server's clock: this PC's clock
    (``now``, default the current time) moved by how far the server's was from it at the last sync
    (sync.records.server_view); this PC's own clock when it never synced. An office PC's clock may
    be years off (a dead CMOS battery); the server's is kept right. Every "today" of the app
    (overdue courses, reminders, this year's summary) is this one."""
    moment = (now or datetime.now(UTC)) + timedelta(seconds=cached_server_clock(conn) or 0.0)
    found = rules.year.local_date(moment.astimezone(UTC).isoformat())
    assert found is not None  # a datetime's own ISO text always reads back
    return found


def quiz_names(manifest: Manifest, required_only: bool = False) -> list[str]:
    """The name each quiz of the manifest is passed under, ``quiz:<id>`` (a quiz's id is its
    lesson's unless the course names it otherwise); with ``required_only`` only the quizzes
    that must be passed for the course to count."""
    return [quiz.name for quiz in manifest.quizzes if quiz.required or not required_only]


def course_facts(assignment: Assignment, manifest: Manifest | None, progress: Mapping[str, LessonProgress],
                 passed: Mapping[str, str]) -> CourseFacts:
    """The course as the rules engine reads it: from its manifest, else from what the server said
    (how many quizzes, whether an exam) and the lessons the player saved (each to be watched whole);
    with neither, one lesson not known on this PC, which cannot be done."""
    credit = Decimal(repr(float(assignment.credit_hours or 0.0)))
    if manifest is not None:
        lessons = tuple(LessonFacts(e.id, e.duration_s) for e in manifest.lessons)
        return CourseFacts(assignment.course_id, lessons, manifest.policy.completion_ratio,
                           tuple(quiz_names(manifest, required_only=True)),
                           manifest.exam is not None and manifest.exam.required, credit, assignment.required)
    lessons = tuple(LessonFacts(lesson_id, p.duration_s) for lesson_id, p in progress.items()) or (
        LessonFacts("", 0.0),)
    count = assignment.quizzes or 0
    known = sorted(name for name in passed if name.startswith("quiz:"))[:count]
    quizzes = tuple(known) + tuple(f"?{i}" for i in range(count - len(known)))  # not passed: their ids are unknown
    return CourseFacts(assignment.course_id, lessons, 1.0, quizzes, bool(assignment.exam), credit, assignment.required)


def course_evidence(progress: Mapping[str, LessonProgress], passed: Mapping[str, str], last_study: str | None,
                    rules: Rules) -> CourseEvidence:
    """This PC's evidence for one course, each timestamp turned into the site's calendar day."""
    def day(*stamps: str | None) -> date:
        for stamp in stamps:
            if stamp and (when := rules.year.local_date(stamp)) is not None:
                return when
        return date.min

    lessons = {lesson_id: LessonEvidence(p.covered_s, day(p.completed_at, p.updated_at, last_study))
               for lesson_id, p in progress.items()}
    quizzes = {name: day(stamp) for name, stamp in passed.items() if name.startswith("quiz:")}
    return CourseEvidence(lessons, quizzes, day(passed["exam"]) if "exam" in passed else None)


def course_item(assignment: Assignment, manifest: Manifest | None, store: CourseStore | None,
                progress: Mapping[str, LessonProgress], stats: tuple[int, str | None],
                passed: Mapping[str, str] | None = None, rules: Rules = DEFAULT_RULES) -> CourseItem:
    """One assigned course as "my courses" shows it; ``passed`` names the quizzes and exam passed,
    each with the time of its first passing record."""
    passed = passed or {}
    coverage = course_coverage(manifest, progress)
    present, total = store.course_state(manifest) if manifest is not None and store is not None else (0, 0)
    if manifest is None and assignment.size_bytes:
        total = assignment.size_bytes  # what the server said the download weighs
    pending, last = stats
    facts = course_facts(assignment, manifest, progress, passed)
    outcome = course_outcome(facts, course_evidence(progress, passed, last, rules), rules)
    return CourseItem(
        course_id=assignment.course_id,
        title=assignment.title,
        required=assignment.required,
        due=_due(assignment.due),
        credit_hours=float(assignment.credit_hours or 0.0),
        coverage=coverage,
        completed=outcome.counts,
        downloaded=manifest is not None and total > 0 and present >= total,
        bytes_present=present,
        bytes_total=total,
        pending_records=pending,
        last_study=last,
        duration_s=sum(max(0.0, e.duration_s) for e in manifest.lessons) if manifest is not None else 0.0,
        on_this_pc=manifest is not None,
        published=manifest is not None or assignment.latest_version is not None,
        videos_done=outcome.lessons_done,
        quizzes_total=outcome.quizzes_total,
        quizzes_passed=outcome.quizzes_passed,
        exam_required=outcome.exam_required,
        exam_passed="exam" in passed,
        class_name=assignment.class_name,
        outcome=outcome,
    )


def sort_key(item: CourseItem, today: date) -> tuple[bool, bool, bool, date, str]:
    """The order "my courses" lists courses in: overdue first, then required, unfinished before
    complete, then by due date and title."""
    return (not item.overdue(today), not item.required, item.completed, item.due or date.max, item.title)


def summarize(items: list[CourseItem], year: int, target_hours: float = 0.0, *, rules: Rules = DEFAULT_RULES,
              level: str | None = None, as_of: date | None = None) -> Summary:
    """The ``year`` of the courses in ``items`` under ``rules`` (with ``target_hours`` standing in
    for a missing minimum), split into what the server confirmed and what waits on this PC."""
    rules = client_rules(target_hours, rules)
    outcomes = [i.outcome for i in items if i.outcome is not None]
    standing = year_summary(outcomes, year, level, rules, as_of)
    synced = pending = ZERO
    for item in items:
        if item.outcome is not None and item.outcome.year == year:
            if item.pending_records:
                pending += item.outcome.credit
            else:
                synced += item.outcome.credit
    target = standing.target
    return Summary(year, float(standing.required + standing.elective), float(standing.required),
                   float(standing.elective), float(synced), float(pending), sum(i.pending_records for i in items),
                   float(max(target.total, target.required + target.elective)), float(target.required),
                   float(target.elective), float(standing.carried_in), standing.standing)


def _due(value: str | None) -> date | None:
    if value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
