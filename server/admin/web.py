"""The admin web's frame: mounting at /admin, the request's page and admin, sign-in and sign-out,
the language switch, CSRF on every POST, and the answers for refusals. The section routers
(server.admin.routes_*) build on the dependencies here; they validate and call services.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Connection, Engine
from starlette.datastructures import FormData, UploadFile

from server import admins, audit
from server.admin import exports, i18n
from server.admin.exports import Table
from server.admin.render import LANG_COOKIE, Page, environment
from server.admin.scope import OutOfScope
from server.admin.session import COOKIE, SessionCodec, check_csrf, new_session, session_key
from server.config import ServerConfig
from server.limits import client_address
from server.storage.engine import transaction
from server.throttle import TooManyAttempts
from sync.protocol.rules import Rules
from sync.protocol.rules_file import RULES_FILE_NAME, load_rules

STATIC = Path(__file__).with_name("static")
MAX_FIELDS = 200
MAX_FIELD_BYTES = 64 * 1024
MAX_FILES = 1


class Refused(Exception):
    """An answer other than the page: 403, 404, or a redirect to the sign-in page."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _db(request: Request) -> Iterator[Connection]:
    engine: Engine = request.app.state.engine
    with engine.connect() as conn:
        yield conn


Conn = Annotated[Connection, Depends(_db)]


def _page(request: Request) -> Page:
    state: AdminState = request.app.state.admin_web
    lang = i18n.choose(request.cookies.get(LANG_COOKIE))
    session = state.codec.loads(request.cookies.get(COOKIE))
    changed = session is None
    return Page(request=request, codec=state.codec, env=state.envs[lang], lang=lang,
                session=session or new_session(), session_changed=changed)


AnyPage = Annotated[Page, Depends(_page)]


@dataclass(frozen=True, slots=True)
class Signed:
    """A page of a signed-in admin."""

    page: Page
    admin: admins.Admin
    conn: Connection

    @property
    def address(self) -> str:
        return client_address(self.page.request)


def _signed(page: AnyPage, conn: Conn) -> Signed:
    name = page.session.admin
    admin = admins.get_admin(conn, name) if name else None
    if admin is None or not admin.active:
        raise Refused(303)
    if admin.role is admins.AdminRole.REVIEWER and not reviewer_may_open(page.request.url.path):
        raise OutOfScope(page.request.url.path)
    page.context.update(admin=admin, role_name=role_name(page, admin.role), nav=navigation(page, admin))
    return Signed(page, admin, conn)


def reviewer_may_open(path: str) -> bool:
    """A reviewer reaches the classes they review and nothing else (#15.2): the dashboard (which
    sends them to their classes) and the class pages; every other page answers 404, as one that
    does not exist (a class that is not theirs is refused by server.admin.scope.klass)."""
    return path in ("/admin/", "/admin/classes") or path.startswith("/admin/classes/")


SignedIn = Annotated[Signed, Depends(_signed)]


def site_rules(signed: Signed) -> Rules:
    config: ServerConfig = signed.page.request.app.state.config
    return load_rules(config.data_dir / RULES_FILE_NAME)


@dataclass(frozen=True, slots=True)
class SiteClock:
    """How the admin web shows people a stored time (ISO 8601, UTC): on the site's clock, the
    rules' ``year.utc_offset_minutes``, so a day is the site's day (as for deadlines and the
    study year). Pages, their CSV/XLSX downloads and the PDFs made for admins show times this way."""

    rules: Rules

    @property
    def zone(self) -> str:
        """The site's zone as a column heading names it, e.g. "UTC+08:00"."""
        moment = self.rules.year.local_time("2000-01-01T00:00:00Z")
        assert moment is not None  # a fixed readable stamp
        return str(moment.tzname())

    def when(self, stamp: str | None, *, day: bool = False) -> str:
        """``stamp`` on the site's clock to the second ("2026-03-01 15:00:00"), or only its day with
        ``day``; "" for none, the stamp itself if it cannot be read."""
        if not stamp:
            return ""
        if day:
            return self.rules.year.local_day_text(stamp)
        moment = self.rules.year.local_time(stamp)
        return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else stamp


