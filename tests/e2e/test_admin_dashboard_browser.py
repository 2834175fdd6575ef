"""The dashboard, a unit's page and the people behind in Chromium with yearly targets set: the
on-track, required-course and overdue figures per child unit, the bar chart and the weekly line, the
people not on track with their credit against the pace, photographed at 1366x768 and
1024x768 into ``artifacts/screenshots/admin/`` (``admin-figures-*``) and checked as every admin page
is: nothing wider than the window, no text cut off, no English left on a zh_CN page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.admin_browser import look, sign_in
from tests.support.dashboard_site import site_fixture  # noqa: F401  (the fixture site)
from tests.support.server_process import ServerProcess

pytest.importorskip("playwright")
if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_the_dashboard_and_a_unit_page_with_targets(browser: Browser, site: ServerProcess) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, site.url, "root")
    assert "各单位年度目标进度达标比例" in page.inner_text("body")
    look(page, "figures-dashboard", narrow=True)
    page.click("table[data-table=child-units] >> text=甲市")
    page.wait_for_url(site.url + "/admin/units/city-a")
    assert "必修课完成率" in page.inner_text(".figures")
    look(page, "figures-unit", narrow=True)
    # the people behind: those the on-track share leaves out, with their credit against the pace
    page.goto(site.url + "/admin/behind")
    assert [row.split("\t")[1] for row in page.locator("table[data-table=behind] tbody tr").all_inner_texts()] == [
        "li", "wang"]
    assert "距进度还差" in page.inner_text("table[data-table=behind] thead")
    look(page, "figures-behind", narrow=True)
    context.close()
