"""The admin web's certificates on a person's page: their list with PDF downloads, a form that
issues this year's 学时证明 (or another year's), and revoking one with a reason. Every action stays
inside the admin's people and is audited; the service is server.certificates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.admin import scope
from server.admin.web import Signed, SignedIn, SiteClock, audited, read_form, redirect, site_rules, text
from server.audit import refusal, said
from server.certificates import (
    Issuer,
    StoredCertificate,
    certificates_of,
    issue_year_certificate,
    many_pdf,
    require_certificate,
    revoke,
)
from server.classes import class_names
from server.config import ServerConfig
from server.publisher_keys import load_private
from server.site_rules import load_site_rules
from server.users import User
from sync.protocol.errors import FormatError, SyncError

router = APIRouter(prefix="/admin")

DONE = ("issue_certificate", "revoke_certificate")
"""The ``?done=`` notices of the person page that this module's forms lead to."""


def rows(signed: Signed, person: User, clock: SiteClock) -> list[dict[str, Any]]:
    """The person's certificates as the person page lists them (their days the site's)."""
    found = certificates_of(signed.conn, person.user_id)
    names = class_names(signed.conn, {c.class_code for c in found if c.class_code})
    return [{"serial": c.serial, "title": c.kind.title_zh, "about": str(c.year) if c.year is not None
             else names.get(c.class_code or "", c.class_code), "hours": c.hours, "score": c.score,
             "issued_on": clock.when(c.issued_at, day=True), "revoked_on": clock.when(c.revoked_at, day=True),
             "reason": c.reason} for c in found]


def _config(signed: Signed) -> ServerConfig:
    config: ServerConfig = signed.page.request.app.state.config
    return config


def _managed(signed: Signed, user_id: str) -> User:
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope(user_id)
    return scope.person(signed.conn, signed.admin, user_id)


def _certificate(signed: Signed, serial: str) -> StoredCertificate:
    """The certificate ``serial``; "not found" (404) when there is none."""
    try:
        return require_certificate(signed.conn, serial[:40])
    except FormatError:
        raise scope.OutOfScope(serial[:40]) from None


@router.post("/people/{user_id}/certificates")
async def issue(request: Request, signed: SignedIn, user_id: str) -> Response:
    form = await read_form(request, signed.page)
    person = _managed(signed, user_id)
    year_text = text(form, "year", 4)
    try:
        if not year_text.isdigit():
            raise FormatError("bad_year", "the year is four digits")
        issued = issue_year_certificate(signed.conn, person.username, int(year_text), signed.admin.name,
                                        Issuer.for_site(_config(signed), load_site_rules(_config(signed).data_dir)))
    except SyncError as exc:
        audited(signed, "admin.issue_certificate", target=person.username, result="refused",
                detail=refusal(exc))
        return redirect(signed.page, f"/admin/people/{user_id}?refused={exc.code}")
    audited(signed, "admin.issue_certificate", target=person.username,
            detail=said("%(serial)s for %(year)s", serial=issued.certificate.serial, year=year_text) if issued.new
            else said("%(serial)s for %(year)s (already issued)", serial=issued.certificate.serial, year=year_text))
    return redirect(signed.page, f"/admin/people/{user_id}?done=issue_certificate")


@router.post("/certificates/{serial}/revoke")
async def revoke_one(request: Request, signed: SignedIn, serial: str) -> Response:
    form = await read_form(request, signed.page)
    found = _certificate(signed, serial)
    person = _managed(signed, found.user_id)
    reason = text(form, "reason", 200)
    try:
        revoke(signed.conn, found.serial, reason, signed.admin.name, load_private(_config(signed).keys_dir))
    except SyncError as exc:
        audited(signed, "admin.revoke_certificate", target=found.serial, result="refused",
                detail=refusal(exc))
        return redirect(signed.page, f"/admin/people/{person.user_id}?refused={exc.code}")
    audited(signed, "admin.revoke_certificate", target=found.serial,
            detail=said("%(person)s: %(reason)s", person=person.username, reason=reason))
    return redirect(signed.page, f"/admin/people/{person.user_id}?done=revoke_certificate")


@router.get("/certificates/{serial}.pdf")
def certificate_pdf(signed: SignedIn, serial: str) -> Response:
    found = _certificate(signed, serial)
    person = scope.person(signed.conn, signed.admin, found.user_id)
    data = many_pdf([found], site_rules(signed))
    audited(signed, "admin.certificate_pdf", target=found.serial, detail=person.username)
    return signed.page.finish(Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{found.serial}.pdf"'}))