def site_clock(signed: Signed) -> SiteClock:
    return SiteClock(site_rules(signed))


def role_name(page: Page, role: admins.AdminRole) -> str:
    _ = page.gettext
    return {admins.AdminRole.SYSTEM: _("system admin"), admins.AdminRole.UNIT: _("unit admin"),
            admins.AdminRole.REVIEWER: _("reviewer")}[role]


def navigation(page: Page, admin: admins.Admin) -> list[tuple[str, str, str]]:
    _ = page.gettext
    items = [("dashboard", "/admin/", _("Dashboard")), ("units", "/admin/units", _("Units")),
             ("people", "/admin/people", _("People")), ("courses", "/admin/courses", _("Courses")),
             ("rankings", "/admin/rankings", _("Rankings")), ("behind", "/admin/behind", _("Behind")),
             ("classes", "/admin/classes", _("Training classes")),
             ("assignments", "/admin/assignments", _("Assignments")),
             ("records", "/admin/records", _("Record import")),
             ("flagged", "/admin/flagged", _("Flagged records")), ("audit", "/admin/audit", _("Audit log"))]
    if admin.role is admins.AdminRole.REVIEWER:
        return [item for item in items if item[0] == "classes"]
    return items


async def read_form(request: Request, page: Page) -> FormData:
    """The POSTed form, bounded, once its CSRF token matched the session's (else 403)."""
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    token = form.get("csrf")
    if not check_csrf(page.session, token if isinstance(token, str) else None):
        raise Refused(403, page.gettext("This form has expired or did not come from this site. Open the page "
                                        "again and repeat."))
    return form


def text(form: FormData, name: str, max_length: int = 200) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip()[:max_length]


def upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


def local_path(target: str) -> str:
    """``target`` when it is a path inside the admin web (no open redirect), else the dashboard."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/admin") or "\\" in target:
        return "/admin/"
    return target


def redirect(page: Page, target: str) -> Response:
    return page.finish(RedirectResponse(local_path(target), status_code=303))


def respond(signed: Signed, template: str, tables: Sequence[Table] = (), **values: object) -> Response:
    """The page, or with ``?export=csv|xlsx&table=NAME`` that one of its tables as a download
    (audited: data leaving the site)."""
    page = signed.page
    kind = page.request.query_params.get("export")
    if kind is None:
        return page.render(template, 200, **values)
    name = page.request.query_params.get("table", "")
    table = next((t for t in tables if t.name == name), None)
    if table is None or kind not in exports.CONTENT_TYPES:
        raise Refused(404)
    data = exports.render(table, kind)
    with transaction(signed.conn):
        audit.record(signed.conn, actor=signed.admin.name, action="admin.export", result="ok", address=signed.address,
                     target=page.request.url.path,
                     detail=audit.said_n("%(file)s: %(n)d row", "%(file)s: %(n)d rows", len(table.rows),
                                         file=f"{table.name}.{kind}"))
    filename = f"{table.name}.{kind}"
    return page.finish(Response(data, media_type=exports.CONTENT_TYPES[kind], headers={
        "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store"}))


def audited(signed: Signed, action: str, *, target: str = "", result: str = "ok",
            detail: audit.Said | str = "") -> None:
    """One audit row for an admin's action, in its own write transaction (``detail``: see audit.record)."""
    with transaction(signed.conn):
        audit.record(signed.conn, actor=signed.admin.name, action=action, target=target, result=result,
                     address=signed.address, detail=detail)


router = APIRouter(prefix="/admin")


@router.get("/sign-in")
def sign_in_form(page: AnyPage, next: str = "/admin/") -> Response:
    return page.render("sign_in.html", title=page.gettext("Sign in"), error="", name="", next=local_path(next))


