"""Lesson progress in the profile database, saved together with the player's watch records.

``save_checkpoint`` appends one signed "watch" record to the outbox AND upserts the lesson's
``lesson_progress`` row inside the same SQLite transaction (``Outbox.append(..., also=...)``):
after a crash or ``kill -9`` either both are there or neither is, so the saved resume position
is always the last checkpoint's and the progress row never runs ahead of the records.

The upsert merges rather than overwrites: coverage is the union of what was stored and what is
saved now, study time and completion never go down (two windows or a stale writer cannot undo
progress). The checkpoint body is the player's ``WatchCheckpoint.to_body()``; this module does
not import the player's accounting (sync uses only the player's pure kernel), so it checks the
values it stores itself.
Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sync.account.profile_db import schema
from sync.protocol.errors import FormatError
from sync.protocol.records import utc_now

if TYPE_CHECKING:
    from sync.protocol.records import Record
    from sync.records.outbox import Outbox

schema.step(
    "lesson_progress.1",
    """
    CREATE TABLE lesson_progress (
        course_id TEXT NOT NULL,
        lesson_id TEXT NOT NULL,
        position_s REAL NOT NULL CHECK (position_s >= 0),
        covered_segments TEXT NOT NULL,
        covered_s REAL NOT NULL CHECK (covered_s >= 0),
        duration_s REAL NOT NULL CHECK (duration_s >= 0),
        study_s REAL NOT NULL CHECK (study_s >= 0),
        completed INTEGER NOT NULL CHECK (completed IN (0, 1)),
        completed_at TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (course_id, lesson_id)
    )
    """,
)

WATCH_RECORD = "watch"


@dataclass(frozen=True, slots=True)
class LessonProgress:
    """One person's progress in one lesson. Seconds; segments are covered media intervals [start, end)."""

    position_s: float = 0.0
    covered_segments: Sequence[tuple[float, float]] = field(default_factory=tuple)
    covered_s: float = 0.0
    duration_s: float = 0.0
    study_s: float = 0.0
    completed: bool = False
    completed_at: str | None = None
    updated_at: str | None = None


def _finite(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise FormatError("bad_field", f"lesson progress: {name} must be a finite number >= 0, not {value!r}")
    return float(value)


def merge_segments(segments: Iterable[Sequence[float]]) -> list[tuple[float, float]]:
    """Sorted, disjoint union of ``segments`` (touching ones joined); FormatError on a malformed one."""
    pairs = []
    for seg in segments:
        if len(seg) != 2:
            raise FormatError("bad_field", f"lesson progress: segment {seg!r} is not a pair")
        start, end = _finite(seg[0], "segment start"), _finite(seg[1], "segment end")
        if end > start:
            pairs.append((start, end))
    merged: list[tuple[float, float]] = []
    for start, end in sorted(pairs):
        if merged and start <= merged[-1][1] + 1e-6:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _row_to_progress(row: sqlite3.Row) -> LessonProgress:
    return LessonProgress(
        position_s=float(row["position_s"]),
        covered_segments=[(float(s), float(e)) for s, e in json.loads(row["covered_segments"])],
        covered_s=float(row["covered_s"]),
        duration_s=float(row["duration_s"]),
        study_s=float(row["study_s"]),
        completed=bool(row["completed"]),
        completed_at=row["completed_at"],
        updated_at=row["updated_at"],
    )


def _upsert(conn: sqlite3.Connection, course_id: str, lesson_id: str, progress: LessonProgress, now: str) -> None:
    """Merge ``progress`` into the stored row (inside the caller's transaction)."""
    row = conn.execute(
        "SELECT * FROM lesson_progress WHERE course_id = ? AND lesson_id = ?", (course_id, lesson_id)
    ).fetchone()
    old = _row_to_progress(row) if row is not None else LessonProgress()
    segments = merge_segments([*old.covered_segments, *progress.covered_segments])
    completed = old.completed or progress.completed
    completed_at = old.completed_at or (now if completed else None)
    conn.execute(
        "INSERT INTO lesson_progress (course_id, lesson_id, position_s, covered_segments, covered_s, duration_s,"
        " study_s, completed, completed_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (course_id, lesson_id) DO UPDATE SET position_s = excluded.position_s,"
        " covered_segments = excluded.covered_segments, covered_s = excluded.covered_s,"
        " duration_s = excluded.duration_s, study_s = excluded.study_s, completed = excluded.completed,"
        " completed_at = excluded.completed_at, updated_at = excluded.updated_at",
        (
            course_id, lesson_id, _finite(progress.position_s, "position_s"),
            json.dumps([[s, e] for s, e in segments]), sum(e - s for s, e in segments),
            _finite(progress.duration_s, "duration_s") or old.duration_s,
            max(old.study_s, _finite(progress.study_s, "study_s")), int(completed), completed_at, now,
        ),
    )


def save_checkpoint(
    outbox: Outbox, course_id: str, lesson_id: str, checkpoint_body: dict[str, Any], progress: LessonProgress,
    *, version: int | None = None,
) -> Record:
    """Append a "watch" record and update the lesson's progress row in ONE transaction.

    ``version`` is the course version being played: the server credits the record against that
    published version (without it, against the newest version that has the lesson)."""
    merge_segments(checkpoint_body.get("segments", []))  # refuse a malformed body before signing it
    if version is not None:
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise FormatError("bad_field", f"lesson progress: version must be a whole number >= 1, not {version!r}")
        checkpoint_body = {**checkpoint_body, "version": version}
    _finite(progress.position_s, "position_s")
    schema.apply(outbox.conn)  # the outbox's connection may predate this module's import
    now = utc_now()
    return outbox.append(
        WATCH_RECORD, course_id, lesson_id, checkpoint_body,
        also=lambda conn: _upsert(conn, course_id, lesson_id, progress, now),
    )


def load_progress(conn: sqlite3.Connection, course_id: str) -> dict[str, LessonProgress]:
    """Every lesson's saved progress in ``course_id``, by lesson id."""
    schema.apply(conn)
    rows = conn.execute("SELECT * FROM lesson_progress WHERE course_id = ? ORDER BY lesson_id", (course_id,))
    return {row["lesson_id"]: _row_to_progress(row) for row in rows}
