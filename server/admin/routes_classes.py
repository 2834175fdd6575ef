"""The admin web's training classes (培训班): the classes an admin may see, with their people,
completion and pass counts; creating a class (dates, weights 3:3:4 by default, pass line); adding
its courses (required or elective) and enrolling people (by person, or a unit's whole subtree);
and a class's page: each person's progress, the three component scores, the weighted total and
pass or fail, from server.class_report (the page and its downloads read the same table).

Scope: a system admin sees every class; a unit admin the classes organised in their subtrees or
with people enrolled there (and the people of their subtrees only), and changes those organised
in their subtrees; a reviewer sees the classes they review, read only. Any other class answers
404, as one that does not exist. Every change is audited."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server import admins
from server.admin import charts, scope
from server.admin.exports import Cell, Table
from server.admin.exports import text as figure
from server.admin.web import Signed, SignedIn, SiteClock, audited, read_form, redirect, respond, site_rules, text
from server.assignments import assign, published_courses, reached_by, terms_said
from server.audit import refusal, said, said_n
from server.certificates import Issuer, StoredCertificate, certificates_of, issue_class_certificates, many_pdf
from server.class_report import ClassReport, MemberResult, class_list, class_report, owner_names, score_bands
from server.classes import create_class, enrol, unenrol
from server.config import ServerConfig
from server.org.classes import ClassCourse, EnrolKind, TrainingClass, parse_date, parse_scoring
from server.published import Published
from server.storage.tables import assignments
from server.units import get_unit
from server.users import get_user
from sync.protocol.certificates import CertKind
from sync.protocol.errors import SyncError
from sync.protocol.rules import ClassScoring
from sync.protocol.rules_file import plain

router = APIRouter(prefix="/admin")


def _config(signed: Signed) -> ServerConfig:
    config: ServerConfig = signed.page.request.app.state.config
    return config


def _within(signed: Signed) -> list[str] | None:
    """Whose results in a class this admin sees (their own people only, for a unit admin)."""
    return None if scope.sees_all(signed.admin) else scope.class_people_within(signed.conn, signed.admin)


def report_of(signed: Signed, klass: TrainingClass) -> ClassReport:
    """The class report as this admin may see it (their own people only, for a unit admin)."""
    return class_report(signed.conn, klass.code, Published(_config(signed).repo_dir), site_rules(signed),
                        within=_within(signed))


def listed_classes(signed: Signed) -> list[tuple[ClassReport, str | None]]:
    """The classes the admin sees, each with its report as ``report_of`` gives it and the name of the
    unit that organises it (None: the whole site): a few statements however many classes."""
    return class_list(signed.conn, scope.visible_classes(signed.conn, signed.admin),
                      Published(_config(signed).repo_dir), site_rules(signed), within=_within(signed))


def weights_text(scoring: ClassScoring) -> str:
    return ":".join(plain(w) for w in (scoring.attendance, scoring.tests, scoring.exam))


def _figure(value: Decimal | None) -> Cell:
    return float(value) if value is not None else "—"


def scores_table(signed: Signed, report: ClassReport) -> Table:
    """Each person's progress, component scores, weighted total and result: the page's table and
    its XLSX/CSV downloads."""
    _ = signed.page.gettext
    weights = weights_text(report.scoring)
    columns = (_("Name"), _("Account"), _("Unit"),
               _("Courses completed (of %(n)s)") % {"n": len(report.required_courses)},
               _("Attendance"), _("Tests"), _("Exam"), _("Weighted total (%(weights)s)") % {"weights": weights},
               _("Result"))
    rows = [(m.name, m.username, m.unit_name, m.courses_done, _figure(m.result.attendance), _figure(m.result.tests),
             _figure(m.result.exam), float(m.result.total), _("passed") if m.result.passed else _("not passed"))
            for m in report.members]
    links: list[str | None] = [] if scope.reviewer(signed.admin) else [f"/admin/people/{m.user_id}"
                                                                       for m in report.members]
    return Table(f"class-{report.klass.code}", _("Scores"), columns, rows, links, raw=(1,))


def _classes_table(signed: Signed, found: list[tuple[ClassReport, str | None]]) -> Table:
    _ = signed.page.gettext
    return Table("classes", _("Training classes"),
                 (_("Class"), _("Code"), _("Starts"), _("Ends"), _("Organised by"), _("People"),
                  _("Completed (%)"), _("Passed")),
                 [(r.klass.name, r.klass.code, r.klass.starts.isoformat(), r.klass.ends.isoformat(),
                   _owner_name(signed, owner), r.enrolled, r.share(r.completed), r.passed) for r, owner in found],
                 [f"/admin/classes/{r.klass.code}" for r, _o in found], raw=(1,))


def _owner_name(signed: Signed, owner: str | None) -> str:
    return signed.page.gettext("the whole site") if owner is None else owner


def _owner_choices(signed: Signed) -> list[tuple[str, str]]:
    """The units that may organise a class the admin creates ("" for site-wide: system admins only)."""
    choices = scope.unit_choices(signed.conn, signed.admin)
    if scope.sees_all(signed.admin):
        return [("", signed.page.gettext("the whole site")), *choices]
    return choices


def _list(signed: Signed, *, status: int = 200, notice: dict[str, str] | None = None,
          form: dict[str, str] | None = None) -> Response:
    """The classes page; with a ``status`` other than 200, after a refused form (the values typed kept)."""
    _ = signed.page.gettext
    found = listed_classes(signed)
    table = _classes_table(signed, found)
    default = site_rules(signed).class_score
    can_create = not scope.reviewer(signed.admin)
    values: dict[str, object] = dict(
        title=_("Training classes"), section="classes", table=table, can_create=can_create, notice=notice,
        owners=_owner_choices(signed) if can_create else [],
        form={"code": "", "name": "", "starts": "", "ends": "", "owner": "", "weights": weights_text(default),
              "pass_score": plain(default.pass_score), **(form or {})})
    if status != 200:
        return signed.page.render("classes.html", status, **values)
    return respond(signed, "classes.html", [table], **values)


@router.get("/classes")
def classes_page(signed: SignedIn) -> Response:
    return _list(signed)


def _problem(signed: Signed, exc: SyncError) -> str:
    """A refused change, said in the page's language."""
    _ = signed.page.gettext
    reasons = {"bad_class_code": _("The code is 1 to 64 letters, digits, '.', '_' or '-'."),
               "bad_class_name": _("The name is 1 to 200 characters on one line."),
               "bad_date": _("A date is not a real date (YYYY-MM-DD), or the class ends before it starts."),
               "bad_scoring": _("The weights are three numbers like 3:3:4 and the pass line a number from 0 to "
                                "100."),
               "class_exists": _("A class with this code exists already."),
               "no_such_unit": _("There is no such unit, or it is not one of yours."),
               "no_such_user": _("There is no such account, or the person is not in your units."),
               "not_published": _("The course is not published on this server."),
               "bad_id": _("The course is not published on this server.")}
    return reasons.get(exc.code) or _("Not done: %(reason)s") % {"reason": signed.page.why(exc)}


