"""The admin web's course assignments (required 必修 / elective 选修, with a due date): those an
admin may see — to a unit in their subtrees, to a class they may see, to one of their people —
assigning a course to a unit or a class of theirs, and removing one. The services are
server.assignments; a typed URL or form naming another admin's unit or class answers 404, as one
that does not exist. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from server import admins
from server.admin import i18n, scope
from server.admin.exports import Table
from server.admin.web import Signed, SignedIn, audited, read_form, redirect, respond, site_clock, text
from server.assignments import assign, published_courses, reached_by, terms_said, unassign
from server.audit import refusal, said
from server.classes import class_names
from server.config import ServerConfig
from server.storage.tables import assignments, units, users
from server.units import subtree_clause
from sync.protocol.errors import SyncError

router = APIRouter(prefix="/admin")
REFUSALS = {"bad_date": said("The due date is not a real date (YYYY-MM-DD)."),
            "not_published": said("The course is not published on this server."),
            "bad_id": said("The course is not published on this server.")}
"""Why an assignment was refused, by the service's code: said on the page and in the audit log."""
KINDS = ("unit", "class", "user")


@dataclass(frozen=True, slots=True)
class Shown:
    """One assignment as the page lists it."""

    course_id: str
    kind: str
    target: str
    target_name: str
    required: bool
    due: str | None
    assigned_at: str
    title: str | None

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.target}|{self.course_id}"


def visible(signed: Signed) -> list[Shown]:
    """The assignments this admin may see: every one for a system admin; else those to a unit in
    their subtrees, to a class they may see, or to one of their people."""
    a = assignments.c
    paths = admins.visible_unit_paths(signed.conn, signed.admin)
    unit_names = sa.select(units.c.name).where(units.c.code == a.target).scalar_subquery()
    person_names = sa.select(users.c.display_name).where(users.c.username == a.target).scalar_subquery()
    query = sa.select(a.course_id, a.target_kind, a.target, a.required, a.due, a.assigned_at, a.title,
                      sa.case((a.target_kind == "unit", unit_names), (a.target_kind == "user", person_names),
                              else_=None))
    if paths is not None:
        in_units = sa.or_(sa.false(), *(subtree_clause(units.c.path, p) for p in paths))
        mine_units = sa.select(units.c.code).where(in_units)
        mine_people = sa.select(users.c.username).join(units, units.c.code == users.c.unit_code).where(in_units)
        classes = [k.code for k in scope.visible_classes(signed.conn, signed.admin)]
        query = query.where(sa.or_(sa.and_(a.target_kind == "unit", a.target.in_(mine_units)),
                                   sa.and_(a.target_kind == "user", a.target.in_(mine_people)),
                                   sa.and_(a.target_kind == "class", a.target.in_(classes))))
    rows = signed.conn.execute(query.order_by(a.target_kind, a.target, a.course_id)).all()
    names = class_names(signed.conn, [r[2] for r in rows if r[1] == "class"])
    return [Shown(r[0], r[1], r[2], (names.get(r[2]) if r[1] == "class" else r[7]) or r[2], bool(r[3]), r[4],
                  str(r[5]), r[6]) for r in rows]


def may_change(signed: Signed, kind: str, target: str) -> bool:
    """Whether the admin may assign to, or remove an assignment of, this unit or class (a person's
    own assignments are changed with ``studydesk-server assign``)."""
    if scope.reviewer(signed.admin):
        return False
    if kind == "unit":
        return admins.can_see_unit(signed.conn, signed.admin, target)
    if kind == "class":
        return admins.can_manage_class(signed.conn, signed.admin, target)
    return False


