"""The admin web's operations pages: importing a records file carried in from an air-gapped
site (the same ingest as ``studydesk-server records import``), the flagged records of the
admin's view with their reasons, and the audit log."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from server import admins, audit
from server.admin import i18n, reports, scope
from server.admin.exports import Table, text
from server.admin.reasons import reason_texts
from server.admin.web import SignedIn, audited, read_form, respond, site_clock, upload
from server.config import ServerConfig
from server.ingest import import_records, read_records
from server.transcript import ensure_credited
from sync.protocol.errors import SyncError

router = APIRouter(prefix="/admin")
MAX_RECORDS_FILE_BYTES = 8 * 1024 * 1024  # the server's request body limit (server.limits)


@router.get("/records")
def records_page(signed: SignedIn) -> Response:
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope("records")
    return respond(signed, "records.html", title=signed.page.gettext("Record import"), section="records",
                   result=None, error="")


@router.post("/records")
async def import_file(request: Request, signed: SignedIn) -> Response:
    _ = signed.page.gettext
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope("records")
    form = await read_form(request, signed.page)
    file = upload(form, "file")
    enrol = form.get("enrol_devices") == "1"
    if file is None:
        return respond(signed, "records.html", title=_("Record import"), section="records", result=None,
                       error=_("Choose a records file first."))
    config: ServerConfig = request.app.state.config
    with tempfile.TemporaryDirectory(prefix="records-import-") as tmp:
        path = Path(tmp) / "records.json"
        path.write_bytes(await file.read(MAX_RECORDS_FILE_BYTES + 1))
        try:
            rf = read_records(path, file.filename or "")
            if not admins.can_see_person(signed.conn, signed.admin, rf.user_id):
                raise SyncError("unknown_user", "this person is not in your units")
            summary = import_records(signed.conn, rf, enrol_devices=enrol, repo_dir=config.repo_dir)
        except SyncError as exc:
            audited(signed, "admin.records_import", target=file.filename or "", result="refused",
                    detail=audit.refusal(exc))
            return respond(signed, "records.html", title=_("Record import"), section="records", result=None,
                           error=_("The file was refused: %(reason)s") % {
                               "reason": f"{exc.code} ({signed.page.why(exc)})"})
    audited(signed, "admin.records_import", target=rf.username or rf.user_id, detail=summary.detail())
    texts = reason_texts(_)
    rejected = Table("rejected", _("Refused records"), (_("Reason"), _("Records"), _("Meaning")),
                     [(reason, n, texts.get(reason, reason)) for reason, n in summary.rejected.items()])
    flagged = Table("flagged", _("Flagged records"), (_("Flag"), _("Records"), _("Meaning")),
                    [(flag, n, texts.get(flag, flag)) for flag, n in summary.flagged.items()])
    return respond(signed, "records.html", title=_("Record import"), section="records", error="",
                   result={"file": file.filename, "records": len(rf.records), "person": rf.username or rf.user_id,
                           "stored": summary.stored, "duplicate": summary.duplicate,
                           "rejected": sum(summary.rejected.values()), "enrolled": summary.enrolled,
                           "rejected_table": rejected, "flagged_table": flagged})


@router.get("/flagged")
def flagged_page(signed: SignedIn) -> Response:
    _ = signed.page.gettext
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope("flagged")
    config: ServerConfig = signed.page.request.app.state.config
    ensure_credited(signed.conn, config.repo_dir)
    paths = admins.visible_unit_paths(signed.conn, signed.admin)
    rows = reports.flagged(signed.conn, paths)
    texts = reason_texts(_)
    table = Table("flagged", _("Flagged records"),
                  (_("Name"), _("Account"), _("Device"), _("Record"), _("Course"), _("Lesson"), _("Credited (s)"),
                   _("Set aside (s)"), _("Reasons")),
                  [(f.display_name, f.username, f.device_id, f.seq, f.course_id, f.lesson_id, round(f.credited_s, 1),
                    round(f.set_aside_s, 1),
                    "; ".join(_("%(reason)s: %(seconds)s s") % {"reason": texts.get(k, k), "seconds": text(v)}
                              for k, v in sorted(f.reasons.items())))
                   for f in rows],
                  [f"/admin/people/{f.user_id}" for f in rows])
    return respond(signed, "table_page.html", [table], title=_("Flagged records"), section="flagged", table=table,
                   intro=_("Records whose study time the server did not credit in full, with the reasons."),
                   numeric=(3, 6, 7))


@router.get("/audit")
def audit_page(signed: SignedIn, who: Annotated[str, Query(max_length=64)] = "") -> Response:
    _ = signed.page.gettext
    if not scope.sees_all(signed.admin):
        who = signed.admin.name  # a unit admin sees their own actions
    rows = audit.entries(signed.conn, user=who or None, limit=500)
    actions = {"sign_in": _("learner sign-in"), "admin_sign_in": _("admin sign-in"), "admin.sign_out": _("sign-out"),
               "refresh": _("token refresh"), "enrol_device": _("device enrolment"), "admin.export": _("download"),
               "admin.records_import": _("record import"), "admin.publish": _("course published"),
               "admin.take_off_line": _("course taken off line"), "admin.bulletin": _("bulletin"),
               "admin.unlock": _("account unlocked"), "admin.reset_password": _("password reset"),
               "admin.move_person": _("person moved"), "admin.deactivate_person": _("account deactivated"),
               "admin.add_unit": _("unit added"), "admin.import_check": _("sheet checked"),
               "admin.import": _("sheet imported"), "admin.class_add": _("class created"),
               "admin.class_course": _("course added to a class"), "admin.class_enrol": _("enrolled in a class"),
               "admin.assign": _("course assigned"), "admin.unassign": _("assignment removed"),
               "admin.class_certificates": _("class certificates issued"),
               "admin.class_certificates_pdf": _("class certificates downloaded"),
               "admin.class_unenrol": _("enrolment taken back"),
               "admin.issue_certificate": _("certificate issued"),
               "admin.revoke_certificate": _("certificate revoked"),
               "admin.certificate_pdf": _("certificate downloaded"), "admin.add_person": _("person added"),
               "admin.move_unit": _("unit moved"), "admin.deactivate_unit": _("unit deactivated"),
               "admin.out_of_scope": _("reached outside the account's units"), "admin.refused": _("not allowed")}
    results = {"ok": _("done"), "refused": _("refused"), "locked": _("locked"), "inactive": _("deactivated"),
               "bad_credentials": _("wrong account or password"), "wrong_password": _("wrong password"),
               "too_many_attempts": _("too many attempts"), "token_reused": _("token used twice"),
               "too_many_devices": _("too many devices"), "not_listed": _("not in the catalog"),
               "bad_rows": _("bad rows")}
    clock, catalog = site_clock(signed), i18n.translations(signed.page.lang)
    table = Table("audit", _("Audit log"), (_("Time (%(zone)s)") % {"zone": clock.zone}, _("Who"), _("Action"),
                                            _("Target"), _("Address"), _("Result"), _("Detail")),
                  [(clock.when(e.at), e.actor, actions.get(e.action, e.action), e.target, e.address,
                    results.get(e.result, e.result), e.said(catalog)) for e in reversed(rows)], raw=(3, 4, 6))
    return respond(signed, "table_page.html", [table], title=_("Audit log"), section="audit", table=table,
                   intro=_("The newest 500 entries, newest first.") if scope.sees_all(signed.admin)
                   else _("Your own actions, newest first."), numeric=())
