"""Server-confirmed progress for one user, computed from the records the server stored.

Per course and lesson: credited seconds (the union of every watch record's credited media
segments, so overlaps and replays never double count), the last position, and how many
records arrived; quiz and exam results as recorded. Services only; no HTTP here.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from player.intervals import union_length


def _segments(body: dict[str, Any]) -> list[tuple[float, float]]:
    """Credited media intervals of a watch body, clipped to [0, duration] when the duration is known."""
    duration = body.get("duration_s")
    limit = float(duration) if isinstance(duration, (int, float)) and duration > 0 else float("inf")
    return [(max(a, 0.0), min(b, limit)) for a, b in _raw_segments(body) if min(b, limit) > max(a, 0.0)]


def _raw_segments(body: dict[str, Any]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for seg in body.get("segments") or []:
        if isinstance(seg, (list, tuple)) and len(seg) == 2 and all(isinstance(x, (int, float)) for x in seg):
            out.append((float(seg[0]), float(seg[1])))
        elif isinstance(seg, dict) and isinstance(seg.get("start"), (int, float)) and isinstance(
            seg.get("end"), (int, float)
        ):
            out.append((float(seg["start"]), float(seg["end"])))
    return out


def _position(body: dict[str, Any]) -> float | None:
    for key in ("position_s", "position"):
        if isinstance(body.get(key), (int, float)):
            return float(body[key])
    return None


def transcript(conn: sqlite3.Connection, user_id: str) -> dict[str, Any]:
    courses: dict[str, dict[str, Any]] = {}
    lessons: dict[tuple[str, str], dict[str, Any]] = {}
    segs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    total = 0
    rows = conn.execute(
        "SELECT type, course_id, lesson_id, body, created_at FROM records WHERE user_id = ? "
        "ORDER BY created_at, device_id, seq",
        (user_id,),
    )
    for rtype, course_id, lesson_id, body_text, created_at in rows:
        total += 1
        if course_id is None:
            continue
        body = json.loads(body_text)
        course = courses.setdefault(course_id, {"course_id": course_id, "records": 0, "lessons": [], "quizzes": [],
                                                "exams": []})
        course["records"] += 1
        if rtype in ("quiz", "exam"):
            course["quizzes" if rtype == "quiz" else "exams"].append(
                {"lesson_id": lesson_id, "created_at": created_at,
                 **{k: body[k] for k in ("score", "max_score", "passed", "quiz_id") if k in body}}
            )
        if lesson_id is None:
            continue
        key = (course_id, lesson_id)
        lesson = lessons.get(key)
        if lesson is None:
            lesson = lessons[key] = {"lesson_id": lesson_id, "credited_s": 0.0, "last_position_s": None,
                                     "records": 0}
            course["lessons"].append(lesson)
        lesson["records"] += 1
        if rtype == "watch":
            segs.setdefault(key, []).extend(_segments(body))
            pos = _position(body)
            if pos is not None:
                lesson["last_position_s"] = pos
    for key, lesson in lessons.items():
        lesson["credited_s"] = round(union_length(segs.get(key, [])), 3)
    for course in courses.values():
        course["credited_s"] = round(sum(x["credited_s"] for x in course["lessons"]), 3)
    return {"user_id": user_id, "records": total, "courses": sorted(courses.values(), key=lambda c: c["course_id"])}
