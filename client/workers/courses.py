"""What 我的学习 shows, gathered off the GUI thread from the real engines.

``refresh_assignments`` (network lane) asks the server for this person's assignments and
caches them (sync.account.assignments); ``load_my_courses`` (SQLite lane) joins the cached
assignments with the content store (downloaded bytes), lesson progress (coverage) and the
outbox (what is synced and what is still waiting), and computes the annual summary.

A course counts as credited when its coverage reaches the course policy's completion ratio;
its credit hours count for the year of its latest study record, as "synced" once every
record of that course was acknowledged by the server, else as "pending on this PC".
Must not import widgets.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


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

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today and not self.completed

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


@dataclass(frozen=True, slots=True)
class MyCourses:
    items: list[CourseItem] = field(default_factory=list)
    summary: Summary = field(default_factory=lambda: Summary(date.today().year))


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, dict) else getattr(obj, key, default)


def _due(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def fetch_assignments(session: Any) -> list[dict[str, Any]]:
    """Network lane: this person's assignments from the server."""
    return list(session.api.assignments())


def cache_assignments(session: Any, assignments: list[dict[str, Any]]) -> None:
    """SQLite lane: replace the offline cache with what the server said."""
    from sync.account.assignments import AssignmentCache

    conn = session.db()
    try:
        AssignmentCache(conn).replace(assignments)
    finally:
        conn.close()


def _record_stats(conn: sqlite3.Connection) -> dict[str, tuple[int, str | None]]:
    """course_id -> (records not yet acknowledged, latest record time)."""
    rows = conn.execute(
        "SELECT r.course_id, SUM(CASE WHEN d.state IS NULL THEN 1 ELSE 0 END), MAX(r.created_at) "
        "FROM outbox_records r LEFT JOIN outbox_delivery d ON d.record_id = r.id "
        "WHERE r.course_id IS NOT NULL GROUP BY r.course_id").fetchall()
    return {r[0]: (int(r[1] or 0), r[2]) for r in rows}


def _coverage(store: Any, manifest: Any, progress: dict[str, Any]) -> float:
    if manifest is not None:
        total = sum(max(0.0, e.duration_s) for e in manifest.lessons)
    else:
        total = sum(float(_get(p, "duration_s", 0.0) or 0.0) for p in progress.values())
    if total <= 0:
        return 0.0
    covered = sum(min(float(_get(p, "covered_s", 0.0) or 0.0), float(_get(p, "duration_s", 0.0) or 1e18))
                  for p in progress.values())
    return max(0.0, min(1.0, covered / total))


def load_my_courses(session: Any, store: Any, today: date | None = None) -> MyCourses:
    """SQLite lane: assignments from the cache joined with the store, progress and the outbox."""
    from sync.account.assignments import AssignmentCache
    from sync.records.progress import load_progress

    today = today or date.today()
    conn = session.db()
    try:
        assignments = AssignmentCache(conn).list()
        stats = _record_stats(conn)
        items = [_item(a, store, conn, stats, load_progress) for a in assignments]
    finally:
        conn.close()
    return MyCourses(items, summarize(items, today.year))


def _item(a: Any, store: Any, conn: sqlite3.Connection, stats: dict[str, tuple[int, str | None]],
          load_progress: Any) -> CourseItem:
    course_id = str(_get(a, "course_id"))
    manifest = store.manifest(course_id) if store is not None else None
    progress = load_progress(conn, course_id)
    coverage = _coverage(store, manifest, progress)
    ratio = manifest.policy.completion_ratio if manifest is not None else 1.0
    present, total = store.course_state(manifest) if manifest is not None else (0, 0)
    pending, last = stats.get(course_id, (0, None))
    return CourseItem(
        course_id=course_id,
        title=str(_get(a, "title", course_id)),
        required=bool(_get(a, "required", False)),
        due=_due(_get(a, "due")),
        credit_hours=float(_get(a, "credit_hours", 0.0) or 0.0),
        coverage=coverage,
        completed=coverage >= ratio - 1e-9 and coverage > 0,
        downloaded=manifest is not None and total > 0 and present >= total,
        bytes_present=present,
        bytes_total=total,
        pending_records=pending,
        last_study=last,
    )


def summarize(items: list[CourseItem], year: int) -> Summary:
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
    return Summary(year, credited, required, elective, synced, pending, sum(i.pending_records for i in items))


def _year_of(timestamp: str) -> int | None:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).year
    except ValueError:
        return None
