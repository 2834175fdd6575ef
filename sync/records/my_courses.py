"""What "my courses" shows: every assigned course's coverage, download state and records, and
the annual summary of credit hours.

``my_courses(conn, store)`` joins the cached assignments (sync.account.assignments) with the
content store (which manifest and how many bytes are on this PC), the person's lesson progress
and the outbox (what the server acknowledged and what is still waiting). The desktop window
and ``studydesk courses`` both show this one computation.

Coverage is covered media time over the course's media time, each lesson counting for at most
its own duration, so a lesson watched past its length (or a lesson dropped from the course)
cannot make up for one not watched. A course is complete when its coverage reaches the course
policy's completion ratio AND every quiz and the exam its manifest defines were passed (by the
person's quiz and exam records); only a complete course is credited. Its credit hours count for
the year of its latest study record, as "synced" once every record of that course was
acknowledged by the server, else as "pending on this PC". The yearly target is the site's
``yearly_target_hours`` (the same for everyone on the site; 0 when none is set).
Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sync.account.assignments import Assignment, AssignmentCache
from sync.protocol.manifest import Manifest
from sync.records.outbox import course_record_stats, passed_assessments
from sync.records.progress import LessonProgress, load_progress


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

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today and not self.completed

    @property
    def missing(self) -> tuple[str, ...]:
        """What still stands between this course and completion: "videos", "quizzes", "exam"."""
        if self.completed:
            return ()
        out = [] if self.videos_done else ["videos"]
        if self.quizzes_passed < self.quizzes_total:
            out.append("quizzes")
        if self.exam_required and not self.exam_passed:
            out.append("exam")
        return tuple(out)

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


@dataclass(frozen=True, slots=True)
class MyCourses:
    items: list[CourseItem] = field(default_factory=list)
    summary: Summary = field(default_factory=lambda: Summary(date.today().year))


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


def my_courses(conn: sqlite3.Connection, store: CourseStore | None, today: date | None = None,
               target_hours: float = 0.0) -> MyCourses:
    """Every cached assignment with its coverage, download state and records; the summary for
    ``today``'s year against ``target_hours`` (the site's yearly target, 0 for none)."""
    today = today or date.today()
    stats = course_record_stats(conn)
    passed = passed_assessments(conn)
    items = [course_item(a, store.manifest(a.course_id) if store is not None else None, store,
                         load_progress(conn, a.course_id), stats.get(a.course_id, (0, None)),
                         passed.get(a.course_id, set()))
             for a in AssignmentCache(conn).list()]
    return MyCourses(items, summarize(items, today.year, target_hours))


def quiz_names(manifest: Manifest) -> list[str]:
    """The name each quiz of the manifest is passed under: its ``id``, else its ``lesson``, else its place."""
    names = []
    for index, quiz in enumerate(manifest.quizzes, start=1):
        name = quiz.get("id") or quiz.get("lesson")
        names.append(f"quiz:{name}" if isinstance(name, str) and name else f"quiz:{index}")
    return names


def course_item(assignment: Assignment, manifest: Manifest | None, store: CourseStore | None,
                progress: Mapping[str, LessonProgress], stats: tuple[int, str | None],
                passed: set[str] | frozenset[str] = frozenset()) -> CourseItem:
    """One assigned course as "my courses" shows it; ``passed`` names the quizzes and exam passed."""
    coverage = course_coverage(manifest, progress)
    ratio = manifest.policy.completion_ratio if manifest is not None else 1.0
    present, total = store.course_state(manifest) if manifest is not None and store is not None else (0, 0)
    if manifest is None and assignment.size_bytes:
        total = assignment.size_bytes  # what the server said the download weighs
    pending, last = stats
    if manifest is not None:
        quizzes = quiz_names(manifest)
        quizzes_passed = sum(1 for q in quizzes if q in passed)
        exam_required = manifest.exam is not None
    else:  # not on this PC: what the server said the course asks
        quizzes = [""] * (assignment.quizzes or 0)
        quizzes_passed = min(len(quizzes), sum(1 for q in passed if q.startswith("quiz:")))
        exam_required = bool(assignment.exam)
    videos_done = coverage >= ratio - 1e-9 and coverage > 0
    return CourseItem(
        course_id=assignment.course_id,
        title=assignment.title,
        required=assignment.required,
        due=_due(assignment.due),
        credit_hours=float(assignment.credit_hours or 0.0),
        coverage=coverage,
        completed=videos_done and quizzes_passed >= len(quizzes) and (not exam_required or "exam" in passed),
        downloaded=manifest is not None and total > 0 and present >= total,
        bytes_present=present,
        bytes_total=total,
        pending_records=pending,
        last_study=last,
        duration_s=sum(max(0.0, e.duration_s) for e in manifest.lessons) if manifest is not None else 0.0,
        on_this_pc=manifest is not None,
        published=manifest is not None or assignment.latest_version is not None,
        videos_done=videos_done,
        quizzes_total=len(quizzes),
        quizzes_passed=quizzes_passed,
        exam_required=exam_required,
        exam_passed="exam" in passed,
        class_name=assignment.class_name,
    )


def sort_key(item: CourseItem, today: date) -> tuple[bool, bool, bool, date, str]:
    """The order "my courses" lists courses in: overdue first, then required, unfinished before
    complete, then by due date and title."""
    return (not item.overdue(today), not item.required, item.completed, item.due or date.max, item.title)


def summarize(items: list[CourseItem], year: int, target_hours: float = 0.0) -> Summary:
    credited = required = elective = synced = pending = 0.0
    for item in items:
        if not item.completed:
            continue
        when = item.last_study
        if when and _year_of(when) != year:
            continue
        credited += item.credit_hours
        if item.required:
            required += item.credit_hours
        else:
            elective += item.credit_hours
        if item.pending_records:
            pending += item.credit_hours
        else:
            synced += item.credit_hours
    return Summary(year, credited, required, elective, synced, pending, sum(i.pending_records for i in items),
                   max(0.0, target_hours))


def _due(value: str | None) -> date | None:
    if value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _year_of(timestamp: str) -> int | None:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).year
    except ValueError:
        return None
