"""The dashboard's site, on SQLite or PostgreSQL: four people in units under a province, a course
required of the province (due long ago) and another course, a yearly target of 1 学时 of required
study (none for the 县处级 level), each person's study sent through the API, and the system admin
``root``. A test module imports ``site_fixture`` (the name no test argument shadows) and asks for
``site``, or makes its own fixture with ``dashboard_server``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from server import admins
from server.storage.engine import create
from sync.account.auth import AuthService, UserSession
from sync.site.config import SiteConfig
from tests.support.admin_web import ADMIN_PASSWORD
from tests.support.courses import publish_lessons
from tests.support.server_process import ServerProcess, add_user
from tests.support.site_copies import BACKENDS, copied_server
from tests.support.watch import Timeline

RULES = """
[targets.default]
required = 1
[targets.division]
required = 0
"""
UNITS = (("prov", "某省", None), ("city-a", "甲市", "prov"), ("city-b", "乙市", "prov"),
         ("county-a1", "甲市一县", "city-a"))
PEOPLE = (  # account, unit, cadre level, (course, seconds credited)
    ("zhang", "county-a1", None, ("req", 360.0)),  # completes the required course: target met
    ("li", "city-a", None, ("long", 360.0)),  # studies, but not the required course: behind, overdue
    ("wang", "city-b", None, None),  # nothing: behind, overdue, not studying
    ("zhao", "city-b", "县处级", ("req", 360.0)),  # completes it; their level has no target
)


def _prepare(data_dir: Path) -> None:
    publish_lessons(data_dir, "req", {"l1": 360.0})
    publish_lessons(data_dir, "long", {"l1": 600.0})
    (data_dir / "rules.toml").write_text(RULES, encoding="utf-8")


@contextmanager
def dashboard_server(request: pytest.FixtureRequest, folder: Path) -> Iterator[ServerProcess]:
    """A server on a copy of the site ``build`` makes (tests/support/site_copies.py), its data folder in
    ``folder``, on the backend ``request.param`` names (``sqlite`` without one)."""
    with copied_server(request, folder, "dashboard", build, _prepare) as (server, _):
        yield server


@pytest.fixture(params=BACKENDS, name="site")
def site_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server on a copy of the dashboard's site (dashboard_server)."""
    with dashboard_server(request, tmp_path) as server:
        yield server


def _study(site: ServerProcess, root: Path, account: str, course: str, seconds: float) -> UserSession:
    s = AuthService(root / account, SiteConfig(server_url=site.url)).sign_in(account, "pass-word")
    s.outbox().append("watch", course, "l1", Timeline().body([[0.0, seconds]], seconds / 1.5, version=1), v=1)
    assert s.uploader().sync_once().errors == []
    return s


def build(site: ServerProcess, tmp_path: Path) -> None:
    """The units, people, the required course assigned to the province and each person's study sent
    through the API (no ``totals rebuild``: what the server keeps by itself); the system admin ``root``."""
    for code, name, parent in UNITS:
        site.cli("unit", "add", code, name, *(["--parent", parent] if parent else []))
    site.cli("assign", "req", "--unit", "prov", "--required", "--due", "2000-06-30")
    for account, unit, level, _ in PEOPLE:
        add_user(site, account, "pass-word", unit=unit)
        if level:
            site.cli("user", "set", account, "--level", level)
    engine = create(site.db_url)
    with engine.connect() as conn:
        admins.create_admin(conn, "root", ADMIN_PASSWORD, admins.AdminRole.SYSTEM)
    engine.dispose()
    for account, _, _, study in PEOPLE:
        if study:
            _study(site, tmp_path, account, *study)
