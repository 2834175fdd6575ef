"""Server-confirmed progress for one user, summed from the credit decided at ingest.

Per course and lesson: credited seconds (the union of the credited media segments of every
watch record, so overlaps and replays never double count), the seconds set aside and why
(reason code -> seconds, see server.credit), the last position and how many records arrived.
Quiz and exam records are evidence of answers only: each is listed with the server's own grade
(server.grading: score, points, whether it counts as passed, the reason when it does not); a
score the client claims is never copied. Open gaps in a chain (a record whose
predecessor never arrived) are listed. Services only; no HTTP here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from player.intervals import union_length
from server.grading import AnswerKeys, AttemptGrade, grade_missing, grades_by_record, ungraded
from server.ingest import credit_missing, uncredited
from server.published import Published
from server.storage.engine import transaction
from server.storage.tables import record_credit, records
from sync.protocol.watch import seconds_view


def _position(body: dict[str, Any]) -> float | None:
    value = body.get("position_s")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _add(into: dict[str, float], more: dict[str, float]) -> None:
    for reason, seconds in more.items():
        into[reason] = round(into.get(reason, 0.0) + seconds, 3)


def _grade_entry(found: AttemptGrade | None) -> dict[str, Any]:
    """A transcript entry's grade: ``graded`` false until the server graded it; then the score and
    points (0 of 0 when it could not be graded), ``passed`` (counts as passed), the attempt's
    number and the reason it does not count (or null)."""
    if found is None:
        return {"graded": False, "score": None, "max_score": None, "passed": None, "attempt": None, "reason": None}
    return {"graded": True, "score": found.score or 0, "max_score": found.max_score or 0, "passed": found.counts,
            "attempt": found.attempt_no, "reason": found.reason}


def _gaps_queries() -> tuple[sa.Select[Any], sa.Select[Any]]:
    """``open_gaps``'s query: of everyone, and of one person (parameter ``user_id``). Built once:
    SQLAlchemy spends more on building the two aliases of ``records`` than the database on running it."""
    r, p = records.alias("r"), records.alias("p")
    before = sa.select(1).where(p.c.device_id == r.c.device_id, p.c.user_id == r.c.user_id, p.c.seq == r.c.seq - 1)
    query = sa.select(r.c.user_id, r.c.device_id, r.c.seq).where(r.c.seq > 1, ~before.exists())
    order = (r.c.user_id, r.c.device_id, r.c.seq)
    return query.order_by(*order), query.where(r.c.user_id == sa.bindparam("user_id")).order_by(*order)


_GAPS, _GAPS_OF = _gaps_queries()


def open_gaps(conn: Connection, user_id: str | None = None) -> list[dict[str, Any]]:
    """Stored records whose predecessor is missing: (user, device, the missing seq)."""
    rows = conn.execute(_GAPS_OF, {"user_id": user_id}) if user_id else conn.execute(_GAPS)
    return [{"user_id": u, "device_id": d, "missing_seq": s - 1} for u, d, s in rows]


def ensure_credited(conn: Connection, repo_dir: Path, user_id: str | None = None,
                    answer_keys_dir: Path | None = None) -> None:
    """Credit records stored before credit was decided at ingest, and (given the answer key
    folder) grade the attempts stored before the server graded (once; a no-op afterwards)."""
    if conn.execute(uncredited(user_id).limit(1)).first():
        with transaction(conn, people=[user_id] if user_id else None):
            credit_missing(conn, Published(repo_dir), user_id)
    if answer_keys_dir is None:
        return
    query, params = ungraded(user_id)
    if conn.execute(query.limit(1), params).first():
        with transaction(conn):
            grade_missing(conn, Published(repo_dir), AnswerKeys(answer_keys_dir), user_id)


_x, _c = records.c, record_credit.c
_RECORDS_OF = (
    sa.select(_x.rid, _x.id, _x.type, _x.course_id, _x.lesson_id, _x.body, _x.v, _x.created_at, _c.segments,
              _c.set_aside)
    .join_from(records, record_credit, _c.rid == _x.rid, isouter=True).where(_x.user_id == sa.bindparam("user_id"))
    .order_by(_x.created_at, _x.device_id, _x.seq))
"""A person's records with their credit, as the transcript reads them (parameter ``user_id``; built once)."""


def transcript(conn: Connection, user_id: str, repo_dir: Path, answer_keys_dir: Path | None = None) -> dict[str, Any]:
    """The person's transcript; with ``answer_keys_dir``, attempts not graded yet are graded first."""
    ensure_credited(conn, repo_dir, user_id, answer_keys_dir)
    grades = grades_by_record(conn, user_id)
    courses: dict[str, dict[str, Any]] = {}
    lessons: dict[tuple[str, str], dict[str, Any]] = {}
    segs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    total = 0
    rows = conn.execute(_RECORDS_OF, {"user_id": user_id})
    for rid, record_id, rtype, course_id, lesson_id, body_text, v, created_at, credited_text, aside_text in rows:
        total += 1
        if course_id is None:
            continue
        body = json.loads(body_text)
        course = courses.setdefault(course_id, {"course_id": course_id, "records": 0, "lessons": [], "quizzes": [],
                                                "exams": [], "set_aside": {}})
        course["records"] += 1
        if rtype in ("quiz", "exam"):
            quiz_id = body.get("quiz_id")
            entry = {"record_id": record_id, "lesson_id": lesson_id, "created_at": created_at,
                     "quiz_id": quiz_id if isinstance(quiz_id, str) else None, **_grade_entry(grades.get(int(rid)))}
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
