"""Lesson progress in the profile database, saved together with the player's watch records.

Two kinds of save, both one SQLite transaction:

- ``save_progress`` (every few seconds while playing): only the lesson's ``lesson_progress``
  row, which also keeps the *pending* delta, the open span's unsigned watch body. A crash or
  ``kill -9`` loses at most one local save interval.
- ``save_checkpoint`` (a span closes: at most every minute while playing, and on pause, seek,
  end and close): one signed v2 "watch" record appended to the outbox AND the row updated with
  no pending delta (``Outbox.append(..., also=...)``), so either both land or neither does.
  ``sign_pending`` signs a pending delta left by a crash (the app does it before it plays).

So one hour of watching makes about 60 records, not 720, and nothing is lost that the old
cadence kept.

The progress row is not a trust anchor: anyone can edit the database. ``trusted_progress``
rebuilds the coverage a player may rely on (its seek limit) from the outbox's signed records
of this device (signatures checked), plus the pending delta clipped to what one span can add;
a row claiming more changes nothing. The row still gives the resume position (clipped by the
caller to the trusted coverage when the course forbids seeking ahead) and the course page's
display.

The upsert merges rather than overwrites: coverage is the union of what was stored and what is
saved now, study time and completion never go down (two windows or a stale writer cannot undo
progress). The checkpoint body is the player's ``WatchCheckpoint.to_body()``; this module does
not import the player's accounting (sync uses only the player's pure kernel), so it checks the
values it stores itself.
Must not import Qt, client/, player/ (except its pure interval kernel) or server/.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from player.intervals import IntervalSet
from sync.protocol.errors import FormatError, SyncError
from sync.protocol.records import V2, RecordVerifier, utc_now
from sync.protocol.watch import seconds_view, to_v2
from sync.storage.sqlite import transaction

if TYPE_CHECKING:
    from sync.protocol.records import Record
    from sync.records.outbox import Outbox

log = logging.getLogger(__name__)


WATCH_RECORD = "watch"

RECORD_SPAN_S = 60.0
"""A span of watching closes into a signed record at least this long after the previous one."""

LOCAL_SAVE_S = 5.0
"""The progress row (with the pending delta) is saved this often while playing."""

PENDING_REACH_S = RECORD_SPAN_S + 2 * LOCAL_SAVE_S
"""The longest a span can last before it is signed (its last local save may come late)."""

PENDING_SLACK_S = 1.0
"""Media seconds a span may play beyond ``PENDING_REACH_S x max_rate`` (the player's jitter)."""


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


def _upsert(conn: sqlite3.Connection, course_id: str, lesson_id: str, progress: LessonProgress, now: str,
            pending: dict[str, Any] | None = None) -> None:
    """Merge ``progress`` into the stored row and set its pending delta (inside the caller's
    transaction)."""
    row = conn.execute(
        "SELECT * FROM lesson_progress WHERE course_id = ? AND lesson_id = ?", (course_id, lesson_id)
    ).fetchone()
    old = _row_to_progress(row) if row is not None else LessonProgress()
    # milliseconds, like the signed records: the coverage rebuilt from them is the row's to the last bit
    segments = merge_segments([(round(a, 3), round(b, 3)) for a, b in
                               merge_segments([*old.covered_segments, *progress.covered_segments])])
    completed = old.completed or progress.completed
    completed_at = old.completed_at or (now if completed else None)
    conn.execute(
        "INSERT INTO lesson_progress (course_id, lesson_id, position_s, covered_segments, covered_s, duration_s,"
        " study_s, completed, completed_at, updated_at, pending) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (course_id, lesson_id) DO UPDATE SET position_s = excluded.position_s,"
        " covered_segments = excluded.covered_segments, covered_s = excluded.covered_s,"
        " duration_s = excluded.duration_s, study_s = excluded.study_s, completed = excluded.completed,"
        " completed_at = excluded.completed_at, updated_at = excluded.updated_at, pending = excluded.pending",
        (
            course_id, lesson_id, _finite(progress.position_s, "position_s"),
            json.dumps([[s, e] for s, e in segments]), sum(e - s for s, e in segments),
            _finite(progress.duration_s, "duration_s") or old.duration_s,
            max(old.study_s, _finite(progress.study_s, "study_s")), int(completed), completed_at, now,
            None if pending is None else json.dumps(pending, ensure_ascii=False, sort_keys=True),
        ),
    )


def _watch_body(body: dict[str, Any], version: int | None) -> dict[str, Any]:
    """``body`` checked (FormatError before anything is signed or saved), with ``version``."""
    merge_segments(body.get("segments", []))
    if version is not None:
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise FormatError("bad_field", f"lesson progress: version must be a whole number >= 1, not {version!r}")
        body = {**body, "version": version}
    return body


def save_checkpoint(
    outbox: Outbox, course_id: str, lesson_id: str, checkpoint_body: dict[str, Any], progress: LessonProgress,
    *, version: int | None = None,
) -> Record:
    """Close a span: append a signed v2 "watch" record of ``checkpoint_body`` (the player's
    seconds body, signed in milliseconds) and update the lesson's progress row, its pending
    delta cleared, in ONE transaction.

    ``version`` is the course version being played: the server credits the record against that
    published version (without it, against the newest version that has the lesson)."""
    body = _watch_body(checkpoint_body, version)
    _finite(progress.position_s, "position_s")
    now = utc_now()
    return outbox.append(
        WATCH_RECORD, course_id, lesson_id, to_v2(body), v=V2,
        also=lambda conn: _upsert(conn, course_id, lesson_id, progress, now),
    )


def save_progress(
    conn: sqlite3.Connection, course_id: str, lesson_id: str, pending_body: dict[str, Any] | None,
    progress: LessonProgress, *, version: int | None = None,
) -> None:
    """The local save between records: the lesson's progress row and the open span's delta
    (``pending_body``, None when the span holds nothing to sign), in one transaction."""
    pending = _watch_body(pending_body, version) if pending_body is not None else None
    _finite(progress.position_s, "position_s")
    now = utc_now()
    with transaction(conn) as c:
        _upsert(c, course_id, lesson_id, progress, now, pending)


def sign_pending(outbox: Outbox, max_rate_of: Callable[[str, str], float | None]) -> list[Record]:
    """Sign every pending delta a crash left in this profile (the app runs this before playing).

    ``max_rate_of(course, lesson)`` is the published fastest rate (None: course not on this PC,
    the delta waits). A delta is clipped like ``trusted_progress`` clips it before it is signed,
    so an edited row cannot become a signed claim; an unreadable one is dropped."""
    rows = outbox.conn.execute(
        "SELECT course_id, lesson_id, pending FROM lesson_progress WHERE pending IS NOT NULL").fetchall()
    out: list[Record] = []
    for course_id, lesson_id, text in rows:
        max_rate = max_rate_of(course_id, lesson_id)
        if max_rate is None:
            continue
        body = _readable_pending(text)
        signed = signed_coverage(outbox, course_id, lesson_id)
        if body is not None:
            body = {**body, "segments": [list(s) for s in clip_pending(signed, body["segments"], max_rate)]}

        def clear(conn: sqlite3.Connection, c: str = course_id, lesson: str = lesson_id) -> None:
            conn.execute("UPDATE lesson_progress SET pending = NULL WHERE course_id = ? AND lesson_id = ?",
                         (c, lesson))

        if body is None or not (body["segments"] or body.get("study_s", 0) > 0):
            with transaction(outbox.conn) as conn:
                clear(conn)
            continue
        out.append(outbox.append(WATCH_RECORD, course_id, lesson_id, to_v2(body), v=V2, also=clear))
    return out


def _readable_pending(text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(text)
        if not isinstance(body, dict):
            raise FormatError("bad_field", "pending delta is not an object")
        merge_segments(body.get("segments", []))
        return body
    except (ValueError, TypeError, SyncError) as exc:
        log.warning("dropping an unreadable pending delta: %s", exc)
        return None


def clip_pending(signed: IntervalSet, segments: Iterable[Sequence[float]],
                 max_rate: float) -> list[tuple[float, float]]:
    """The part of a pending delta one span can have added to ``signed`` coverage: nothing past
    ``PENDING_REACH_S x max_rate`` (plus slack) beyond its furthest point, and no more media than
    that in total (earliest first)."""
    bound = PENDING_REACH_S * max(0.0, max_rate) + PENDING_SLACK_S
    reach = (signed.max_end if signed else 0.0) + bound
    kept = IntervalSet(merge_segments(segments)).clipped(0.0, reach)
    out: list[tuple[float, float]] = []
    left = bound
    for start, end in kept:
        if left <= 0:
            break
        take = min(end - start, left)
        out.append((start, start + take))
        left -= take
    return out


def signed_coverage(outbox: Outbox, course_id: str, lesson_id: str) -> IntervalSet:
    """The union of the media segments of this device's signed watch records of one lesson; a
    record whose signature does not verify (an edited database) counts for nothing."""
    from sync.storage.record_table import record_from_row, select_list

    verifier = RecordVerifier(outbox.signer.public_key)
    covered = IntervalSet()
    rows = outbox.conn.execute(
        f"SELECT {select_list()} FROM outbox_records WHERE device_id = ? AND user_id = ? AND type = ?"
        " AND course_id = ? AND lesson_id = ? ORDER BY seq",
        (outbox.signer.device_id, outbox.signer.user_id, WATCH_RECORD, course_id, lesson_id))
    for row in rows:
        try:
            record = record_from_row(row)
            if not verifier.verify(record, record.signing_bytes()):
                log.warning("outbox record %s does not verify: not counted", record.id)
                continue
            covered.update(merge_segments(seconds_view(record.body, record.v).get("segments", [])))
        except (ValueError, TypeError, SyncError) as exc:
            log.warning("unreadable outbox record: not counted (%s)", exc)
    return covered


def trusted_progress(outbox: Outbox, course_id: str, lesson_id: str, *, max_rate: float) -> LessonProgress | None:
    """The lesson's progress with its coverage from signed records plus the clipped pending
    delta (see the module text); position, study time and the rest from the row. None: no row
    and no record."""
    row = outbox.conn.execute("SELECT * FROM lesson_progress WHERE course_id = ? AND lesson_id = ?",
                              (course_id, lesson_id)).fetchone()
    covered = signed_coverage(outbox, course_id, lesson_id)
    if row is None and not covered:
        return None
    stored = _row_to_progress(row) if row is not None else LessonProgress()
    body = _readable_pending(row["pending"]) if row is not None and row["pending"] is not None else None
    if body is not None:
        covered.update(clip_pending(covered, body["segments"], max_rate))
    segments = covered.to_list()
    return LessonProgress(position_s=stored.position_s, covered_segments=segments, covered_s=covered.length,
                          duration_s=stored.duration_s, study_s=stored.study_s, completed=stored.completed,
                          completed_at=stored.completed_at, updated_at=stored.updated_at)


def load_progress(conn: sqlite3.Connection, course_id: str) -> dict[str, LessonProgress]:
    """Every lesson's saved progress in ``course_id``, by lesson id."""
    rows = conn.execute("SELECT * FROM lesson_progress WHERE course_id = ? ORDER BY lesson_id", (course_id,))
    return {row["lesson_id"]: _row_to_progress(row) for row in rows}