@router.post("/classes")
async def create(request: Request, signed: SignedIn) -> Response:
    _ = signed.page.gettext
    form = await read_form(request, signed.page)
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope("classes")
    values = {k: text(form, k, 200) for k in ("code", "name", "starts", "ends", "owner", "weights", "pass_score")}
    owner = values["owner"] or None
    if owner is None and not scope.sees_all(signed.admin):
        return _list(signed, status=400, form=values, notice={"kind": "error", "text": _(
            "Choose the unit that organises the class.")})
    if owner is not None:
        scope.unit(signed.conn, signed.admin, owner)  # only a unit of theirs organises it
    try:
        scoring = parse_scoring(values["weights"] or None, values["pass_score"] or None)
        klass = create_class(signed.conn, values["code"], values["name"], parse_date(values["starts"]),
                             parse_date(values["ends"]), owner_unit=owner, scoring=scoring)
    except SyncError as exc:
        audited(signed, "admin.class_add", target=values["code"], result="refused", detail=refusal(exc))
        return _list(signed, status=400, form=values, notice={"kind": "error", "text": _problem(signed, exc)})
    terms = {"name": klass.name, "starts": str(klass.starts), "ends": str(klass.ends),
             "weights": weights_text(scoring), "pass": str(scoring.pass_score)}
    audited(signed, "admin.class_add", target=klass.code,
            detail=said("%(name)s; %(starts)s to %(ends)s; %(weights)s, pass %(pass)s; organised by %(unit)s",
                        unit=owner, **terms) if owner else
            said("%(name)s; %(starts)s to %(ends)s; %(weights)s, pass %(pass)s; organised by the site", **terms))
    return redirect(signed.page, f"/admin/classes/{klass.code}?done=created")


