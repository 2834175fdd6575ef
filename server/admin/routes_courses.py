"""The admin web's courses page: each published course with its use in the admin's view
(learners, completion share, study hours and hours per learner, quiz pass rate, flagged records;
server.admin.courses.course_figures); a system admin publishes a course uploaded as a zip
(seeing what changed from the version before) and takes one off line."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server import admins, person_year
from server.admin import courses, scope
from server.admin.exports import Table
from server.admin.web import Refused, Signed, SignedIn, audited, read_form, redirect, respond, site_rules, text, upload
from server.audit import refusal, said, said_n
from server.config import ServerConfig
from server.published import Published
from sync.protocol.errors import SyncError

router = APIRouter(prefix="/admin")


def _config(signed: Signed) -> ServerConfig:
    config: ServerConfig = signed.page.request.app.state.config
    return config


def _page(signed: Signed, *, notice: dict[str, str] | None = None, published: dict[str, object] | None = None,
          status: int = 200) -> Response:
    _ = signed.page.gettext
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope("courses")
    config = _config(signed)
    listed = courses.catalog(config)
    use = courses.course_figures(signed.conn, Published(config.repo_dir), site_rules(signed),
                                 admins.visible_unit_paths(signed.conn, signed.admin))
    entries = sorted(listed.courses, key=lambda e: e.id) if listed else []
    none = courses.CourseFigures("", 0, 0, 0.0, 0, 0, 0)

    def share(value: float | None) -> float | str:
        return "—" if value is None else value

    table = Table("courses", _("Courses"),
                  (_("Course"), _("Title"), _("Version"), _("Learners"), _("Completed (%)"), _("Study hours"),
                   _("Hours per learner"), _("Quiz pass rate (%)"), _("Flagged records")),
                  [(e.id, e.title, e.version, f.learners, share(f.completion_share), f.study_hours,
                    f.hours_per_learner, share(f.quiz_pass_share), f.flagged)
                   for e in entries for f in [use.get(e.id, none)]], raw=(0,))
    response = respond(signed, "courses.html", [table], title=_("Courses"), section="courses", table=table,
                       can_publish=scope.sees_all(signed.admin), notice=notice, published=published,
                       course_ids=[e.id for e in entries])
    response.status_code = status
    return response


@router.get("/courses")
def courses_page(signed: SignedIn) -> Response:
    return _page(signed)


def _change_text(signed: Signed, change: courses.Change) -> str:
    _ = signed.page.gettext
    kinds = {"added": _("added"), "removed": _("removed"), "changed": _("new content"), "renamed": _("new title"),
             "setting": _("changed")}
    what = {"lesson": _("lesson"), "document": _("document"), "quiz": _("quiz"), "exam": _("exam"),
            "title": _("title"), "description": _("description"), "category": _("category"),
            "credit_hours": _("credit hours"), "policy": _("study policy")}
    return _("%(what)s %(name)s: %(change)s") % {"what": what.get(change.what, change.what), "name": change.name,
                                                 "change": kinds.get(change.kind, change.kind)}


@router.post("/courses/publish")
async def publish_course(request: Request, signed: SignedIn) -> Response:
    _ = signed.page.gettext
    if not scope.sees_all(signed.admin):
        raise Refused(403)
    form = await read_form(request, signed.page)
    file = upload(form, "zip")
    if file is None:
        return _page(signed, notice={"kind": "error", "text": _("Choose a course zip first.")}, status=400)
    config = _config(signed)
    with tempfile.NamedTemporaryFile(prefix="course-", suffix=".zip", dir=config.data_dir) as tmp:
        shutil.copyfileobj(file.file, tmp)
        tmp.flush()
        try:
            result, changed = courses.publish_zip(config, Path(tmp.name))
        except SyncError as exc:
            audited(signed, "admin.publish", target=file.filename or "", result="refused",
                    detail=refusal(exc))
            message = _("The course was not published: %(reason)s") % {"reason": signed.page.why(exc)}
            return _page(signed, status=400, notice={"kind": "error", "text": message})
    m = result.manifest
    if not result.unchanged:  # what the course now asks decides its learners' years
        signed.page.request.app.state.totals.add(person_year.people_of_course(signed.conn, m.course_id))
    audited(signed, "admin.publish", target=m.course_id,
            detail=said("version %(version)s, unchanged", version=m.version) if result.unchanged
            else said_n("version %(version)s, %(n)d change", "version %(version)s, %(n)d changes", len(changed),
                        version=m.version))
    return _page(signed, published={"course": m.course_id, "title": m.title, "version": m.version,
                                    "unchanged": result.unchanged,
                                    "changes": [_change_text(signed, c) for c in changed]})


@router.post("/courses/off-line")
async def take_off_line(request: Request, signed: SignedIn) -> Response:
    _ = signed.page.gettext
    if not scope.sees_all(signed.admin):
        raise Refused(403)
    form = await read_form(request, signed.page)
    course_id = text(form, "course", 64)
    done = courses.take_off_line(_config(signed), course_id)
    audited(signed, "admin.take_off_line", target=course_id, result="ok" if done else "not_listed")
    return redirect(signed.page, "/admin/courses")
