"""The admin web's changes to people and units: add a person to a unit, unlock, reset a password,
move to another unit, deactivate; add a unit below one of the admin's, move a unit (with its
subtree and their people) under another, deactivate an empty unit; import units or people from a
CSV or XLSX sheet, first as a dry run that lists every bad row, then (nothing bad) confirmed in one
transaction. Every change stays inside the admin's units (a unit admin moves or deactivates only
units below the ones given to them) and is audited; the services are server.users, server.units
and server.organization."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from server import organization, person_year, units, users
from server.admin import i18n, scope
from server.admin.exports import Table
from server.admin.web import Refused, Signed, SignedIn, audited, read_form, redirect, respond, text, upload
from server.audit import Said, refusal, said, said_n
from server.config import ServerConfig
from server.org.importing import Change, PersonRow, Problem, Report, UnitRow
from server.org.levels import CadreLevel
from sync.protocol.errors import FormatError, SyncError

router = APIRouter(prefix="/admin")
MAX_SHEET_BYTES = 8 * 1024 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


REFUSALS = {
    "bad_username": said("The account is 1 to 64 letters, digits, '.', '_', '@' or '-'."),
    "user_exists": said("This account exists already: choose another."),
    "bad_person_id": said("The person id is 1 to 64 letters, digits, '.', '_', '@' or '-'."),
    "person_exists": said("This person id belongs to another account."),
    "weak_password": said("The password needs at least 6 characters."),
    "bad_level": said("Choose a cadre level from the list."),
    "bad_name": said("The name is 1 to 100 characters on one line."),
    "bad_code": said("The code is 1 to 64 letters, digits, '.', '_' or '-'."),
    "unit_exists": said("A unit with this code exists already."),
    "unit_inactive": said("That unit is deactivated: it takes no new people or units."),
    "unit_cycle": said("A unit cannot move under itself or a unit below it."),
    "unit_not_empty": said("The unit still holds active people or units: move or deactivate them first."),
    "no_such_unit": said("There is no such unit, or it is not one of yours."),
    "no_such_user": said("There is no such account, or the person is not in your units."),
}
"""Why a change to a person or a unit was refused, by the service's code: said on the page and in the
audit log."""


def refusal_text(signed: Signed, code: str) -> str:
    """Why a change to a person or a unit was refused, in the page's language (a service's code)."""
    if code in REFUSALS:
        return REFUSALS[code].said(i18n.translations(signed.page.lang))
    return signed.page.gettext("Not done: %(reason)s") % {"reason": code[:40]}


def _person(signed: Signed, user_id: str) -> users.User:
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope(user_id)
    return scope.person(signed.conn, signed.admin, user_id)


def _done(signed: Signed, user_id: str, action: str, target: str, change: Callable[[], object]) -> Response:
    """Run ``change`` (a service call), audit it, and go back to the person's page."""
    try:
        change()
    except SyncError as exc:
        audited(signed, action, target=target, result="refused", detail=refusal(exc, REFUSALS))
        return redirect(signed.page, f"/admin/people/{user_id}?refused={exc.code}")
    audited(signed, action, target=target)
    return redirect(signed.page, f"/admin/people/{user_id}?done={action.removeprefix('admin.')}")


@router.post("/people/{user_id}/unlock")
async def unlock(request: Request, signed: SignedIn, user_id: str) -> Response:
    await read_form(request, signed.page)
    person = _person(signed, user_id)
    return _done(signed, user_id, "admin.unlock", person.username,
                 lambda: users.unlock_user(signed.conn, person.username))


@router.post("/people/{user_id}/password")
async def reset_password(request: Request, signed: SignedIn, user_id: str) -> Response:
    form = await read_form(request, signed.page)
    person = _person(signed, user_id)
    password = text(form, "password", 256)
    return _done(signed, user_id, "admin.reset_password", person.username,
                 lambda: users.reset_password(signed.conn, person.username, password))


