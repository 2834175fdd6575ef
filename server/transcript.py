"""Server-confirmed progress for one user, summed from the credit decided at ingest.

Per course and lesson: credited seconds (the union of the credited media segments of every
watch record, so overlaps and replays never double count), the seconds set aside and why
(reason code -> seconds, see server.credit), the last position and how many records arrived.
Quiz and exam records are evidence of answers only: they are listed as ungraded (the server
grades; a score the client claims is never copied). Open gaps in a chain (a record whose
predecessor never arrived) are listed. Services only; no HTTP here.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from player.intervals import union_length
from server.db import transaction
from server.ingest import credit_missing
from server.published import Published, repo_dir_of
from sync.protocol.watch import seconds_view


def _position(body: dict[str, Any]) -> float | None:
    value = body.get("position_s")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _add(into: dict[str, float], more: dict[str, float]) -> None:
    for reason, seconds in more.items():
        into[reason] = round(into.get(reason, 0.0) + seconds, 3)


def open_gaps(conn: sqlite3.Connection, user_id: str | None = None) -> list[dict[str, Any]]:
    """Stored records whose predecessor is missing: (user, device, the missing seq)."""
    sql = ("SELECT r.user_id, r.device_id, r.seq FROM records r WHERE r.seq > 1 AND NOT EXISTS "
           "(SELECT 1 FROM records p WHERE p.device_id = r.device_id AND p.user_id = r.user_id AND p.seq = r.seq - 1)"
           + (" AND r.user_id = ?" if user_id else "") + " ORDER BY r.user_id, r.device_id, r.seq")
    return [{"user_id": u, "device_id": d, "missing_seq": s - 1}
            for u, d, s in conn.execute(sql, (user_id,) if user_id else ())]


def ensure_credited(conn: sqlite3.Connection, user_id: str | None = None) -> None:
    """Credit records stored before credit was decided at ingest (once; a no-op afterwards)."""
    sql = "SELECT 1 FROM records r LEFT JOIN record_credit c ON c.rid = r.rid WHERE c.rid IS NULL"
    if conn.execute(sql + (" AND r.user_id = ?" if user_id else "") + " LIMIT 1",
                    (user_id,) if user_id else ()).fetchone():
        with transaction(conn):
            credit_missing(conn, Published(repo_dir_of(conn)), user_id)


def transcript(conn: sqlite3.Connection, user_id: str) -> dict[str, Any]:
    ensure_credited(conn, user_id)
    courses: dict[str, dict[str, Any]] = {}
    lessons: dict[tuple[str, str], dict[str, Any]] = {}
    segs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    total = 0
    rows = conn.execute(
        "SELECT r.type, r.course_id, r.lesson_id, r.body, r.v, r.created_at, c.segments, c.set_aside FROM records r "
        "LEFT JOIN record_credit c ON c.rid = r.rid WHERE r.user_id = ? ORDER BY r.created_at, r.device_id, r.seq",
        (user_id,),
    )
    for rtype, course_id, lesson_id, body_text, v, created_at, credited_text, aside_text in rows:
        total += 1
        if course_id is None:
            continue
        body = json.loads(body_text)
        course = courses.setdefault(course_id, {"course_id": course_id, "records": 0, "lessons": [], "quizzes": [],
                                                "exams": [], "set_aside": {}})
        course["records"] += 1
        if rtype in ("quiz", "exam"):
            entry = {"lesson_id": lesson_id, "created_at": created_at, "graded": False}
            if isinstance(body.get("quiz_id"), str):
                entry["quiz_id"] = body["quiz_id"]
            course["quizzes" if rtype == "quiz" else "exams"].append(entry)
        if lesson_id is None:
            continue
        key = (course_id, lesson_id)
        lesson = lessons.get(key)
        if lesson is None:
            lesson = lessons[key] = {"lesson_id": lesson_id, "credited_s": 0.0, "set_aside_s": 0.0, "set_aside": {},
                                     "last_position_s": None, "records": 0}
            course["lessons"].append(lesson)
        lesson["records"] += 1
        if rtype == "watch":
            segs.setdefault(key, []).extend((float(s), float(e)) for s, e in json.loads(credited_text or "[]"))
            _add(lesson["set_aside"], json.loads(aside_text or "{}"))
            pos = _position(seconds_view(body, v))
            if pos is not None:
                lesson["last_position_s"] = pos
    for key, lesson in lessons.items():
        lesson["credited_s"] = round(union_length(segs.get(key, [])), 3)
        lesson["set_aside_s"] = round(sum(lesson["set_aside"].values()), 3)
    for course in courses.values():
        course["credited_s"] = round(sum(x["credited_s"] for x in course["lessons"]), 3)
        for lesson in course["lessons"]:
            _add(course["set_aside"], lesson["set_aside"])
        course["set_aside_s"] = round(sum(course["set_aside"].values()), 3)
    gaps = [{"device_id": g["device_id"], "missing_seq": g["missing_seq"]} for g in open_gaps(conn, user_id)]
    return {"user_id": user_id, "records": total, "courses": sorted(courses.values(), key=lambda c: c["course_id"]),
            "gaps": gaps}
