"""The admin web as a test sees it: a small organization with study records on a real server,
a browser-like session (requests) that signs in with the form's CSRF token, and the tables of a
page read back from its HTML.

Building the organization (seven scrypt password hashes, three devices enrolled, records sent
through the API) costs more CPU than the server it runs on: ``fresh_site`` gives each test a new
server on a copy of one built once per test process and backend (tests/support/site_copies.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from server import admins
from server.storage.engine import create
from server.units import add_unit
from server.users import add_user
from tests.support.courses import publish_lessons
from tests.support.ingest import chain, enrolled_client
from tests.support.server_process import ServerProcess
from tests.support.site_copies import copied_server

PASSWORD = "pass-word"
ADMIN_PASSWORD = "admin-pass-word-1"
UNITS = (("prov", "某省", None), ("city-a", "甲市", "prov"), ("city-b", "乙市", "prov"),
         ("county-a1", "甲市一县", "city-a"))
PEOPLE = (("zhang", "张三", "county-a1", 6), ("li", "李四", "city-a", 3), ("wang", "王五", "city-b", 0),
          ("zhao", "赵六", "city-b", 2))
"""(account, name, unit, records of 10 credited seconds each)"""


@dataclass
class Site:
    server: ServerProcess
    user_ids: dict[str, str] = field(default_factory=dict)


def build_site(server: ServerProcess) -> Site:
    """The units and people above, each person's records sent through the API, and three admins:
    ``root`` (system), ``a-admin`` (甲市's subtree) and ``b-admin`` (乙市's)."""
    publish_lessons(server.data_dir, "c1", {"l1": 600.0})
    engine = create(server.db_url)
    try:
        with engine.connect() as conn:
            for code, name, parent in UNITS:
                add_unit(conn, code, name, parent)
            for account, name, unit, _n in PEOPLE:
                add_user(conn, account, PASSWORD, unit, name)
            admins.create_admin(conn, "root", ADMIN_PASSWORD, admins.AdminRole.SYSTEM, display_name="省管理员")
            admins.create_admin(conn, "a-admin", ADMIN_PASSWORD, admins.AdminRole.UNIT, units=("city-a",),
                                display_name="甲市管理员")
            admins.create_admin(conn, "b-admin", ADMIN_PASSWORD, admins.AdminRole.UNIT, units=("city-b",))
            conn.commit()
            rows = conn.execute(sa.text("SELECT username, user_id FROM users"))
            ids: dict[str, str] = {name: uid for name, uid in rows}
    finally:
        engine.dispose()
    for account, _name, _unit, n in PEOPLE:
        if n:
            client = enrolled_client(server, account)
            answers = client.api.post_batch(chain(client.signer, n))
            assert all(a["status"] == "stored" for a in answers), answers
    return Site(server, ids)


def _user_ids(server: ServerProcess, _folder: Path) -> dict[str, str]:
    return build_site(server).user_ids


@contextmanager
def fresh_site(request: pytest.FixtureRequest, folder: Path) -> Iterator[Site]:
    """A started server on a copy of ``build_site``'s site (tests/support/site_copies.py), its data
    folder in ``folder``, on the backend ``request.param`` names (``sqlite`` without one)."""
    with copied_server(request, folder, "admin-site", _user_ids) as (server, user_ids):
        yield Site(server, dict(user_ids))


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class AdminSession:
    """One browser: its cookies, and the CSRF token of the last page it loaded."""

    def __init__(self, server: ServerProcess) -> None:
        self.base = server.url
        self.http = requests.Session()
        self.csrf = ""

    def get(self, path: str, **kw: object) -> requests.Response:
        response = self.http.get(self.base + path, timeout=30, **kw)  # type: ignore[arg-type]
        self._keep_token(response)
        return response

    def _keep_token(self, response: requests.Response) -> None:
        """The page's CSRF token, if it is a page: a download (a PDF, a spreadsheet) has none, and
        reading it as text would make requests guess its character set, byte by byte."""
        if response.headers.get("content-type", "").startswith("text/html") and (
                m := CSRF.search(response.text)) is not None:
            self.csrf = m.group(1)

    def post(self, path: str, data: dict[str, str], *, csrf: str | None = None, **kw: object) -> requests.Response:
        form = {"csrf": self.csrf if csrf is None else csrf, **data}
        response = self.http.post(self.base + path, data=form, timeout=60, **kw)  # type: ignore[arg-type]
        self._keep_token(response)
        return response

    def sign_in(self, name: str, password: str = ADMIN_PASSWORD) -> requests.Response:
        self.get("/admin/sign-in")
        return self.post("/admin/sign-in", {"name": name, "password": password, "next": "/admin/"})


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._name: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (name := dict(attrs).get("data-table")):
            self._name = name
            self.tables[name] = []
        elif self._name and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._name = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._name:
            self.tables[self._name].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    """Each ``<table data-table=NAME>`` of a page: its rows (the header first) as text."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def same_cells(rows: Iterable[Sequence[object]]) -> list[list[object]]:
    """Rows with numbers as numbers (a spreadsheet keeps 100.0 as 100) and every other cell as text."""
    def one(value: object) -> object:
        if value is None:
            return ""
        try:
            return float(str(value))
        except ValueError:
            return str(value)

    return [[one(v) for v in row] for row in rows]