@router.post("/people/{user_id}/move")
async def move(request: Request, signed: SignedIn, user_id: str) -> Response:
    form = await read_form(request, signed.page)
    person = _person(signed, user_id)
    target = scope.unit(signed.conn, signed.admin, text(form, "unit", 64))  # only into a unit of theirs
    data_dir = signed.page.request.app.state.config.data_dir

    def moved() -> None:
        organization.move_person(signed.conn, person.username, target.code, by=signed.admin.name)
        person_year.refresh_site(signed.conn, data_dir, [person.user_id])  # the new unit's assignments

    return _done(signed, user_id, "admin.move_person", person.username, moved)


@router.post("/people/{user_id}/deactivate")
async def deactivate(request: Request, signed: SignedIn, user_id: str) -> Response:
    await read_form(request, signed.page)
    person = _person(signed, user_id)
    return _done(signed, user_id, "admin.deactivate_person", person.username,
                 lambda: users.deactivate_user(signed.conn, person.username))


@router.post("/units/{code}/add")
async def add_unit(request: Request, signed: SignedIn, code: str) -> Response:
    form = await read_form(request, signed.page)
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope(code)
    parent = scope.unit(signed.conn, signed.admin, code)
    new_code, name = text(form, "code", 64), text(form, "name", 200)
    try:
        units.add_unit(signed.conn, new_code, name, parent.code)
    except SyncError as exc:
        audited(signed, "admin.add_unit", target=new_code, result="refused", detail=refusal(exc, REFUSALS))
        return redirect(signed.page, f"/admin/units/{parent.code}?refused={exc.code}")
    audited(signed, "admin.add_unit", target=new_code,
            detail=said("%(name)s under %(unit)s", name=name, unit=parent.code))
    return redirect(signed.page, f"/admin/units/{new_code}?done=add_unit")


def _restructured(signed: Signed, code: str) -> units.StoredUnit:
    """A unit the admin may move or deactivate (else 404 outside their view, 403 for their own top)."""
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope(code)
    found = scope.unit(signed.conn, signed.admin, code)
    if not scope.may_restructure(signed.conn, signed.admin, found):
        raise Refused(403, signed.page.gettext("A unit given to your account is moved or deactivated by an admin "
                                               "above it."))
    return found


def _unit_done(signed: Signed, unit_code: str, action: str, target: str, detail: Said | str,
               change: Callable[[], object], *, back: str | None = None) -> Response:
    """Run ``change`` (a service call), audit it, and go to the unit's page (``back``: another unit's)."""
    page = back or unit_code
    try:
        change()
    except SyncError as exc:
        audited(signed, action, target=target, result="refused", detail=refusal(exc, REFUSALS))
        return redirect(signed.page, f"/admin/units/{unit_code}?refused={exc.code}")
    audited(signed, action, target=target, detail=detail)
    return redirect(signed.page, f"/admin/units/{page}?done={action.removeprefix('admin.')}")


def unit_forms(signed: Signed, unit: units.StoredUnit, people: int) -> dict[str, object]:
    """What a unit's page needs for its forms: the cadre levels for a new person, whether the
    admin may move or deactivate the unit, where it may go (units near it, not inside it), what
    keeps it from being deactivated (``people``: the active people of its subtree, as the page
    counted them), the notice of the last change, and a refused new person's form (what was typed,
    never the password, and why: ``refused_person``)."""
    _ = signed.page.gettext
    restructure = unit.active and scope.may_restructure(signed.conn, signed.admin, unit)
    parents = [(code, name) for code, name in scope.unit_choices(signed.conn, signed.admin, unit.parent, unit)
               if code != unit.parent] if restructure and unit.parent else []
    below = units.active_units_below(signed.conn, unit.code) if restructure else 0
    done = {"add_unit": _("The unit is added."),
            "move_unit": _("The unit is moved, with every unit and person below it; their records and histories "
                           "stay."),
            "deactivate_unit": _("The unit is deactivated: it takes no new people; its history stays.")}
    query = signed.page.request.query_params
    notice = ({"kind": "ok", "text": done[query["done"]]} if query.get("done") in done
              else {"kind": "error", "text": refusal_text(signed, query["refused"])} if query.get("refused")
              else None)
    return {"levels": [(level.value, level.label(signed.page.lang)) for level in CadreLevel],
            "restructure": restructure, "parents": parents, "inside": {"units": below, "people": people},
            "notice": notice, "person_form": getattr(signed.page.request.state, "refused_person", None)}