@router.post("/sign-in")
async def sign_in(request: Request, page: AnyPage, conn: Conn) -> Response:
    form = await read_form(request, page)
    name, password, target = text(form, "name", 64), text(form, "password", 256), local_path(text(form, "next"))
    _ = page.gettext
    try:
        admin = admins.sign_in(conn, name, password, address=client_address(request),
                               passwords=request.app.state.passwords)
    except (admins.AdminSignInError, TooManyAttempts) as exc:
        messages = {"bad_credentials": _("The account or the password is wrong."),
                    "locked": _("Too many wrong passwords: this account is locked for a while. Try again later."),
                    "inactive": _("This account is deactivated.")}
        error = messages.get(exc.code, _("Too many attempts: wait a little and try again."))
        status = 401 if exc.code in ("bad_credentials", "inactive") else 429
        response = page.render("sign_in.html", status_code=status, title=_("Sign in"), error=error, name=name,
                               next=target)
        if exc.retry_after_s:
            response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after_s)))
        return response
    page.set_session(new_session(admin.name))
    return redirect(page, target)


@router.post("/sign-out")
async def sign_out(request: Request, page: AnyPage, conn: Conn) -> Response:
    await read_form(request, page)
    if page.session.admin:
        with transaction(conn):
            audit.record(conn, actor=page.session.admin, action="admin.sign_out", result="ok",
                         address=client_address(request))
    page.set_session(new_session())
    return redirect(page, "/admin/sign-in")


@router.post("/language")
async def language(request: Request, page: AnyPage) -> Response:
    form = await read_form(request, page)
    response = redirect(page, text(form, "next", 2000))
    response.set_cookie(LANG_COOKIE, i18n.choose(text(form, "lang")), max_age=365 * 86400, path="/admin",
                        httponly=True, samesite="strict")
    return response


@dataclass(frozen=True, slots=True)
class AdminState:
    codec: SessionCodec
    envs: dict[str, jinja2.Environment]


def _record_reach(request: Request, admin: str, action: str) -> None:
    """Audit a signed-in admin's request refused before any service ran (the address and method)."""
    engine: Engine = request.app.state.engine
    with engine.connect() as conn, transaction(conn):
        audit.record(conn, actor=admin, action=action, result="refused", address=client_address(request),
                     target=request.url.path[:200], detail=request.method)


def install(app: FastAPI, config: ServerConfig) -> None:
    """Mount the admin web on ``app``: its static files, its routers and its refusal pages."""
    from server.admin import sections

    app.state.admin_web = AdminState(codec=SessionCodec(session_key(config.keys_dir)),
                                      envs={lang: environment(lang) for lang in i18n.LANGUAGES})
    app.mount("/admin/static", StaticFiles(directory=STATIC), name="admin-static")
    app.include_router(router)
    for section in sections.ROUTERS:
        app.include_router(section)

    async def on_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        page = _page(request)
        if exc.status == 303:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return page.finish(RedirectResponse("/admin/sign-in?next=" + quote(target), status_code=303))
        if exc.status == 403 and page.session.admin:
            _record_reach(request, page.session.admin, "admin.refused")
        _ = page.gettext
        title = {403: _("Not allowed"), 404: _("Not found")}.get(exc.status, _("Refused"))
        message = exc.message or {403: _("Your account may not see this page."),
                                  404: _("There is no such page, or it is outside what your account may see.")}.get(
            exc.status, "")
        return page.render("error.html", status_code=exc.status, title=title, message=message)

    async def on_out_of_scope(request: Request, exc: Exception) -> Response:
        """404, as for a page that does not exist; a signed-in admin's reach outside their units
        (a unit's or a person's address typed by hand, a form posted there) is audited, as is a
        403 (a form without its CSRF token, a page their role may not use)."""
        admin = _page(request).session.admin
        if admin:
            _record_reach(request, admin, "admin.out_of_scope")
        return await on_refused(request, Refused(404))

    app.add_exception_handler(Refused, on_refused)
    app.add_exception_handler(OutOfScope, on_out_of_scope)
