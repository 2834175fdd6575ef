"""我的学习 on the task lanes: the assignments from the server, and the "my courses" computation
(sync.records.my_courses) over the signed-in person's profile database.

``fetch_assignments`` runs on the network lane; ``cache_assignments`` and ``load_my_courses``
open the person's profile database and run on the SQLite lane. Must not import widgets.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sync.records.my_courses import CourseStore, MyCourses, my_courses

if TYPE_CHECKING:  # the engines load after the first window shows
    from sync.account.auth import UserSession


def fetch_assignments(session: UserSession) -> list[dict[str, Any]]:
    """Network lane: this person's assignments from the server."""
    return session.api.assignments()


def cache_assignments(session: UserSession, assignments: list[dict[str, Any]]) -> None:
    """SQLite lane: replace the offline cache with what the server said."""
    from sync.account.assignments import AssignmentCache

    conn = session.db()
    try:
        AssignmentCache(conn).replace(assignments)
    finally:
        conn.close()


def load_my_courses(session: UserSession, store: CourseStore | None, today: date | None = None,
                    target_hours: float = 0.0) -> MyCourses:
    """SQLite lane: every assigned course with its coverage, download state and records, and the
    summary against the site's yearly target (``target_hours``, 0 for none)."""
    conn = session.db()
    try:
        return my_courses(conn, store, today, target_hours)
    finally:
        conn.close()