def _level(form: FormData) -> CadreLevel | None:
    value = text(form, "level", 32)
    try:
        return CadreLevel(value) if value else None
    except ValueError:
        raise FormatError("bad_level", value) from None


@router.post("/units/{code}/people")
async def add_person(request: Request, signed: SignedIn, code: str) -> Response:
    """A single new person in the unit, with a first password to hand out (and have changed)."""
    form = await read_form(request, signed.page)
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope(code)
    unit = scope.unit(signed.conn, signed.admin, code)
    username, name = text(form, "username", 64), text(form, "name", 100)
    person_id, password = text(form, "person_id", 64), text(form, "password", 256)
    try:
        level = _level(form)
        user = users.add_user(signed.conn, username, password, unit.code, name or None, level=level,
                              person_id=person_id or None)
    except SyncError as exc:
        audited(signed, "admin.add_person", target=username, result="refused", detail=refusal(exc, REFUSALS))
        return _person_refused(signed, unit.code, exc.code, {
            "name": name, "username": username, "person_id": person_id, "level": text(form, "level", 32)})
    person_year.refresh_site(signed.conn, signed.page.request.app.state.config.data_dir, [user.user_id])
    audited(signed, "admin.add_person", target=user.username, detail=said("in %(unit)s", unit=unit.code))
    return redirect(signed.page, f"/admin/people/{user.user_id}?done=add_person")


def _person_refused(signed: Signed, unit_code: str, code: str, typed: dict[str, str]) -> Response:
    """The unit's page again (400), its new-person form holding what was typed (``typed``; the
    password is typed again) and why it was refused, next to the form."""
    from server.admin.routes_pages import unit_page

    signed.page.request.state.refused_person = {"typed": typed, "reason": refusal_text(signed, code)}
    answer = unit_page(signed, unit_code)
    answer.status_code = 400
    return answer


@router.post("/units/{code}/move")
async def move_unit(request: Request, signed: SignedIn, code: str) -> Response:
    """Put the unit, with every unit and person below it, under another of the admin's units; the
    people's records and histories stay, and their yearly figures follow the assignments the new
    place brings."""
    form = await read_form(request, signed.page)
    found = _restructured(signed, code)
    parent = scope.unit(signed.conn, signed.admin, text(form, "parent", 64))  # only under a unit of theirs

    def moved() -> None:
        units.move_unit(signed.conn, found.code, parent.code)
        people = organization.people_in(signed.conn, found.code)
        signed.page.request.app.state.totals.add([p.user_id for p in people])

    return _unit_done(signed, found.code, "admin.move_unit", found.code,
                      said("under %(unit)s (was %(was)s)", unit=parent.code, was=found.parent or "-"), moved)


@router.post("/units/{code}/deactivate")
async def deactivate_unit(request: Request, signed: SignedIn, code: str) -> Response:
    """Take an empty unit out of use (refused while an active unit or person is in it)."""
    await read_form(request, signed.page)
    found = _restructured(signed, code)
    return _unit_done(signed, found.code, "admin.deactivate_unit", found.code, found.name,
                      lambda: units.deactivate_unit(signed.conn, found.code))


# -- imports ----------------------------------------------------------------------------------

def _uploads(signed: Signed) -> Path:
    config: ServerConfig = signed.page.request.app.state.config
    folder = config.data_dir / "admin-imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _held(signed: Signed, token: str) -> Path | None:
    """The sheet the admin uploaded for the dry run under ``token`` (theirs only)."""
    if not _TOKEN.match(token):
        return None
    found = [p for p in _uploads(signed).glob(f"{token}.*") if p.stem == token]
    owner = found[0].with_suffix(".owner") if found else None
    sheets = [p for p in found if p.suffix in (".csv", ".xlsx")]
    if not sheets or owner is None or not owner.is_file() or owner.read_text() != signed.admin.name:
        return None
    return sheets[0]