@router.get("/classes/{code}")
def class_page(signed: SignedIn, code: str) -> Response:
    _ = signed.page.gettext
    klass = scope.klass(signed.conn, signed.admin, code)
    report = report_of(signed, klass)
    table = scores_table(signed, report)
    manage = admins.can_manage_class(signed.conn, signed.admin, klass.code)
    published = published_courses(_config(signed).repo_dir)
    courses = Table("courses", _("Courses of the class"), (_("Course"), _("Title"), _("Kind"), _("Due")),
                    [(c.course_id, (published.get(c.course_id) or {}).get("title") or _("not published"),
                      _("required") if c.required else _("elective"), due)
                     for c, due in _with_due(signed, klass)], raw=(0,))
    shown = [(e, row) for e in klass.enrolments if (row := _enrolment_row(signed, e.kind, e.target)) is not None]
    enrolled = Table("enrolments", _("Who is enrolled"), (_("Enrolled as"), _("Unit or person")),
                     [row for _e, row in shown])
    ring = charts.ring(report.passed, report.enrolled, title=_("Passed"),
                       caption=_("%(passed)s of %(people)s passed") % {"passed": report.passed,
                                                                       "people": report.enrolled}) \
        if report.enrolled else None
    bands = score_bands(report)
    bar = charts.bar_chart(bands, title=_("People per score band"), maximum=max(1, max(n for _l, n in bands)),
                           unit=" " + _("people"), label_width=90) if report.enrolled else None
    figures = [(_("Dates"), f"{klass.starts.isoformat()} – {klass.ends.isoformat()}"),
               (_("Weights (attendance:tests:exam)"), weights_text(report.scoring)),
               (_("Pass line"), plain(report.scoring.pass_score)),
               (_("People"), str(report.enrolled)),
               (_("Completed every required course"),
                f"{report.completed} ({figure(report.share(report.completed))}%)"),
               (_("Passed"), f"{report.passed} ({figure(report.share(report.passed))}%)")]
    done = {"created": _("The class is created. Now add its courses and enrol its people."),
            "course": _("The course is added to the class."), "enrolled": _("Enrolled."),
            "removed": _("The course is taken out of the class."),
            "unenrolled": _("The enrolment is taken back; records and certificates stay.")}
    said = signed.page.request.query_params.get("done")
    notice = signed.page.context.get("notice") or ({"kind": "ok", "text": done[said]} if said in done else None)
    return respond(signed, "class.html", [table, courses, enrolled], title=klass.name, section="classes",
                   klass=klass, report=report, table=table, courses=courses, enrolled=enrolled, ring=ring, bar=bar,
                   figures=figures, manage=manage, notice=notice,
                   owner=_owner_name(signed, owner_names(signed.conn, [klass])[0]),
                   certificates=len(_class_certificates(signed, report)) if manage else 0,
                   enrolment_choices=[(f"{e.kind.value}|{e.target}", f"{row[1]}（{row[0]}）") for e, row in shown],
                   course_choices=sorted((cid, info.get("title") or cid) for cid, info in published.items()),
                   unit_choices=scope.unit_choices(signed.conn, signed.admin) if manage else [])


def _with_due(signed: Signed, klass: TrainingClass) -> list[tuple[ClassCourse, str]]:
    """The class's courses, each with its due date ("" for none)."""
    a = assignments.c
    due = dict(signed.conn.execute(assignments.select().with_only_columns(a.course_id, a.due).where(
        a.target_kind == "class", a.target == klass.code)).tuples().all())
    return [(c, due.get(c.course_id) or "") for c in klass.courses]


