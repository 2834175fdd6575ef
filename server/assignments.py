"""Course assignments: required (必修) or elective (选修) courses for a user, a unit's whole subtree
(everyone in the unit or any unit below it) or a training class (its courses; server.classes).

Title, credit hours, latest version, download size and how many quizzes and whether an exam
the course has come from the published repository (catalog.json and
the manifests under the data dir's repo/) when the course is published there; otherwise from
what the admin gave when assigning. Services only; no HTTP here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.audit import Said, said
from server.classes import class_exists, class_names, classes_of, members
from server.org.tree import codes_of
from server.storage.engine import transaction
from server.storage.tables import assignments, units, users
from server.units import find_unit, get_unit, subtree_clause
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
    class_code: str | None = None,
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
    if sum(t is not None for t in (username, unit, class_code)) != 1:
        raise FormatError.worded("bad_target", "assign to exactly one of a user, a unit or a class")
    if due is not None:
        try:
            dt.date.fromisoformat(due)
        except ValueError as exc:
            raise FormatError.worded("bad_date", "due date %(due)r is not YYYY-MM-DD", due=due) from exc
    if username is not None and get_user(conn, username=username) is None:
        raise FormatError.worded("no_such_user", "no user %(user)r", user=username)
    if unit is not None:
        found = find_unit(conn, unit)  # a code, or the name of one unit
        if found is None:
            raise FormatError.worded("no_such_unit", "no unit %(unit)r (give its code; 'studydesk-server unit list')",
                                     unit=unit)
        unit = found.code
    if class_code is not None and not class_exists(conn, class_code):
        raise FormatError.worded("no_such_class", "no class %(code)r", code=class_code)
    if not force and course_id not in published_courses(repo_dir):
        raise FormatError.worded("not_published", "course %(course)r is not published on this server; publish it "
                                 "first, or assign it anyway with --force (and --title, --credit-hours)",
                                 course=course_id)
    kind, target = ("user", username) if username is not None else ("unit", unit) if unit is not None else (
        "class", class_code)
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
    """The user's assignments: their own, their classes' (each with ``class_name``), and those of
    their unit and every unit above it (a unit's assignment reaches its whole subtree). For the same
    course a personal assignment wins over a class's, a class's over a unit's, and a nearer unit's
    over a farther one's."""
    a = assignments.c
    place = get_unit(conn, user.unit_code) if user.unit_code else None
    ancestors = codes_of(place.path) if place else []  # root first
    in_classes = classes_of(conn, user.username)
    rows = [dict(r._mapping) for r in conn.execute(sa.select(assignments).where(
        sa.or_(sa.and_(a.target_kind == "user", a.target == user.username),
               sa.and_(a.target_kind == "class", a.target.in_(in_classes)),
               sa.and_(a.target_kind == "unit", a.target.in_(ancestors)))))]
    names = class_names(conn, in_classes)
    published = published_courses(repo_dir)
    by_course: dict[str, dict[str, Any]] = {}
    for row in applying(rows, ancestors):
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
        if row["target_kind"] == "class":
            by_course[row["course_id"]]["class_name"] = names.get(row["target"], row["target"])
    return sorted(by_course.values(), key=lambda a: (not a["required"], a["due"] or "9999", a["course_id"]))


def applying(rows: Iterable[Mapping[str, Any]], ancestors: Sequence[str]) -> list[Mapping[str, Any]]:
    """Of the assignment rows that reach a person (their own, their classes', their units' with
    ``ancestors`` the codes of their unit's path, root first), the one that applies per course: a
    personal row wins over a class's, a class's over a unit's, a nearer unit's over a farther one's."""
    nearness = {code: i for i, code in enumerate(reversed(ancestors))}
    order = {"user": 0, "class": 1, "unit": 2}
    ranked = sorted(rows, key=lambda r: (order[r["target_kind"]], nearness.get(r["target"], 0), r["target"]))
    chosen: dict[str, Mapping[str, Any]] = {}
    for row in ranked:
        chosen.setdefault(row["course_id"], row)
    return list(chosen.values())


def reached_by(conn: Connection, *, username: str | None = None, unit: str | None = None,
               class_code: str | None = None) -> list[str]:
    """The user ids of everyone an assignment to ``username``, to ``unit``'s subtree (a code or the
    name of one unit) or to the class ``class_code`` reaches, deactivated people included."""
    u = users.c
    if username is not None:
        return list(conn.execute(sa.select(u.user_id).where(u.username == username)).scalars())
    if unit is not None:
        found = find_unit(conn, unit)
        if found is None:
            return []
        return list(conn.execute(sa.select(u.user_id).select_from(users.join(units, units.c.code == u.unit_code))
                                 .where(subtree_clause(units.c.path, found.path)).order_by(u.user_id)).scalars())
    if class_code is None:
        return []
    names = members(conn, class_code, active_only=False)
    return list(conn.execute(sa.select(u.user_id).where(u.username.in_(names)).order_by(u.user_id)).scalars())


def list_assignments(conn: Connection) -> list[dict[str, Any]]:
    """Every assignment; a unit's also carries ``target_name``, the unit's name."""
    a = assignments.c
    query = (sa.select(assignments, units.c.name.label("target_name"))
             .select_from(assignments.outerjoin(units, sa.and_(a.target_kind == "unit", units.c.code == a.target)))
             .order_by(a.course_id, a.target_kind, a.target))
    return [dict(r._mapping) for r in conn.execute(query)]


def terms_said(course_id: str, *, required: bool, due: str | None) -> Said:
    """An assignment's terms as an audit detail, said in the reader's language."""
    if required:
        return said("%(course)s: required, due %(due)s", course=course_id, due=due or "-")
    return said("%(course)s: elective, due %(due)s", course=course_id, due=due or "-")


def unassign(conn: Connection, course_id: str, target_kind: str, target: str) -> bool:
    """Remove one assignment (a class's: the course leaves the class); False when there was none.
    What people already studied keeps its credit; the course is no longer theirs to take."""
    a = assignments.c
    with transaction(conn):
        gone = conn.execute(assignments.delete().where(a.course_id == course_id, a.target_kind == target_kind,
                                                       a.target == target))
    return bool(gone.rowcount)