def _page(signed: Signed, *, status: int = 200, notice: dict[str, str] | None = None,
          form: dict[str, str] | None = None) -> Response:
    _ = signed.page.gettext
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope("assignments")
    found = visible(signed)
    config: ServerConfig = signed.page.request.app.state.config
    published = published_courses(config.repo_dir)
    clock = site_clock(signed)
    kinds = {"unit": _("a unit and every unit below it"), "class": _("a training class"), "user": _("a person")}
    table = Table("assignments", _("Assignments"),
                  (_("Course"), _("Title"), _("Assigned to"), _("Whom"), _("Kind"), _("Due"), _("Assigned on")),
                  [(s.course_id, (published.get(s.course_id) or {}).get("title") or s.title or _("not published"),
                    kinds[s.kind], s.target_name, _("required") if s.required else _("elective"),
                    s.due or "", clock.when(s.assigned_at, day=True)) for s in found], raw=(0,))
    removable = [(s.key, f"{s.course_id} → {s.target_name}") for s in found if may_change(signed, s.kind, s.target)]
    classes = [(k.code, k.name) for k in scope.visible_classes(signed.conn, signed.admin)
               if admins.can_manage_class(signed.conn, signed.admin, k.code)]
    values = {"course": "", "kind": "unit", "unit": "", "class": "", "required": "required", "due": "",
              **(form or {})}
    page_values: dict[str, object] = dict(
        title=_("Assignments"), section="assignments", table=table, removable=removable, classes=classes,
        units=scope.unit_choices(signed.conn, signed.admin),
        course_choices=sorted((c, info.get("title") or c) for c, info in published.items()),
        form=values, notice=notice or _done(signed))
    if status != 200:
        return signed.page.render("assignments.html", status, **page_values)
    return respond(signed, "assignments.html", [table], **page_values)


def _done(signed: Signed) -> dict[str, str] | None:
    _ = signed.page.gettext
    done = {"assigned": _("The course is assigned."), "removed": _("The assignment is removed.")}
    shown = signed.page.request.query_params.get("done")
    return {"kind": "ok", "text": done[shown]} if shown in done else None


@router.get("/assignments")
def assignments_page(signed: SignedIn) -> Response:
    return _page(signed)


@router.post("/assignments")
async def add(request: Request, signed: SignedIn) -> Response:
    _ = signed.page.gettext
    form = await read_form(request, signed.page)
    values = {k: text(form, k, 64) for k in ("course", "kind", "unit", "class", "required", "due")}
    kind = "class" if values["kind"] == "class" else "unit"
    target = values[kind]
    if not may_change(signed, kind, target):
        raise scope.OutOfScope(target)
    config: ServerConfig = signed.page.request.app.state.config
    try:
        assign(signed.conn, values["course"], unit=target if kind == "unit" else None,
               class_code=target if kind == "class" else None, required=values["required"] != "elective",
               due=values["due"] or None, repo_dir=config.repo_dir)
    except SyncError as exc:
        audited(signed, "admin.assign", target=f"{kind} {target}", result="refused", detail=refusal(exc, REFUSALS))
        reason = REFUSALS.get(exc.code)
        return _page(signed, status=400, form=values, notice={
            "kind": "error", "text": reason.said(i18n.translations(signed.page.lang)) if reason
            else _("Not done: %(reason)s") % {"reason": signed.page.why(exc)}})
    audited(signed, "admin.assign", target=f"{kind} {target}",
            detail=terms_said(values["course"], required=values["required"] != "elective", due=values["due"]))
    signed.page.request.app.state.totals.add(reached_by(signed.conn, unit=target if kind == "unit" else None,
                                                        class_code=target if kind == "class" else None))
    return redirect(signed.page, "/admin/assignments?done=assigned")


@router.post("/assignments/remove")
async def remove(request: Request, signed: SignedIn) -> Response:
    form = await read_form(request, signed.page)
    kind, target, course = [*text(form, "assignment", 200).split("|", 2), "", ""][:3]
    if kind not in KINDS or not may_change(signed, kind, target):
        raise scope.OutOfScope(target)
    if not unassign(signed.conn, course, kind, target):
        raise scope.OutOfScope(course)
    audited(signed, "admin.unassign", target=f"{kind} {target}", detail=course)
    signed.page.request.app.state.totals.add(reached_by(
        signed.conn, username=target if kind == "user" else None, unit=target if kind == "unit" else None,
        class_code=target if kind == "class" else None))
    back = text(form, "next", 200)
    if back.startswith("/admin/classes/"):
        return redirect(signed.page, back.split("?")[0] + "?done=removed")
    return redirect(signed.page, "/admin/assignments?done=removed")