def _enrolment_row(signed: Signed, kind: EnrolKind, target: str) -> tuple[Cell, ...] | None:
    """One enrolment as the admin may see it (a unit or person outside their view: not shown)."""
    _ = signed.page.gettext
    if kind is EnrolKind.UNIT:
        unit = get_unit(signed.conn, target)
        if unit is None or not (scope.reviewer(signed.admin) or scope.sees_all(signed.admin)
                                or admins.can_see_unit(signed.conn, signed.admin, target)
                                or _above_mine(signed, unit.path)):
            return None
        return (_("a unit and every unit below it"), unit.name)
    user = get_user(signed.conn, username=target)
    if user is None or not (scope.reviewer(signed.admin) or admins.can_see_person(signed.conn, signed.admin,
                                                                                  user.user_id)):
        return None
    return (_("a person"), user.display_name)


def _above_mine(signed: Signed, path: str) -> bool:
    """The unit at ``path`` lies above one of the admin's units (its people include theirs)."""
    paths = admins.visible_unit_paths(signed.conn, signed.admin) or []
    return any(p.startswith(path) for p in paths)


def _refused(signed: Signed, code: str, action: str, target: str, exc: SyncError) -> Response:
    audited(signed, action, target=target, result="refused", detail=refusal(exc))
    klass = scope.klass(signed.conn, signed.admin, code)
    signed.page.context.update(notice={"kind": "error", "text": _problem(signed, exc)})
    response = class_page(signed, klass.code)
    response.status_code = 400
    return response


@router.post("/classes/{code}/courses")
async def add_course(request: Request, signed: SignedIn, code: str) -> Response:
    form = await read_form(request, signed.page)
    klass = scope.managed_class(signed.conn, signed.admin, code)
    course, due = text(form, "course", 64), text(form, "due", 10) or None
    required = text(form, "kind") != "elective"
    try:
        assign(signed.conn, course, class_code=klass.code, required=required, due=due,
               repo_dir=_config(signed).repo_dir)
    except SyncError as exc:
        return _refused(signed, klass.code, "admin.class_course", klass.code, exc)
    audited(signed, "admin.class_course", target=klass.code, detail=terms_said(course, required=required, due=due))
    signed.page.request.app.state.totals.add(reached_by(signed.conn, class_code=klass.code))
    return redirect(signed.page, f"/admin/classes/{klass.code}?done=course")


@router.post("/classes/{code}/enrol")
async def enrol_people(request: Request, signed: SignedIn, code: str) -> Response:
    form = await read_form(request, signed.page)
    klass = scope.managed_class(signed.conn, signed.admin, code)
    kind, target = text(form, "kind"), text(form, "target", 64)
    try:
        if kind == "unit":
            if not admins.can_see_unit(signed.conn, signed.admin, target):
                raise SyncError("no_such_unit", f"no unit {target!r} in this admin's units")
            done = enrol(signed.conn, klass.code, unit=target)
        else:
            user = get_user(signed.conn, username=target) if target else None
            if user is None or not admins.can_see_person(signed.conn, signed.admin, user.user_id):
                raise SyncError("no_such_user", f"no person {target!r} in this admin's units")
            done = enrol(signed.conn, klass.code, person=user.username)
    except SyncError as exc:
        return _refused(signed, klass.code, "admin.class_enrol", klass.code, exc)
    audited(signed, "admin.class_enrol", target=klass.code,
            detail=said("unit %(unit)s", unit=done.target) if done.kind.value == "unit"
            else said("person %(person)s", person=done.target))
    signed.page.request.app.state.totals.add(reached_by(  # the class's courses now reach them
        signed.conn, username=target if kind != "unit" else None, unit=target if kind == "unit" else None))
    return redirect(signed.page, f"/admin/classes/{klass.code}?done=enrolled")