def _outside(signed: Signed, report: Report[UnitRow] | Report[PersonRow]) -> list[Problem]:
    """Rows naming a unit outside the admin's units: problems too (a system admin has none)."""
    if scope.sees_all(signed.admin):
        return []
    from server import admins

    out = []
    sees: dict[str, bool] = {}  # a sheet names few units for many rows: each is checked once
    for row in report.rows:
        code = row.unit if isinstance(row, PersonRow) else (row.parent or row.code)
        if code not in sees:
            sees[code] = admins.can_see_unit(signed.conn, signed.admin, code)
        if not sees[code]:
            out.append(Problem(row.row, "outside_your_units", code))
    return out


def _check(signed: Signed, kind: str, path: Path) -> tuple[Report[UnitRow] | Report[PersonRow], list[Problem]]:
    report: Report[UnitRow] | Report[PersonRow]
    if kind == "units":
        if not scope.sees_all(signed.admin):
            raise Refused(403)
        report = organization.check_unit_import(signed.conn, path)
    else:
        report = organization.check_people_import(signed.conn, path)
    return report, sorted([*report.problems, *_outside(signed, report)], key=lambda p: (p.row, p.reason))


def _report_tables(signed: Signed, report: Report[UnitRow] | Report[PersonRow],
                   problems: list[Problem]) -> tuple[Table, Table]:
    _ = signed.page.gettext
    changes = {Change.NEW: _("new"), Change.CHANGED: _("changed"), Change.UNCHANGED: _("unchanged")}
    reasons = {"missing_field": _("a column is empty"), "bad_code": _("a code or id is not valid"),
               "bad_name": _("the name is not valid"), "bad_level": _("not a cadre level"),
               "unknown_parent": _("the parent unit does not exist"), "cycle": _("the units would form a circle"),
               "duplicate_id": _("on another row too"), "unknown_unit": _("the unit does not exist"),
               "outside_your_units": _("the unit is not one of yours")}
    if signed.page.lang == "en":  # the checker's details are English sentences
        bad = Table("bad-rows", _("Bad rows"), (_("Row"), _("Reason"), _("Detail")),
                    [(p.row, reasons.get(p.reason, p.reason), p.detail) for p in problems], raw=(2,))
    else:
        bad = Table("bad-rows", _("Bad rows"), (_("Row"), _("Reason")),
                    [(p.row, reasons.get(p.reason, p.reason)) for p in problems])
    if report.kind == "units":
        rows = Table("rows", _("Rows"), (_("Row"), _("Code"), _("Name"), _("Parent unit"), _("Change")),
                     [(r.row, r.code, r.name, r.parent or "", changes[r.change])
                      for r in report.rows if isinstance(r, UnitRow)], raw=(1, 3))
    else:
        rows = Table("rows", _("Rows"), (_("Row"), _("Account"), _("Name"), _("Cadre level"), _("Unit"),
                                         _("Change")),
                     [(r.row, r.username, r.name, r.level.label(signed.page.lang), r.unit, changes[r.change])
                      for r in report.rows if isinstance(r, PersonRow)], raw=(1, 4))
    return rows, bad


@router.get("/import")
def import_page(signed: SignedIn) -> Response:
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope("import")
    return respond(signed, "import.html", title=signed.page.gettext("Import units or people"), section="people",
                   report=None, token="", kind="people", can_units=scope.sees_all(signed.admin), result=None)


