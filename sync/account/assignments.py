"""The signed-in person's assignments, cached in their profile database for offline use.

``AssignmentCache(conn).replace(items)`` stores what the server answered (in one transaction);
``.list()`` gives it back when offline. Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from sync.protocol.records import utc_now
from sync.storage.sqlite import transaction

MAX_CLASS_NAME = 200


@dataclass(frozen=True, slots=True)
class Assignment:
    course_id: str
    title: str
    required: bool
    due: str | None
    credit_hours: float | None
    latest_version: int | None  # None: the server has not published this course
    size_bytes: int | None = None  # the latest version's files, as the server reported them
    quizzes: int | None = None  # how many quizzes and whether an exam the latest version has (None: not said)
    exam: bool | None = None
    class_name: str | None = None  # the training class (培训班) the course is assigned through, if any

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Assignment:
        def num(v: Any) -> float | None:
            return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

        version, size, quizzes, exam = d.get("latest_version"), d.get("size_bytes"), d.get("quizzes"), d.get("exam")
        class_name = d.get("class_name")
        return cls(
            course_id=str(d["course_id"]),
            title=str(d.get("title") or d["course_id"]),
            required=bool(d.get("required")),
            due=d["due"] if isinstance(d.get("due"), str) else None,
            credit_hours=num(d.get("credit_hours")),
            latest_version=version if isinstance(version, int) and not isinstance(version, bool) else None,
            size_bytes=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
            quizzes=quizzes if isinstance(quizzes, int) and not isinstance(quizzes, bool) and quizzes >= 0 else None,
            exam=exam if isinstance(exam, bool) else None,
            class_name=(class_name.strip()[:MAX_CLASS_NAME] or None) if isinstance(class_name, str) else None,
        )


class AssignmentCache:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def replace(self, items: list[dict[str, Any]]) -> list[Assignment]:
        pairs = [(Assignment.from_dict(d), d) for d in items
                 if isinstance(d, dict) and isinstance(d.get("course_id"), str)]
        with transaction(self.conn) as conn:
            conn.execute("DELETE FROM assignments_cache")
            for a, raw in pairs:
                conn.execute(
                    "INSERT OR REPLACE INTO assignments_cache VALUES (?,?,?,?,?,?,?)",
                    (a.course_id, a.title, int(a.required), a.due, a.credit_hours, a.latest_version,
                     json.dumps(raw, ensure_ascii=False)),
                )
            conn.execute("INSERT OR REPLACE INTO assignments_cache_meta VALUES ('updated_at', ?)", (utc_now(),))
        return [a for a, _ in pairs]

    def list(self) -> list[Assignment]:
        rows = self.conn.execute(
            "SELECT course_id, title, required, due, credit_hours, latest_version, raw FROM assignments_cache "
            "ORDER BY required DESC, COALESCE(due, '9999'), course_id"
        ).fetchall()
        return [_with_raw(Assignment(r[0], r[1], bool(r[2]), r[3], r[4], r[5]), r[6]) for r in rows]

    def get(self, course_id: str) -> Assignment | None:
        return next((a for a in self.list() if a.course_id == course_id), None)

    def updated_at(self) -> str | None:
        row = self.conn.execute("SELECT value FROM assignments_cache_meta WHERE key = 'updated_at'").fetchone()
        return str(row[0]) if row else None


def _with_raw(row: Assignment, raw: str) -> Assignment:
    """The cached row with what only the server's raw answer holds (size, quizzes, exam, class)."""
    try:
        full = Assignment.from_dict(json.loads(raw))
    except (ValueError, KeyError, TypeError):
        return row
    return replace(row, size_bytes=full.size_bytes, quizzes=full.quizzes, exam=full.exam,
                   class_name=full.class_name)
