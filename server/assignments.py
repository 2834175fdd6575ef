"""Course assignments: required (必修) or elective (选修) courses for a user or a whole unit.

Title, credit hours, latest version, download size and how many quizzes and whether an exam
the course has come from the published repository (catalog.json and
the manifests under the data dir's repo/) when the course is published there; otherwise from
what the admin gave when assigning. Services only; no HTTP here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.storage.engine import transaction
from server.storage.tables import assignments
from server.users import User, get_user
from sync.protocol.catalog import Catalog
from sync.protocol.errors import FormatError, SyncError
from sync.protocol.manifest import check_id

_UPSERT = sa.text(
    "INSERT INTO assignments (course_id, target_kind, target, required, due, title, credit_hours) "
    "VALUES (:course_id, :kind, :target, :required, :due, :title, :credit_hours) "
    "ON CONFLICT (course_id, target_kind, target) DO UPDATE SET "
    "required = excluded.required, due = excluded.due, title = COALESCE(excluded.title, assignments.title), "
    "credit_hours = COALESCE(excluded.credit_hours, assignments.credit_hours)"
).bindparams(sa.bindparam("credit_hours", type_=sa.Double()), sa.bindparam("due", type_=sa.Text()),
             sa.bindparam("title", type_=sa.Text()))


def assign(
    conn: Connection,
    course_id: str,
    *,
    username: str | None = None,
    unit: str | None = None,
    required: bool,
    due: str | None = None,
    title: str | None = None,
    credit_hours: float | None = None,
    repo_dir: Path,
    force: bool = False,
) -> str:
    """Assign (or re-assign, replacing the terms) a course; returns a one-line description.

    A course not published in ``repo_dir`` is refused (FormatError "not_published": most often
    a mistyped id) unless ``force``: then ``title`` and ``credit_hours`` stand in until it is.
    """
    check_id(course_id, "course")
    if (username is None) == (unit is None):
        raise FormatError("bad_target", "assign to exactly one of a user or a unit")
    if due is not None:
        try:
            dt.date.fromisoformat(due)
        except ValueError as exc:
            raise FormatError("bad_date", f"due date {due!r} is not YYYY-MM-DD") from exc
    if username is not None and get_user(conn, username=username) is None:
        raise FormatError("no_such_user", f"no user {username!r}")
    if not force and course_id not in published_courses(repo_dir):
        raise FormatError("not_published", f"course {course_id!r} is not published on this server; publish it "
                          "first, or assign it anyway with --force (and --title, --credit-hours)")
    kind, target = ("user", username) if username is not None else ("unit", unit)
    with transaction(conn):
        conn.execute(_UPSERT, {"course_id": course_id, "kind": kind, "target": target, "required": int(required),
                               "due": due, "title": title, "credit_hours": credit_hours})
    return f"{course_id} -> {kind} {target} ({'required' if required else 'elective'}, due {due or '-'})"


def published_courses(repo_dir: Path) -> dict[str, dict[str, Any]]:
    """course_id -> {title, latest_version, credit_hours, size_bytes, quizzes, exam} from this server's own
    repository, if any."""
    out: dict[str, dict[str, Any]] = {}
    try:
        catalog = Catalog.parse((repo_dir / "catalog.json").read_bytes())  # our own file: no need to re-verify
    except (OSError, SyncError):
        return out
    for c in catalog.courses:
        info: dict[str, Any] = {"title": c.title, "latest_version": c.version}
        try:
            manifest = json.loads((repo_dir / c.manifest).read_bytes())
            hours = manifest.get("credit_hours")
            info["credit_hours"] = float(hours) if isinstance(hours, (int, float)) else None
            entries = (*manifest.get("lessons", []), *manifest.get("documents", []))
            blobs = {e.get("blob"): e.get("size") for e in entries}
            info["size_bytes"] = sum(n for n in blobs.values() if isinstance(n, int) and not isinstance(n, bool))
            # the quizzes and exam that completing the course takes (a sealed assessment says "required")
            info["quizzes"] = sum(1 for q in manifest.get("quizzes") or [] if q.get("required", True) is not False)
            exam = manifest.get("exam")
            info["exam"] = isinstance(exam, dict) and exam.get("required", True) is not False
        except (OSError, ValueError, AttributeError, TypeError):
            pass
        out[c.id] = info
    return out


def assignments_for(conn: Connection, user: User, repo_dir: Path) -> list[dict[str, Any]]:
    """The user's assignments; a personal assignment wins over the unit's for the same course."""
    a = assignments.c
    rows = [r._mapping for r in conn.execute(sa.select(assignments).where(
        sa.or_(sa.and_(a.target_kind == "user", a.target == user.username),
               sa.and_(a.target_kind == "unit", a.target == user.unit))).order_by(a.target_kind.desc()))]
    published = published_courses(repo_dir)
    by_course: dict[str, dict[str, Any]] = {}
    for row in rows:  # 'user' rows come first
        if row["course_id"] in by_course:
            continue
        pub = published.get(row["course_id"], {})
        by_course[row["course_id"]] = {
            "course_id": row["course_id"],
            "title": pub.get("title") or row["title"] or row["course_id"],
            "required": bool(row["required"]),
            "due": row["due"],
            "credit_hours": pub.get("credit_hours") if pub.get("credit_hours") is not None else row["credit_hours"],
            "latest_version": pub.get("latest_version"),
            "size_bytes": pub.get("size_bytes"),  # the latest version's files, for "size before download"
            "quizzes": pub.get("quizzes"),  # what completing it takes, known before the download
            "exam": pub.get("exam"),
        }
    return sorted(by_course.values(), key=lambda a: (not a["required"], a["due"] or "9999", a["course_id"]))


def list_assignments(conn: Connection) -> list[dict[str, Any]]:
    a = assignments.c
    return [dict(r._mapping) for r in conn.execute(sa.select(assignments).order_by(a.course_id, a.target_kind,
                                                                                  a.target))]
