"""Pages from the Jinja2 templates, in the request's language, with the session cookie set.

One Environment per language (zh_CN, en) and process, each with Jinja2's i18n extension over the
catalog of server.admin.i18n, autoescaping on; it compiles each template the first time it is used
(``compile_all`` compiles every one at once: a process forked afterwards has them compiled).
``Page`` is what a route gets: the request's session, its language and a gettext, and ``render`` to
answer with a template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from server.admin import i18n
from server.admin.session import COOKIE, SESSION_MAX_AGE_S, Session, SessionCodec
from server.audit import why
from sync.protocol.errors import SyncError

TEMPLATES = Path(__file__).with_name("templates")
LANG_COOKIE = "studydesk_admin_lang"


@cache
def environment(language: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             extensions=["jinja2.ext.i18n"], undefined=jinja2.StrictUndefined)
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def compile_all() -> None:
    """Compile every template in every language (a few tenths of a CPU second in all)."""
    for language in i18n.LANGUAGES:
        env = environment(language)
        for name in env.list_templates(extensions=["html"]):
            env.get_template(name)


@dataclass
class Page:
    """One request's view of the admin web (built by server.admin.web's dependencies)."""

    request: Request
    codec: SessionCodec
    env: jinja2.Environment
    lang: str
    session: Session
    session_changed: bool
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def gettext(self) -> Callable[[str], str]:
        return i18n.translations(self.lang).gettext

    def why(self, exc: SyncError) -> str:
        """Why ``exc`` refused, in the page's language (server.audit.why)."""
        return why(exc).said(i18n.translations(self.lang))

    def export_url(self, table: str, kind: str) -> str:
        query = [(k, v) for k, v in self.request.query_params.multi_items() if k not in ("export", "table")]
        return self.request.url.path + "?" + urlencode([*query, ("export", kind), ("table", table)])

    def set_session(self, session: Session) -> None:
        self.session = session
        self.session_changed = True

    def finish(self, response: Response) -> Response:
        """``response`` with the session cookie (when it is new or changed)."""
        if self.session_changed:
            response.set_cookie(COOKIE, self.codec.dumps(self.session), max_age=SESSION_MAX_AGE_S, path="/admin",
                                httponly=True, samesite="strict", secure=self.request.url.scheme == "https")
        return response

    def render(self, template: str, status_code: int = 200, **values: object) -> Response:
        here = self.request.url.path + (f"?{self.request.url.query}" if self.request.url.query else "")
        context: dict[str, Any] = {"lang": self.lang, "csrf": self.session.csrf, "here": here,
                                   "export_url": self.export_url, "notice": None, "admin": None, "role_name": "",
                                   "nav": (), "section": ""}
        body = self.env.get_template(template).render({**context, **self.context, **values})
        response = HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)
        return self.finish(response)


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
