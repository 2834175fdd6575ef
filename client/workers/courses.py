"""我的学习 on the task lanes: the assignments from the server, and the "my courses" computation
(sync.records.my_courses) over the signed-in person's profile database.

``fetch_assignments`` runs on the network lane; ``cache_assignments`` and ``load_my_courses``
open the person's profile database and run on the SQLite lane. Must not import widgets.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from sync.records.my_courses import CourseStore, MyCourses, my_courses

if TYPE_CHECKING:  # the engines load after the first window shows
    from sync.account.auth import UserSession

log = logging.getLogger(__name__)


Fetched = tuple[list[dict[str, Any]], dict[str, Any] | None]
"""The assignments and the site's credit rules (None from an older server)."""


def fetch_assignments(session: UserSession) -> Fetched:
    """Network lane: this person's assignments and the site's credit rules from the server."""
    return session.api.assignments_and_rules()


def cache_assignments(session: UserSession, fetched: Fetched) -> None:
    """SQLite lane: replace the offline cache with what the server said (rules that do not read
    as valid rules keep the ones saved before)."""
    from sync.account.assignments import AssignmentCache
    from sync.protocol.errors import FormatError
    from sync.records.server_view import store_rules

    assignments, rules = fetched
    conn = session.db()
    try:
        AssignmentCache(conn).replace(assignments)
        if rules is not None:
            try:
                store_rules(conn, rules)
            except FormatError as exc:
                log.warning("the server's credit rules were not kept: %s", exc)
    finally:
        conn.close()


def load_my_courses(session: UserSession, store: CourseStore | None, today: date | None = None,
                    target_hours: float = 0.0) -> MyCourses:
    """SQLite lane: every assigned course with its coverage, download state and records, and the
    summary under the site's rules as last fetched, against its yearly target (``target_hours``,
    0 for none, where the rules set none); the server's outcomes as of the last sync."""
    conn = session.db()
    try:
        return my_courses(conn, store, today, target_hours)
    finally:
        conn.close()
