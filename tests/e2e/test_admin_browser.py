"""The admin web in a real browser: Playwright driving Debian's Chromium headless shell (the
``browser`` fixture of tests/e2e/conftest.py).

Sign in, drill down from the province to a person, be refused a unit outside one's scope when
typing its URL, import an air-gapped PC's records file, download an export and read it with
openpyxl against the page. Every page is photographed at 1366x768 (a few also at 1024x768) into
``artifacts/screenshots/admin/`` (git-ignored; a curated set is in docs/screenshots/), and each
page is checked in the browser: nothing wider than the window, no text cut off in its box, no
English left on a zh_CN page.

On the dashboard's site, with yearly targets set (tests/support/dashboard_site.py): the on-track,
required-course and overdue figures per child unit, the bar chart and the weekly line, the people
not on track with their credit against the pace (``admin-figures-*``).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from openpyxl import load_workbook

from tests.support.admin_browser import SHOTS, look, shown_table, sign_in
from tests.support.admin_classes import COURSE, add_reviewer, publish_tested, study
from tests.support.admin_web import ADMIN_PASSWORD, Site, fresh_site, page_tables, same_cells
from tests.support.certificates import watch_a_short_course
from tests.support.courses import course_zip
from tests.support.dashboard_site import dashboard_server
from tests.support.org_sheets import write_sheet
from tests.support.server_process import ServerProcess

pytest.importorskip("playwright")
if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    with fresh_site(request, tmp_path) as site:
        yield site


@pytest.fixture
def dashboard(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    with dashboard_server(request, tmp_path) as server:
        yield server


def test_sign_in_drill_down_refusal_import_and_export(browser: Browser, site: Site, tmp_path: Path) -> None:
    base = site.server.url
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/admin/")
    look(page, "sign-in", narrow=True)
    page.fill("input[name=name]", "root")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "账号或密码错误" in page.inner_text("[role=alert]")
    sign_in(page, base, "root")
    look(page, "dashboard", narrow=True)
    # province -> city -> county -> person
    page.click("table[data-table=child-units] >> text=甲市")
    page.wait_for_url(base + "/admin/units/city-a")
    look(page, "unit")
    page.click("table[data-table=child-units] >> text=甲市一县")
    page.click("table[data-table=people] >> text=张三")
    assert "学习档案" in page.inner_text("h1")
    look(page, "person", narrow=True)
    page.click(".crumbs >> text=某省")
    page.wait_for_url(base + "/admin/units/prov")
    # a download, opened with openpyxl, says what the page says
    shown = shown_table(page, "child-units")
    with page.expect_download() as info:
        page.click("a[href*='table=child-units'][href*='export=xlsx']")
    saved = tmp_path / "units.xlsx"
    info.value.save_as(saved)
    sheet = load_workbook(io.BytesIO(saved.read_bytes())).active
    assert sheet is not None
    assert same_cells([list(row) for row in sheet.iter_rows(values_only=True)]) == same_cells(shown)
    with page.expect_download() as info:
        page.click("text=通报（PDF）")
    assert info.value.suggested_filename.startswith("bulletin-prov-")
    bulletin = tmp_path / "bulletin.pdf"
    info.value.save_as(bulletin)
    assert bulletin.read_bytes().startswith(b"%PDF-")
    # publish a course from a zip, then a new version: the page says what changed
    page.goto(base + "/admin/courses")
    page.set_input_files("input[name=zip]", str(course_zip(tmp_path, "law", {"1": b"one" * 100})))
    page.click("button:has-text('发布')")
    assert "已发布为第 1 版" in page.inner_text("[data-published]")
    page.set_input_files("input[name=zip]", str(course_zip(tmp_path, "law", {"1": b"one" * 100, "2": b"two" * 100})))
    page.click("button:has-text('发布')")
    assert "课时 第2讲：新增" in page.inner_text("[data-published]")
    look(page, "courses", narrow=True)
    # an import with a bad row: listed with its reason, nothing to confirm
    page.goto(base + "/admin/import")
    sheet = write_sheet(tmp_path / "people.xlsx", ["姓名", "身份证号", "职级", "所在单位编码"],
                        [["钱七", "11010519491231002X", "县处级", "county-a1"],
                         ["孙八", "110105194912310038", "副科", "nowhere"]])
    page.set_input_files("input[name=file]", str(sheet))
    page.click("button:has-text('检查')")
    bad = shown_table(page, "bad-rows")
    assert [r[0] for r in bad[1:]] == ["4"] and page.locator("form[action='/admin/import/confirm']").count() == 0
    look(page, "import", narrow=True)
    for path, name in (("/admin/people", "people"), ("/admin/rankings", "rankings"), ("/admin/behind", "behind"),
                       ("/admin/flagged", "flagged"),
                       ("/admin/records", "records"), ("/admin/audit", "audit")):
        page.goto(base + path)
        look(page, name)
    context.close()

    # a unit admin typing another unit's address is refused, and sees nothing of it
    scoped = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = scoped.new_page()
    sign_in(page, base, "a-admin")
    look(page, "dashboard-unit-admin")
    answer = page.goto(base + "/admin/units/city-b")
    assert answer is not None and answer.status == 404
    assert "未找到" in page.inner_text("h1") and "乙市" not in page.content()
    look(page, "refused")
    scoped.close()


def test_a_persons_certificates_issued_downloaded_and_revoked(browser: Browser, site: Site, tmp_path: Path) -> None:
    year = watch_a_short_course(site.server, "li")
    base = site.server.url
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, "root")
    page.goto(f"{base}/admin/people/{site.user_ids['li']}")
    assert "暂无证书" in page.content()
    page.fill("input[name=year]", str(year))
    page.click("button:has-text('开具学时证明')")
    assert "证书已开具" in page.inner_text("[role=status]")
    link = page.locator("a[href^='/admin/certificates/']")
    serial = link.inner_text()
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == f"{serial}.pdf"
    saved = tmp_path / "certificate.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    look(page, "person-certificates", narrow=True)
    page.fill("input[name=reason]", "学时数据更正")
    page.click("button:has-text('撤销')")
    assert "证书已撤销" in page.inner_text("[role=status]")
    assert "已于" in page.inner_text("table.data >> nth=-1")
    look(page, "person-certificate-revoked")
    context.close()


def test_a_class_enrols_a_unit_shows_its_3_3_4_scores_exports_them_and_refuses_its_reviewer_other_classes(
        browser: Browser, site: Site, tmp_path: Path) -> None:
    base = site.server.url
    manifest = publish_tested(site.server, tmp_path)
    study(site.server, tmp_path, "zhang", manifest, quiz_right=True)
    study(site.server, tmp_path, "li", manifest, quiz_right=False)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, "root")
    for code, name, owner in (("b-2026", "乙市党务干部培训班", "city-b"),
                              ("qn-2026", "2026年青年干部培训班", "city-a")):
        page.click("nav >> text=培训班")
        page.fill("input[name=code]", code)
        page.fill("input[name=name]", name)
        page.fill("input[name=starts]", "2026-03-01")
        page.fill("input[name=ends]", "2026-12-31")
        page.select_option("select[name=owner]", owner)
        assert page.input_value("input[name=weights]") == "3:3:4" and page.input_value("input[name=pass_score]") == "60"
        page.click("form[data-form=class] button[type=submit]")
        page.wait_for_url(f"{base}/admin/classes/{code}?done=created")
    look(page, "class-new")
    page.select_option("form[data-form=course] select[name=course]", COURSE)
    page.click("form[data-form=course] button[type=submit]")
    page.select_option("form[data-form=enrol-unit] select[name=target]", "city-a")
    page.click("form[data-form=enrol-unit] button[type=submit]")
    assert "已报名" in page.inner_text("[role=status]")
    shown = shown_table(page, "class-qn-2026")
    assert shown[0][-2:] == ["加权总分（3:3:4）", "结果"]
    assert [r[0:1] + r[3:] for r in shown[1:]] == [["张三", "1", "100.0", "100.0", "100.0", "100.0", "合格"],
                                                  ["李四", "0", "100.0", "0.0", "100.0", "70.0", "合格"]]
    look(page, "class", narrow=True)
    with page.expect_download() as info:
        page.click("a[href*='table=class-qn-2026'][href*='export=xlsx']")
    saved = tmp_path / "class.xlsx"
    info.value.save_as(saved)
    sheet = load_workbook(io.BytesIO(saved.read_bytes())).active
    assert sheet is not None
    assert same_cells([list(row) for row in sheet.iter_rows(values_only=True)]) == same_cells(shown)
    page.click("form[data-form=certificates] button[type=submit]")
    issued = shown_table(page, "certificates")
    assert [(r[0], r[4]) for r in issued[1:]] == [("张三", "本次开具"), ("李四", "本次开具")]
    look(page, "class-certificates", narrow=True)
    with page.expect_download() as info:
        page.click("text=全部下载（PDF，每人一页）")
    assert info.value.suggested_filename == "certificates-qn-2026.pdf"
    pdf = tmp_path / "certificates.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    page.click("nav >> text=培训班")
    listed = shown_table(page, "classes")
    assert [r[1] for r in listed[1:]] == ["b-2026", "qn-2026"] and listed[2][5:] == ["2", "50.0", "2"]
    look(page, "classes", narrow=True)
    page.click("nav >> text=学习任务")
    page.select_option("form[data-form=assign] select[name=course]", "c1")
    page.select_option("form[data-form=assign] select[name=unit]", "county-a1")
    page.fill("form[data-form=assign] input[name=due]", "2026-12-31")
    page.click("form[data-form=assign] button[type=submit]")
    assert "已指派" in page.inner_text("[role=status]")
    assert shown_table(page, "assignments")[-1][:6] == ["c1", "测试课程", "单位及其下级单位", "甲市一县",
                                                                  "必修", "2026-12-31"]
    look(page, "assignments", narrow=True)
    context.close()

    # the reviewer of one class sees it, read only, and is refused the other by its typed address
    add_reviewer(site.server, "reviewer-a", ("qn-2026",))
    reviewing = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = reviewing.new_page()
    page.goto(base + "/admin/")
    page.fill("input[name=name]", "reviewer-a")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/admin/classes")
    assert [r[1] for r in shown_table(page, "classes")[1:]] == ["qn-2026"]
    look(page, "reviewer-classes", narrow=True)
    page.click("table[data-table=classes] >> text=2026年青年干部培训班")
    assert page.locator("form[method=post] >> text=报名该单位").count() == 0
    assert len(shown_table(page, "class-qn-2026")) == 3
    look(page, "reviewer-class", narrow=True)
    answer = page.goto(base + "/admin/classes/b-2026")
    assert answer is not None and answer.status == 404 and "乙市党务干部培训班" not in page.content()
    look(page, "reviewer-refused")
    reviewing.close()


def test_courses_archive_people_units_and_a_half_year_bulletin(browser: Browser, site: Site, tmp_path: Path) -> None:
    import re

    import pypdfium2

    from tests.support.admin_web import AdminSession

    base = site.server.url
    manifest = publish_tested(site.server, tmp_path)
    study(site.server, tmp_path, "zhang", manifest, quiz_right=True)
    study(site.server, tmp_path, "li", manifest, quiz_right=False)
    http = AdminSession(site.server)  # a class for the archive's scores, made as test_admin_classes makes one
    http.sign_in("a-admin")
    http.get("/admin/classes")
    http.post("/admin/classes", {"code": "qn-2026", "name": "2026年青年干部培训班", "starts": "2026-03-01",
                                 "ends": "2026-12-31", "owner": "city-a", "weights": "3:3:4", "pass_score": "60"})
    http.post("/admin/classes/qn-2026/courses", {"course": COURSE, "kind": "required"})
    http.post("/admin/classes/qn-2026/enrol", {"kind": "unit", "target": "city-a"})
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, "root")
    # courses: completion share and quiz pass rate, the download the same as the page
    page.click("nav >> text=课程")
    shown = shown_table(page, "courses")
    assert [r[4] for r in shown[1:] if r[0] == COURSE] == ["50.0"] and [r[7] for r in shown[1:] if r[0] == COURSE] == [
        "50.0"]
    with page.expect_download() as info:
        page.click("a[href*='table=courses'][href*='export=xlsx']")
    saved = tmp_path / "courses.xlsx"
    info.value.save_as(saved)
    sheet = load_workbook(io.BytesIO(saved.read_bytes())).active
    assert sheet is not None
    assert same_cells([list(row) for row in sheet.iter_rows(values_only=True)]) == same_cells(shown)
    look(page, "courses-figures", narrow=True)
    # li's archive: the attempts graded by the server and the class's 3:3:4 scores
    page.goto(f"{base}/admin/people/{site.user_ids['li']}")
    tables = page_tables(page.content())
    assert [r[7] for r in tables["attempts"][1:]] == ["不合格", "合格"]
    assert tables["classes"][1][0] == "2026年青年干部培训班" and tables["classes"][1][6:] == ["70.0", "60.0", "合格"]
    look(page, "person-archive", narrow=True)
    # a half-year bulletin chosen on the province's page, looked at as a picture of its page
    page.goto(base + "/admin/units/prov")
    options = page.locator("form[data-form=bulletin] select[name=period] option").evaluate_all(
        "options => options.map(o => [o.value, o.textContent])")
    year = options[0][0]
    assert options[0][1] == f"{year} 年度" and [f"{year}-1", f"{year}年上半年"] in options
    half = 2 if [f"{year}-2", f"{year}年下半年"] in options else 1  # the half we are in, where the records are
    page.select_option("form[data-form=bulletin] select[name=period]", f"{year}-{half}")
    with page.expect_download() as info:
        page.click("form[data-form=bulletin] button")
    assert info.value.suggested_filename == f"bulletin-prov-{year}-h{half}.pdf"
    pdf = tmp_path / "bulletin.pdf"
    info.value.save_as(pdf)
    document = pypdfium2.PdfDocument(pdf)
    text = document[0].get_textpage().get_text_range()
    assert f"{year}年{'下' if half == 2 else '上'}半年" in text and "王五" in text and "张三" not in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    document[0].render(scale=1.5).to_pil().save(SHOTS / "admin-bulletin-half-year.png")
    document.close()
    context.close()

    # a unit admin adds a person, adds a unit, moves a county under it and is told why it cannot be deactivated
    scoped = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = scoped.new_page()
    sign_in(page, base, "a-admin")
    page.goto(base + "/admin/units/county-a1")
    look(page, "unit-manage", narrow=True)
    form = page.locator("form[data-form=add-person]")
    form.locator("input[name=name]").fill("钱七")
    form.locator("input[name=username]").fill("zhang")  # taken: refused, what was typed kept
    form.locator("input[name=person_id]").fill("P-7")
    form.locator("select[name=level]").select_option("section")
    form.locator("input[name=password]").fill("first-pass-1")
    form.locator("button").click()
    assert "该账号已存在" in page.inner_text("[data-person-refused]")
    assert [form.locator(f"input[name={n}]").input_value() for n in ("name", "username", "person_id", "password")] \
        == ["钱七", "zhang", "P-7", ""]
    assert form.locator("select[name=level]").input_value() == "section"
    look(page, "unit-person-refused", narrow=True)
    form.locator("input[name=username]").fill("qian")
    form.locator("input[name=password]").fill("first-pass-1")
    form.locator("button").click()
    page.wait_for_url(re.compile(r".*/admin/people/.*\?done=add_person"))
    assert "人员已添加" in page.inner_text("[role=status]") and "乡科级" in page.content()
    look(page, "person-added")
    page.goto(base + "/admin/units/city-a")
    form = page.locator("form[data-form=add-unit]")
    form.locator("input[name=code]").fill("district-a")
    form.locator("input[name=name]").fill("甲市片区")
    form.locator("button").click()
    assert "单位已添加" in page.inner_text("[role=status]")
    page.goto(base + "/admin/units/county-a1")
    page.select_option("form[data-form=move-unit] select[name=parent]", "district-a")
    page.click("form[data-form=move-unit] button")
    assert "单位已移动" in page.inner_text("[role=status]")
    assert [a.strip() for a in page.locator(".crumbs a").all_inner_texts()] == ["甲市", "甲市片区"]
    assert "仍有 2 名在用人员" in page.inner_text("[data-not-empty]")
    look(page, "unit-moved", narrow=True)
    answer = page.goto(base + "/admin/units/city-b")  # typed by hand: another admin's unit
    assert answer is not None and answer.status == 404
    scoped.close()


def test_the_dashboard_and_a_unit_page_with_targets(browser: Browser, dashboard: ServerProcess) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, dashboard.url, "root")
    assert "各单位年度目标进度达标比例" in page.inner_text("body")
    look(page, "figures-dashboard", narrow=True)
    page.click("table[data-table=child-units] >> text=甲市")
    page.wait_for_url(dashboard.url + "/admin/units/city-a")
    assert "必修课完成率" in page.inner_text(".figures")
    look(page, "figures-unit", narrow=True)
    # the people behind: those the on-track share leaves out, with their credit against the pace
    page.goto(dashboard.url + "/admin/behind")
    assert [row.split("\t")[1] for row in page.locator("table[data-table=behind] tbody tr").all_inner_texts()] == [
        "li", "wang"]
    assert "距进度还差" in page.inner_text("table[data-table=behind] thead")
    look(page, "figures-behind", narrow=True)
    context.close()


@pytest.fixture(scope="module", autouse=True)
def _fresh_shots() -> Iterator[None]:
    shutil.rmtree(SHOTS, ignore_errors=True)
    yield