@router.post("/import")
async def import_check(request: Request, signed: SignedIn) -> Response:
    _ = signed.page.gettext
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope("import")
    form = await read_form(request, signed.page)
    kind = "units" if text(form, "kind") == "units" else "people"
    file = upload(form, "file")
    suffix = Path(file.filename or "").suffix.lower() if file else ""
    if file is None or suffix not in (".csv", ".xlsx"):
        return respond(signed, "import.html", title=_("Import units or people"), section="people", report=None,
                       token="", kind=kind, can_units=scope.sees_all(signed.admin), result=None,
                       notice={"kind": "error", "text": _("Choose a CSV or XLSX file.")})
    token = secrets.token_urlsafe(24)
    folder = _uploads(signed)
    path = folder / f"{token}{suffix}"
    data = await file.read(MAX_SHEET_BYTES + 1)
    if len(data) > MAX_SHEET_BYTES:
        raise Refused(413, _("The file is larger than 8 MiB."))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    (folder / f"{token}.owner").write_text(signed.admin.name)
    try:
        report, problems = _check(signed, kind, path)
    except SyncError as exc:
        path.unlink(missing_ok=True)
        return respond(signed, "import.html", title=_("Import units or people"), section="people", report=None,
                       token="", kind=kind, can_units=scope.sees_all(signed.admin), result=None,
                       notice={"kind": "error", "text": _("The file cannot be read: %(reason)s") % {
                           "reason": signed.page.why(exc)}})
    rows, bad = _report_tables(signed, report, problems)
    audited(signed, "admin.import_check", target=kind, result="ok" if not problems else "bad_rows",
            detail=said_n("%(file)s: %(n)d good row, %(bad)d bad", "%(file)s: %(n)d good rows, %(bad)d bad",
                           len(report.rows), file=file.filename or "", bad=len({p.row for p in problems})))
    return respond(signed, "import.html", title=_("Import units or people"), section="people",
                   report={"rows": rows, "bad": bad, "ok": not problems, "new": report.count(Change.NEW),
                           "changed": report.count(Change.CHANGED), "unchanged": report.count(Change.UNCHANGED)},
                   token=token if not problems else "", kind=kind, can_units=scope.sees_all(signed.admin),
                   result=None)


@router.post("/import/confirm")
async def import_confirm(request: Request, signed: SignedIn) -> Response:
    _ = signed.page.gettext
    form = await read_form(request, signed.page)
    kind = "units" if text(form, "kind") == "units" else "people"
    path = _held(signed, text(form, "token", 64))
    if path is None:
        raise Refused(404, _("That check has expired: upload the file again."))
    try:
        report, problems = _check(signed, kind, path)
        if not problems:
            if kind == "units":
                report = organization.import_units(signed.conn, path, confirm=True)
            else:
                password = text(form, "password", 256) or None
                report = organization.import_people(signed.conn, path, confirm=True, password=password,
                                                    by=signed.admin.name)
            problems = list(report.problems)
    except SyncError as exc:
        audited(signed, "admin.import", target=kind, result="refused", detail=refusal(exc, REFUSALS))
        return respond(signed, "import.html", title=_("Import units or people"), section="people", report=None,
                       token=text(form, "token", 64), kind=kind, can_units=scope.sees_all(signed.admin), result=None,
                       notice={"kind": "error", "text": _("Nothing was imported: %(reason)s") % {
                           "reason": signed.page.why(exc)}})
    if problems:
        rows, bad = _report_tables(signed, report, problems)
        return respond(signed, "import.html", title=_("Import units or people"), section="people",
                       report={"rows": rows, "bad": bad, "ok": False, "new": 0, "changed": 0, "unchanged": 0},
                       token="", kind=kind, can_units=scope.sees_all(signed.admin), result=None)
    for p in path.parent.glob(f"{path.stem}.*"):
        p.unlink(missing_ok=True)
    audited(signed, "admin.import", target=kind,
            detail=said("%(new)d new, %(changed)d changed", new=report.count(Change.NEW),
                         changed=report.count(Change.CHANGED)))
    return respond(signed, "import.html", title=_("Import units or people"), section="people", report=None, token="",
                   kind=kind, can_units=scope.sees_all(signed.admin),
                   result={"new": report.count(Change.NEW), "changed": report.count(Change.CHANGED)})