@router.post("/classes/{code}/unenrol")
async def unenrol_people(request: Request, signed: SignedIn, code: str) -> Response:
    """Take back one enrolment of a class the admin manages (a person or unit of theirs)."""
    form = await read_form(request, signed.page)
    klass = scope.managed_class(signed.conn, signed.admin, code)
    kind, _sep, target = text(form, "enrolment", 100).partition("|")
    if kind not in ("person", "unit") or _enrolment_row(signed, EnrolKind(kind), target) is None:
        raise scope.OutOfScope(target)  # not an enrolment this admin sees
    if not unenrol(signed.conn, klass.code, person=target if kind == "person" else None,
                   unit=target if kind == "unit" else None):
        raise scope.OutOfScope(target)
    audited(signed, "admin.class_unenrol", target=klass.code,
            detail=said("unit %(unit)s", unit=target) if kind == "unit" else said("person %(person)s", person=target))
    signed.page.request.app.state.totals.add(reached_by(  # the class's courses no longer reach them
        signed.conn, username=target if kind == "person" else None, unit=target if kind == "unit" else None))
    return redirect(signed.page, f"/admin/classes/{klass.code}?done=unenrolled")


# -- 结业证书 in bulk ------------------------------------------------------------------------------

def _class_certificates(signed: Signed, report: ClassReport) -> list[tuple[MemberResult, StoredCertificate]]:
    """The valid (not revoked) 结业证书 of the class held by the people of ``report``, in its order."""
    out = []
    for m in report.members:
        for c in certificates_of(signed.conn, m.user_id):
            if c.kind is CertKind.CLASS and c.class_code == report.klass.code and not c.revoked:
                out.append((m, c))
    return out


@router.post("/classes/{code}/certificates")
async def issue_certificates(request: Request, signed: SignedIn, code: str) -> Response:
    """A 结业证书 for everyone in the class who passed it (those holding one keep theirs): the
    result lists each serial, with the PDF of them all."""
    _ = signed.page.gettext
    await read_form(request, signed.page)
    klass = scope.managed_class(signed.conn, signed.admin, code)
    config = _config(signed)
    try:
        issued = issue_class_certificates(signed.conn, klass.code, signed.admin.name,
                                          Issuer.for_site(config, site_rules(signed)))
    except SyncError as exc:
        audited(signed, "admin.class_certificates", target=klass.code, result="refused",
                detail=refusal(exc))
        reasons = {"bad_key": _("The signing key is locked: the server was started without its passphrase. "
                                "Ask the site's operator."),
                   "no_key": _("This server has no signing key yet ('studydesk-server keys init')."),
                   "bad_issuer": _("The issuer's name in certificates.toml cannot be read.")}
        signed.page.context.update(notice={"kind": "error", "text": reasons.get(exc.code, _problem(signed, exc))})
        response = class_page(signed, klass.code)
        response.status_code = 400
        return response
    new = sum(1 for i in issued if i.new)
    audited(signed, "admin.class_certificates", target=klass.code,
            detail=said_n("%(n)d issued, %(held)d already held: %(serials)s",
                          "%(n)d issued, %(held)d already held: %(serials)s", new, held=len(issued) - new,
                          serials=", ".join(i.certificate.serial for i in issued if i.new)[:1500]))
    report = report_of(signed, klass)
    mine = {i.certificate.serial for i in issued if i.new}
    held = _class_certificates(signed, report)
    clock = SiteClock(site_rules(signed))
    table = Table("certificates", _("Class certificates"),
                  (_("Name"), _("Account"), _("Serial number"), _("Weighted total"), _("Issued")),
                  [(m.name, m.username, c.serial, float(c.score) if c.score else None,
                    _("now") if c.serial in mine else clock.when(c.issued_at, day=True)) for m, c in held], raw=(1, 2))
    return signed.page.render("class_certificates.html", title=klass.name, section="classes", klass=klass,
                              table=table, new=new, held=len(held), passed=report.passed)


@router.get("/classes/{code}/certificates.pdf")
def certificates_pdf(signed: SignedIn, code: str) -> Response:
    """Every valid 结业证书 of the class, of the people this admin sees, as one PDF (a page each)."""
    klass = scope.managed_class(signed.conn, signed.admin, code)
    held = _class_certificates(signed, report_of(signed, klass))
    if not held:
        raise scope.OutOfScope(code)
    data = many_pdf([c for _m, c in held], site_rules(signed))
    audited(signed, "admin.class_certificates_pdf", target=klass.code,
            detail=said_n("%(n)d certificate", "%(n)d certificates", len(held)))
    return signed.page.finish(Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificates-{klass.code}.pdf"', "Cache-Control": "no-store"}))
