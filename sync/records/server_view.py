"""What the server last said of this person, kept for offline use: the site's credit rules and
this year's outcomes.

The rules come with the assignments (``GET /api/assignments?with=rules``); "my courses" then
makes its offline estimate with them, so the PC and the server count by the same rules. The
outcomes come with the transcript (``?with=outcomes``): the figure the server confirmed, the
standing against the target, the rankings (学分排名), the training classes with their scores
(培训班成绩) and the reminders (学习提醒), shown "as of the last sync" while offline; and how far the
server's clock was from this PC's at the last sync, so that "today" is the site's day even on a PC
whose clock is wrong (sync.records.my_courses.site_today); their shapes
are the protocol's (sync.protocol.outcomes), and an answer kept by an older version (no classes,
no reminders) still reads. Both are checked before they are kept (a malformed answer keeps the previous one) and
replaced whole. Not thread-safe: one connection per thread (the client's SQLite lane).
Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sync.protocol.errors import FormatError
from sync.protocol.outcomes import (
    ClassResult,
    Ranking,
    Reminder,
    classes_from_list,
    count,
    figure,
    ranking_from_dict,
    reminders_from_list,
)
from sync.protocol.records import utc_now
from sync.protocol.rules import Rules
from sync.protocol.rules_file import rules_from_dict, rules_to_dict
from sync.storage.sqlite import transaction


@dataclass(frozen=True, slots=True)
class ServerOutcomes:
    """This year as the server decided it, on its day ``as_of``; ``fetched_at``: when this PC got it."""

    as_of: str
    fetched_at: str
    year: int
    unit: str  # "hours" (学时) or "credits" (学分)
    required: Decimal
    elective: Decimal
    total: Decimal
    standing: str  # met, on_track, behind, no_target
    credited: frozenset[str]  # the courses the server counted
    ranking: Ranking | None
    classes: tuple[ClassResult, ...] = ()
    reminders: tuple[Reminder, ...] = ()


def parse_outcomes(obj: Any, fetched_at: str) -> ServerOutcomes:
    """The transcript's ``outcomes`` object; FormatError("bad_response") when it has not their shape."""
    if not isinstance(obj, dict) or not isinstance(obj.get("year"), dict) or not isinstance(obj.get("courses"), list):
        raise FormatError("bad_response", "outcomes: not an object with year and courses")
    year, raw_rank = obj["year"], obj.get("ranking")
    ranking = ranking_from_dict(raw_rank) if raw_rank is not None else None
    credited = frozenset(c["course_id"] for c in obj["courses"]
                         if isinstance(c, dict) and c.get("credited") is True and isinstance(c.get("course_id"), str))
    standing = year.get("standing")
    if standing not in ("met", "on_track", "behind", "no_target") or year.get("unit") not in ("hours", "credits"):
        raise FormatError("bad_response", "outcomes: unknown standing or unit")
    as_of = obj.get("as_of")
    return ServerOutcomes(as_of if isinstance(as_of, str) else "", fetched_at, count(year, "year"), year["unit"],
                          figure(year, "required"), figure(year, "elective"), figure(year, "total"), standing,
                          credited, ranking, classes_from_list(obj.get("classes")),
                          reminders_from_list(obj.get("reminders")))


def _put(conn: sqlite3.Connection, key: str, value: Any) -> None:
    with transaction(conn):
        conn.execute("INSERT INTO server_view (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) "
                     "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                     (key, json.dumps(value, ensure_ascii=False, sort_keys=True), utc_now()))


def _get(conn: sqlite3.Connection, key: str) -> tuple[Any, str] | None:
    row = conn.execute("SELECT value, updated_at FROM server_view WHERE key = ?", (key,)).fetchone()
    return (json.loads(row[0]), str(row[1])) if row is not None else None


def store_rules(conn: sqlite3.Connection, obj: Any) -> Rules:
    """Keep the site's rules (their JSON form) once they read as valid rules; FormatError otherwise."""
    rules = rules_from_dict(obj, "the server's rules")
    _put(conn, "rules", rules_to_dict(rules))
    return rules


def cached_rules(conn: sqlite3.Connection) -> Rules | None:
    """The site's rules as last fetched, or None (never fetched, or from an older server)."""
    found = _get(conn, "rules")
    if found is None:
        return None
    try:
        return rules_from_dict(found[0], "the saved rules")
    except FormatError:
        return None


def store_server_clock(conn: sqlite3.Connection, offset_s: float) -> None:
    """Keep how far the server's clock was from this PC's at a sync (server minus PC, in seconds)."""
    with transaction(conn):
        conn.execute("INSERT INTO server_clock (id, offset_s, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) "
                     "DO UPDATE SET offset_s = excluded.offset_s, updated_at = excluded.updated_at",
                     (float(offset_s), utc_now()))


def cached_server_clock(conn: sqlite3.Connection) -> float | None:
    """The server's clock minus this PC's at the last sync that learned it, in seconds; None if never."""
    row = conn.execute("SELECT offset_s FROM server_clock WHERE id = 1").fetchone()
    return float(row[0]) if row is not None else None


def store_outcomes(conn: sqlite3.Connection, obj: Any) -> ServerOutcomes:
    """Keep the transcript's ``outcomes`` once they have their shape; FormatError otherwise."""
    found = parse_outcomes(obj, utc_now())
    _put(conn, "outcomes", obj)
    return found


def cached_outcomes(conn: sqlite3.Connection) -> ServerOutcomes | None:
    """The outcomes as last fetched (with the time they were fetched), or None."""
    found = _get(conn, "outcomes")
    if found is None:
        return None
    try:
        return parse_outcomes(found[0], found[1])
    except FormatError:
        return None
