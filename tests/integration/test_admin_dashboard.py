"""The dashboard's figures per child unit, exactly, on SQLite and PostgreSQL, from what a real
server stored at ingest: people, the share on track for this year's target (each against their
cadre level's), required-course completion, overdue, studying this week, hours; the weekly line;
the page equal to its download and to what the API tells each person."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.admin import reports
from server.site_rules import load_site_rules
from server.storage.engine import create
from server.units import get_unit
from sync.account.auth import AuthService
from sync.site.config import SiteConfig
from tests.support.admin_web import AdminSession, page_tables, same_cells
from tests.support.dashboard_site import PEOPLE, site_fixture  # noqa: F401  (the fixture site)
from tests.support.server_process import ServerProcess

pytestmark = pytest.mark.databases

EXPECTED = {  # unit, people, on track %, required done %, overdue, studying this week, hours, per person
    "甲市": ["甲市", "2", "50.0", "50.0", "1", "2", "0.2", "0.1"],
    "乙市": ["乙市", "2", "0.0", "50.0", "1", "1", "0.1", "0.05"],
}


def test_the_dashboard_figures_per_child_unit(site: ServerProcess, tmp_path: Path) -> None:
    browser = AdminSession(site)
    assert browser.sign_in("root").ok
    page = browser.get("/admin/")
    tables = page_tables(page.text)
    shown = tables["child-units"]
    assert shown[0][:5] == ["单位", "人数", "达标率（%）", "必修完成率（%）", "逾期人数"]
    assert {row[0]: row for row in shown[1:]} == EXPECTED
    figures = dict(re.findall(r'<div class="label">([^<]+)</div><div class="value">([^<]+)</div>', page.text))
    assert (figures["人数"], figures["进度达标比例（%）"], figures["必修课完成率（%）"], figures["逾期人数"]) == (
        "4", "33.3", "50.0", "2")
    # the weekly line's last point is this week: every credited second of the province
    last = re.findall(r"<circle [^>]*><title>([^<]+)</title></circle>", page.text)[-1]
    assert last.endswith(": 0.3")
    # the download says what the page says
    text = browser.get("/admin/", params={"export": "csv", "table": "child-units"}).content
    assert same_cells(list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))) == same_cells(shown)
    # and each person's standing from the API adds up to the page's on-track count
    standings = {}
    for account, *_ in PEOPLE:
        s = AuthService(tmp_path / f"api-{account}", SiteConfig(server_url=site.url)).sign_in(account, "pass-word")
        standings[account] = s.api.transcript(outcomes=True)["outcomes"]["year"]["standing"]
    assert standings == {"zhang": "met", "li": "behind", "wang": "behind", "zhao": "no_target"}
    # the people behind are exactly those: the rules engine's measure (credit against the paced
    # minimums), not study hours (zhang studied no longer than li, yet met the target), and as many
    # as the page's share leaves out (3 with a target, 1 of them on track)
    behind = page_tables(browser.get("/admin/behind").text)["behind"]
    assert behind[0][1] == "账号" and behind[0][4:8] == ["必修", "选修", "合计", "距进度还差"]
    assert [row[1] for row in behind[1:]] == ["li", "wang"]
    for row in behind[1:]:  # no credit yet; short of the required minimum times the share of the year gone
        assert row[4:7] == ["0.0", "0.0", "0.0"] and 0 < float(row[7]) <= 1
    # on the site's 1st of January (the page reads the real clock; the report takes the day) the pace is
    # 1/365 of the 1 学时 required: those behind are short of it by a hundredth, not shown 0 short
    rules = load_site_rules(site.data_dir).year
    now = reports.Period.of(datetime.now(UTC), rules.utc_offset_minutes)
    new_year = datetime(now.year, 1, 1, 12, tzinfo=UTC) - timedelta(minutes=rules.utc_offset_minutes)
    engine = create(site.db_url)
    try:
        with engine.connect() as conn:
            prov = get_unit(conn, "prov")
            assert prov is not None
            first = reports.behind(conn, prov, reports.Period.of(new_year, rules.utc_offset_minutes),
                                   reports.Targets.of(rules))
    finally:
        engine.dispose()
    assert [(b.person.username, b.short) for b in first] == [("li", 0.01), ("wang", 0.01)]
    # a county's page: its one person, on track, nothing overdue
    county = browser.get("/admin/units/county-a1").text
    figures = dict(re.findall(r'<div class="label">([^<]+)</div><div class="value">([^<]+)</div>', county))
    assert (figures["人数"], figures["进度达标比例（%）"], figures["必修课完成率（%）"], figures["逾期人数"]) == (
        "1", "100.0", "100.0", "0")
    assert [row[1] for row in page_tables(county)["people"][1:]] == ["zhang"]


def test_an_assignment_made_on_the_web_reaches_the_figures(site: ServerProcess) -> None:
    browser = AdminSession(site)
    assert browser.sign_in("root").ok
    answer = browser.post("/admin/assignments", {"course": "long", "kind": "unit", "unit": "city-b",
                                                 "required": "required", "due": "2000-01-01"})
    assert answer.ok
    # the page answers at once; the server brings 乙市's people up to date on a thread of its own
    deadline = time.monotonic() + 60
    while True:
        rows = {row[0]: row for row in page_tables(browser.get("/admin/").text)["child-units"][1:]}
        if rows["乙市"] != EXPECTED["乙市"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    # 4 required courses now (2 people x 2), 1 done; zhao has not studied the new one, past its due date
    assert rows["乙市"] == ["乙市", "2", "0.0", "25.0", "2", "1", "0.1", "0.05"]
    assert rows["甲市"] == EXPECTED["甲市"]
