"""HTTP: the signed-in learner's certificates (list, PDF) and the issuer's public revocation list.
Thin: the logic is in server.certificates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse, Response

from server.certificates import certificates_of, get_certificate, many_pdf, signed_revocations
from server.classes import class_names
from server.responses import CertificateOut, RevocationsOut
from server.routes_auth import Conn, CurrentUser

router = APIRouter(prefix="/api/certificates")

Serial = Annotated[str, Path(pattern=r"^SD[0-9]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")]


@router.get("/revoked", response_class=Response,
            responses={200: {"model": RevocationsOut,
                             "description": "the signed revocation list (sync.protocol.certificates.Revocations)"},
                       404: {"description": "no certificate was issued yet"}})
def get_revoked(conn: Conn) -> Response:
    """The newest signed revocation list: public, so any verifier can fetch it."""
    body = signed_revocations(conn)
    if body is None:
        return JSONResponse({"code": "no_revocations", "detail": "no certificate was issued yet"}, status_code=404)
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-cache"})


@router.get("", response_model=list[CertificateOut])
def get_mine(user: CurrentUser, conn: Conn) -> list[dict[str, Any]]:
    """The signed-in person's certificates, newest first (revoked ones marked)."""
    found = certificates_of(conn, user.user_id)
    names = class_names(conn, {c.class_code for c in found if c.class_code})
    return [{"serial": c.serial, "kind": c.kind.value, "title": c.kind.title_zh, "year": c.year,
             "class_code": c.class_code, "class_name": names.get(c.class_code or ""), "hours": c.hours,
             "score": c.score, "issued_at": c.issued_at, "revoked_at": c.revoked_at, "text": c.token}
            for c in found]


@router.get("/{serial}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}, 404: {"description": "not one of yours"}})
def get_pdf(request: Request, serial: Serial, user: CurrentUser, conn: Conn) -> Response:
    """One of the signed-in person's certificates as PDF (printed from its stored signed text)."""
    found = get_certificate(conn, serial)
    if found is None or found.user_id != user.user_id:
        raise HTTPException(404, "no such certificate of yours")
    data = many_pdf([found], request.app.state.rules)
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{found.serial}.pdf"'})
