"""The admin web's courses page, a person's learning archive, people and units made, moved and
deactivated on the web, and the half-year bulletin, on a real server, on SQLite and on PostgreSQL:
the numbers of each page equal to its downloads and to what the learners' own API answers say, a
unit admin kept to their subtree also when typing URLs by hand, every change audited.

Certificates on a person's page: an admin issues a 学时证明 with the form, downloads its PDF from the
list and revokes it with a reason, only for people in their units; a person without credit gets a
clear refusal; every action is audited."""

from __future__ import annotations

import csv
import io
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pypdfium2
import pytest
from openpyxl import load_workbook

from server.publisher_keys import load_public
from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol import certificates as c
from sync.protocol.records import GENESIS, make_record
from tests.support.admin_classes import COURSE, add_reviewer, publish_tested, study
from tests.support.admin_web import PASSWORD, AdminSession, Site, fresh_site, page_tables, same_cells
from tests.support.certificates import qr_texts, watch_a_short_course
from tests.support.dates import site_day
from tests.support.ingest import enrolled_client
from tests.support.module_server import BACKENDS
from tests.support.server_process import ServerProcess
from tests.support.watch import Timeline

pytestmark = pytest.mark.databases  # each test runs on SQLite and on PostgreSQL

SERIAL = re.compile(r"SD[0-9]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    with fresh_site(request, tmp_path) as site:
        yield site


def _downloads_equal(browser: AdminSession, path: str, table: str, shown: list[list[str]]) -> None:
    for kind in ("xlsx", "csv"):
        data = browser.get(path, params={"export": kind, "table": table}).content
        if kind == "xlsx":
            sheet = load_workbook(io.BytesIO(data)).active
            assert sheet is not None
            # a spreadsheet shows a fraction as the page does: 50.0, not 50
            assert all(c.number_format.startswith("0.0") for row in sheet.iter_rows() for c in row
                       if isinstance(c.value, float)), (path, table)
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        else:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert same_cells(rows) == same_cells(shown), (path, table, kind)


def _api(site: Site, account: str, password: str = PASSWORD) -> ApiClient:
    api = ApiClient(Transport(site.server.url))
    api.login(account, password)
    return api


def test_the_courses_page_shows_completion_and_quiz_pass_rate_as_the_learners_api_says(site: Site,
                                                                                      tmp_path: Path) -> None:
    manifest = publish_tested(site.server, tmp_path)
    study(site.server, tmp_path, "zhang", manifest, quiz_right=True)
    study(site.server, tmp_path, "li", manifest, quiz_right=False)
    browser = AdminSession(site.server)
    browser.sign_in("root")
    shown = page_tables(browser.get("/admin/courses").text)["courses"]
    assert [shown[0][i] for i in (4, 6, 7)] == ["完成率（%）", "人均学习时长（小时）", "测验通过率（%）"]
    rows = {r[0]: r for r in shown[1:]}
    # tested: zhang and li watched it, zhang passed its quiz and exam (completed), li failed the quiz
    assert rows[COURSE][3:5] == ["2", "50.0"] and rows[COURSE][7] == "50.0"
    # c1: three people watched some of its 600 s lesson, nobody completed it; it has no quiz
    assert rows["c1"][3:5] == ["3", "0.0"] and rows["c1"][7] == "—"
    _downloads_equal(browser, "/admin/courses", "courses", shown)
    # the learners' own answers: the course counts for those the page counts, their graded quizzes
    learners: dict[str, set[str]] = defaultdict(set)
    completed: dict[str, int] = defaultdict(int)
    quizzes: dict[str, dict[tuple[str, str], bool]] = defaultdict(dict)
    hours: dict[str, float] = defaultdict(float)
    for account in ("zhang", "li", "wang", "zhao"):
        answer = _api(site, account).transcript(outcomes=True)
        for course in answer["courses"]:
            if course["credited_s"] > 0:
                learners[course["course_id"]].add(account)
                hours[course["course_id"]] += course["credited_s"] / 3600
            for quiz in course["quizzes"]:
                key = (account, quiz["quiz_id"])
                quizzes[course["course_id"]][key] = quizzes[course["course_id"]].get(key, False) or bool(quiz["passed"])
        for course in answer["outcomes"]["courses"]:
            completed[course["course_id"]] += account in learners[course["course_id"]] and course["credited"]
    for course_id in (COURSE, "c1"):
        row = rows[course_id]
        assert int(row[3]) == len(learners[course_id])
        assert float(row[4]) == round(100 * completed[course_id] / len(learners[course_id]), 1)
        assert float(row[5]) == pytest.approx(round(hours[course_id], 2), abs=0.011)
        taken = quizzes[course_id]
        assert row[7] == (f"{round(100 * sum(taken.values()) / len(taken), 1)}" if taken else "—")
    # completion is read from the evidence folded at ingest: every learner's fold of tested is
    # stored and current; li's fold swapped for zhang's makes the page count li as completed
    folds = dict(site.server.sql(
        "SELECT u.username, pc.state FROM person_course pc JOIN users u ON u.user_id = pc.user_id"
        " JOIN person_year p ON p.user_id = pc.user_id AND p.stamp IS NOT NULL WHERE pc.course_id = :c",
        {"c": COURSE}))
    assert set(folds) == {"zhang", "li"}
    site.server.sql("UPDATE person_course SET state = :s WHERE course_id = :c AND user_id ="
                    " (SELECT user_id FROM users WHERE username = 'li')", {"s": folds["zhang"], "c": COURSE})
    swapped = {r[0]: r for r in page_tables(browser.get("/admin/courses").text)["courses"][1:]}
    assert swapped[COURSE][3:5] == ["2", "100.0"]
    # without the folds the records are read: the same numbers as from the folds
    site.server.sql("UPDATE person_course SET state = :s WHERE course_id = :c AND user_id ="
                    " (SELECT user_id FROM users WHERE username = 'li')", {"s": folds["li"], "c": COURSE})
    site.server.sql("DELETE FROM person_course")
    assert page_tables(browser.get("/admin/courses").text)["courses"] == shown
    # a unit admin counts only their own people: 乙市's admin sees nobody in tested
    scoped = AdminSession(site.server)
    scoped.sign_in("b-admin")
    rows = {r[0]: r for r in page_tables(scoped.get("/admin/courses").text)["courses"][1:]}
    assert rows[COURSE][3:5] == ["0", "—"] and rows["c1"][3:5] == ["1", "0.0"]


def _flag_a_record(site: Site, account: str) -> None:
    """One watch record of 60 s of media in 7 s of wall time: most of it is set aside."""
    client = enrolled_client(site.server, account)
    line = Timeline(time.time() - 100)
    record = make_record(client.signer, seq=1, prev=GENESIS, record_type="watch", course_id="c1", lesson_id="l1",
                         body=line.body([[0.0, 60.0]], 7, position_s=60.0))
    [answer] = client.api.post_batch([record])
    assert answer["status"] == "stored", answer


def test_a_persons_archive_lists_years_attempts_class_scores_and_flagged_records(site: Site, tmp_path: Path) -> None:
    server = site.server
    manifest = publish_tested(server, tmp_path)
    browser = AdminSession(server)
    browser.sign_in("a-admin")
    browser.get("/admin/classes")
    browser.post("/admin/classes", {"code": "qn-2026", "name": "2026年青年干部培训班", "starts": "2026-03-01",
                                    "ends": "2026-12-31", "owner": "city-a", "weights": "3:3:4", "pass_score": "60"})
    browser.post("/admin/classes/qn-2026/courses", {"course": COURSE, "kind": "required"})
    browser.post("/admin/classes/qn-2026/enrol", {"kind": "unit", "target": "city-a"})
    study(server, tmp_path, "li", manifest, quiz_right=False)
    _flag_a_record(site, "li")
    li = site.user_ids["li"]
    page = browser.get(f"/admin/people/{li}")
    tables = page_tables(page.text)
    api = _api(site, "li").transcript(outcomes=True)
    # every quiz and exam attempt with the server's grade, as the learner's transcript has it
    attempts = tables["attempts"]
    assert attempts[0] == ["课程", "类别", "测验", "作答次序", "作答时间（UTC+08:00）", "成绩", "满分", "结果"]
    kinds = (("测验", "quizzes"), ("考试", "exams"))
    graded = [(c["course_id"], kind, a) for c in api["courses"] for kind, key in kinds for a in c[key]]
    assert [(r[0], r[1], r[3], r[5], r[6], r[7]) for r in attempts[1:]] == [
        (course, kind, str(a["attempt"]), str(a["score"]), str(a["max_score"]), "合格" if a["passed"] else "不合格")
        for course, kind, a in graded]
    assert [r[7] for r in attempts[1:]] == ["不合格", "合格"]  # the quiz answered wrong, the exam right
    # the class's 3:3:4 scores, the same as the class's page and the learner's own answer
    [klass] = tables["classes"][1:]
    [mine] = api["outcomes"]["classes"]
    assert klass[0] == "2026年青年干部培训班" and klass[2] == "3:3:4" and klass[8] == "合格"
    assert [float(v) for v in klass[3:7]] == [float(mine[k]) for k in ("attendance", "tests", "exam", "total")]
    class_row = next(r for r in page_tables(browser.get("/admin/classes/qn-2026").text)["class-qn-2026"][1:]
                     if r[1] == "li")
    assert klass[3:7] == class_row[4:8]
    # the years: this year's stored figures, its study hours those of the page's figure
    years = tables["years"]
    assert years[0][0] == "年度" and len(years) == 2 and years[1][0] == str(api["outcomes"]["year"]["year"])
    assert float(years[1][4]) == float(api["outcomes"]["year"]["total"])
    # the flagged record, with its reason in Chinese
    flagged = tables["flagged"]
    assert len(flagged) == 2 and flagged[1][1:3] == ["c1", "l1"] and float(flagged[1][4]) > 40
    assert "播放时间超过" in flagged[1][5] or "倍速" in flagged[1][5]
    for table in ("years", "attempts", "classes", "flagged"):
        _downloads_equal(browser, f"/admin/people/{li}", table, tables[table])
    # 乙市's admin cannot open it
    other = AdminSession(server)
    other.sign_in("b-admin")
    assert other.get(f"/admin/people/{li}").status_code == 404


def test_people_and_units_are_made_moved_and_deactivated_only_inside_the_admins_units(site: Site) -> None:
    server = site.server
    browser = AdminSession(server)
    browser.sign_in("a-admin")
    page = browser.get("/admin/units/county-a1")
    assert 'data-form="add-person"' in page.text
    assert 'data-form="move-unit"' not in page.text  # nowhere else to put it among a-admin's units yet
    added = browser.post("/admin/units/county-a1/people", {"name": "钱七", "username": "qian", "person_id": "P-7",
                                                            "level": "section", "password": "first-pass-1"})
    assert added.status_code == 200 and "人员已添加" in added.text and "钱七" in added.text
    assert server.sql("SELECT unit_code, level, person_id FROM users WHERE username = 'qian'") == [
        ("county-a1", "section", "P-7")]
    _api(site, "qian", "first-pass-1")  # signs in with the first password
    # bad input: said in Chinese, nothing made
    for data, message in (({"username": "qian"}, "该账号已存在"),
                          ({"username": "sun", "password": "123"}, "至少需要 6 个字符"),
                          ({"username": "bad name!"}, "账号为 1 至 64 个"),
                          ({"username": "sun", "level": "boss"}, "请从列表中选择职级")):
        form = {"name": "孙八", "username": "", "person_id": "", "level": "", "password": "first-pass-1", **data}
        refused = browser.post("/admin/units/county-a1/people", form)
        assert refused.status_code == 400 and message in refused.text, data
        # the form holds what was typed, never the password, with the reason next to it
        kept = refused.text.split('data-person-refused>')[1].split("</form>")[0]
        assert message in kept.split("</p>")[0], data
        assert 'name="name" maxlength="100" required value="孙八"' in kept and "first-pass-1" not in refused.text
    assert server.sql("SELECT COUNT(*) FROM users WHERE username IN ('sun', 'bad name!')") == [(0,)]
    # outside the admin's units, typed by hand: not found, nothing changed
    for path, data in (("/admin/units/city-b/people", {"name": "x", "username": "xx", "password": "first-pass-1"}),
                       ("/admin/units/city-b/move", {"parent": "city-a"}),
                       ("/admin/units/county-a1/move", {"parent": "city-b"}),
                       ("/admin/units/city-b/deactivate", {})):
        assert browser.post(path, data).status_code == 404, path
    reached = server.sql("SELECT target, detail, result FROM audit_log WHERE action = 'admin.out_of_scope'"
                         " AND actor = 'a-admin' ORDER BY id")
    assert reached == [(p, "POST", "refused") for p in (
        "/admin/units/city-b/people", "/admin/units/city-b/move", "/admin/units/county-a1/move",
        "/admin/units/city-b/deactivate")]
    # their own top unit is the business of the admin above them
    assert browser.post("/admin/units/city-a/move", {"parent": "county-a1"}).status_code == 403
    assert browser.post("/admin/units/city-a/deactivate", {}).status_code == 403
    assert server.sql("SELECT target, detail FROM audit_log WHERE action = 'admin.refused' AND actor = 'a-admin'"
                      " ORDER BY id") == [("/admin/units/city-a/move", "POST"), ("/admin/units/city-a/deactivate",
                                                                                   "POST")]
    log = browser.get("/admin/audit").text  # named in Chinese on the audit page
    assert all(label in log for label in ("越权访问（超出本账号单位）", "无权操作", "新增人员")), log
    assert "user_exists：该账号已存在，请换一个。" in log  # and why, in Chinese too
    # a new unit, the county moved under it with its people, their records and history kept
    browser.post("/admin/units/city-a/add", {"code": "district-a", "name": "甲市片区"})
    choices = re.findall(r'<option value="([^"]+)"', browser.get("/admin/units/county-a1").text.split(
        'data-form="move-unit"')[1].split("</form>")[0])
    assert choices == ["district-a"]  # not its own parent, not itself
    count = "SELECT COUNT(*) FROM records r JOIN users u ON u.user_id = r.user_id WHERE u.username = 'zhang'"
    before = server.sql(count)
    moved = browser.post("/admin/units/county-a1/move", {"parent": "district-a"})
    assert moved.url.endswith("/admin/units/county-a1?done=move_unit") and "单位已移动" in moved.text
    assert server.sql("SELECT parent_code, path FROM units WHERE code = 'county-a1'")[0][0] == "district-a"
    assert server.sql("SELECT unit_code FROM users WHERE username = 'zhang'") == [("county-a1",)]
    assert server.sql(count) == before
    crumbs = page_tables(browser.get("/admin/units/city-a").text)["child-units"]
    assert [r[0] for r in crumbs[1:]] == ["甲市片区"] and crumbs[1][1] == "2"  # zhang and qian below it
    # not under itself or below itself
    refused = browser.post("/admin/units/district-a/move", {"parent": "county-a1"})
    assert "不能移到自身或其下级单位之下" in refused.text
    # deactivating a unit that still holds people is refused and says why; emptied, it is done
    full = browser.get("/admin/units/county-a1")
    assert "仍有 2 名在用人员" in full.text and 'data-form="deactivate-unit"' not in full.text
    refused = browser.post("/admin/units/county-a1/deactivate", {})
    assert "仍有在用的人员或下级单位" in refused.text
    assert server.sql("SELECT deactivated_at FROM units WHERE code = 'county-a1'") == [(None,)]
    for account in ("zhang", "qian"):
        browser.post(f"/admin/people/{_user_id(server, account)}/move", {"unit": "city-a"})
    done = browser.post("/admin/units/county-a1/deactivate", {})
    assert "单位已停用" in done.text and "该单位已停用" in done.text
    assert server.sql("SELECT deactivated_at IS NOT NULL FROM units WHERE code = 'county-a1'")[0][0] in (1, True)
    # every change, refused or done, is in the audit log
    actions = server.sql("SELECT action, target, result FROM audit_log WHERE actor = 'a-admin' AND action IN "
                         "('admin.add_person', 'admin.move_unit', 'admin.deactivate_unit') ORDER BY id")
    assert actions == [("admin.add_person", "qian", "ok"), ("admin.add_person", "qian", "refused"),
                       ("admin.add_person", "sun", "refused"), ("admin.add_person", "bad name!", "refused"),
                       ("admin.add_person", "sun", "refused"), ("admin.move_unit", "county-a1", "ok"),
                       ("admin.move_unit", "district-a", "refused"), ("admin.deactivate_unit", "county-a1", "refused"),
                       ("admin.deactivate_unit", "county-a1", "ok")]
    # a reviewer changes no unit, also by typed addresses
    browser.get("/admin/classes")
    browser.post("/admin/classes", {"code": "qn-2026", "name": "2026年青年干部培训班", "starts": "2026-03-01",
                                    "ends": "2026-12-31", "owner": "city-a", "weights": "3:3:4", "pass_score": "60"})
    add_reviewer(server, "reviewer-a", ("qn-2026",))
    reviewer = AdminSession(server)
    reviewer.sign_in("reviewer-a")
    for path in ("/admin/units/city-a/people", "/admin/units/district-a/move", "/admin/units/district-a/deactivate"):
        assert reviewer.post(path, {"name": "x", "username": "zz", "password": "first-pass-1",
                                    "parent": "city-a"}).status_code == 404, path
    assert server.sql("SELECT COUNT(*) FROM users WHERE username = 'zz'") == [(0,)]
    # every form needs its token
    assert browser.post("/admin/units/city-a/people", {"name": "x", "username": "yy", "password": "first-pass-1"},
                        csrf="forged").status_code == 403
    assert browser.post("/admin/units/district-a/deactivate", {}, csrf="").status_code == 403


def _user_id(server: ServerProcess, account: str) -> str:
    return str(server.sql(f"SELECT user_id FROM users WHERE username = '{account}'")[0][0])


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_bulletins_for_the_year_and_each_half_add_up_and_stay_in_scope(site: Site) -> None:
    browser = AdminSession(site.server)
    browser.sign_in("root")
    page = browser.get("/admin/units/prov")
    found = re.search(r'<select name="period"><option value="(\d{4})"', page.text)
    assert found is not None
    year = int(found.group(1))
    figures = {r[0]: r for r in page_tables(page.text)["child-units"][1:]}
    whole = _pdf_text(browser.get("/admin/units/prov/bulletin.pdf", params={"period": str(year)}).content)
    halves = {}
    for half in (1, 2):
        answer = browser.get("/admin/units/prov/bulletin.pdf", params={"period": f"{year}-{half}"})
        assert answer.headers["content-type"] == "application/pdf"
        assert f"bulletin-prov-{year}-h{half}.pdf" in answer.headers["content-disposition"]
        halves[half] = _pdf_text(answer.content)
    assert f"{year}年上半年" in halves[1] and f"{year}年下半年" in halves[2] and f"{year} 年度" in whole
    # the records were made now: all of the year's study falls in this half, none in the other (the half of
    # the site's calendar, +08:00 as the site has no rules file: from 16:00 UTC on the 30th of June and on
    # the 31st of December the site is in the next half already)
    now_half = 1 if site_day().month <= 6 else 2
    other = 3 - now_half
    city_a = float(figures["甲市"][6])
    assert f"甲市 2 2 100.0 {city_a}" in _squash(halves[now_half])
    assert "甲市 2 0 0.0 0.0 0.0" in _squash(halves[other])
    # a share and the hours print alike in the headline and the tables: 0.0, never 0
    assert "已学习比例（%） 0.0 学习时长（小时） 0.0 人均学习时长（小时） 0.0" in _squash(halves[other])
    shown_share = re.search(r"已学习比例（%） (\S+) ", _squash(halves[now_half]))
    assert shown_share is not None and re.fullmatch(r"\d+\.\d", shown_share.group(1)), shown_share
    assert "张三" in halves[other] and "张三" not in halves[now_half] and "王五" in halves[now_half]
    for bad in ("1999", f"{year}-3", f"{year + 1}", "x"):
        assert browser.get("/admin/units/prov/bulletin.pdf", params={"period": bad}).status_code == 404, bad
    scoped = AdminSession(site.server)
    scoped.sign_in("b-admin")
    assert scoped.get("/admin/units/prov/bulletin.pdf", params={"period": f"{year}-1"}).status_code == 404
    assert scoped.get("/admin/units/city-b/bulletin.pdf", params={"period": f"{year}-1"}).status_code == 200
    details = [r[0] for r in site.server.sql("SELECT detail FROM audit_log WHERE action = 'admin.bulletin' "
                                            "AND actor = 'root' ORDER BY id")]
    assert details == [f"bulletin-prov-{year}", f"bulletin-prov-{year}-h1", f"bulletin-prov-{year}-h2"]


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_an_admin_issues_downloads_and_revokes_a_persons_certificate(site: Site) -> None:
    server = site.server
    year = watch_a_short_course(server, "li")
    li_id, zhang_id, wang_id = site.user_ids["li"], site.user_ids["zhang"], site.user_ids["wang"]

    browser = AdminSession(server)
    browser.sign_in("a-admin")
    page = browser.get(f"/admin/people/{li_id}")
    assert "开具学时证明" in page.text and "暂无证书" in page.text
    answer = browser.post(f"/admin/people/{li_id}/certificates", {"year": str(year)})
    assert answer.status_code == 200 and "证书已开具" in answer.text
    serial = SERIAL.search(answer.text)[0]  # type: ignore[index]
    assert f'href="/admin/certificates/{serial}.pdf"' in answer.text and "学时证明" in answer.text

    pdf = browser.get(f"/admin/certificates/{serial}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    key = load_public(server.data_dir / "keys")
    verdict = c.verify(qr_texts(pdf.content)[0], {key.key_id: key}, None)
    assert verdict.valid and verdict.claims is not None and verdict.claims.name == "李四"

    # no credit this year: refused, said on the page; another admin's person: not found
    refused = browser.post(f"/admin/people/{zhang_id}/certificates", {"year": str(year)})
    assert "nothing_to_certify" in refused.text
    assert browser.post(f"/admin/people/{wang_id}/certificates", {"year": str(year)}).status_code == 404
    # its day is the site's (+08:00): issued at 07:30 there is the day before in UTC
    server.sql("UPDATE certificates SET issued_at = '2026-03-01T23:30:00Z'")
    listed = browser.get(f"/admin/people/{li_id}").text
    assert "<td>2026-03-02</td>" in listed and "<td>2026-03-01</td>" not in listed
    other = AdminSession(server)
    other.sign_in("b-admin")
    assert other.get(f"/admin/certificates/{serial}.pdf").status_code == 404
    assert browser.get("/admin/certificates/SD2026-0000-0000-0000.pdf").status_code == 404
    browser.get(f"/admin/people/{li_id}")
    assert browser.post("/admin/certificates/SD2026-0000-0000-0000/revoke", {"reason": "x"}).status_code == 404

    browser.get(f"/admin/people/{li_id}")
    revoked = browser.post(f"/admin/certificates/{serial}/revoke", {"reason": "学时数据更正"})
    assert "证书已撤销" in revoked.text and "学时数据更正" in revoked.text
    assert "已于" in revoked.text and f'action="/admin/certificates/{serial}/revoke"' not in revoked.text
    server.sql("UPDATE certificates SET revoked_at = '2026-03-05T16:00:00Z'")
    assert "已于 2026-03-06 撤销" in browser.get(f"/admin/people/{li_id}").text
    assert server.sql("SELECT revoked_by, reason FROM certificates") == [("a-admin", "学时数据更正")]
    actions = server.sql("SELECT action, target, result FROM audit_log WHERE action LIKE 'admin.%certificate%' "
                         "ORDER BY id")
    assert actions == [("admin.issue_certificate", "li", "ok"), ("admin.certificate_pdf", serial, "ok"),
                       ("admin.issue_certificate", "zhang", "refused"), ("admin.revoke_certificate", serial, "ok")]
    log = browser.get("/admin/audit").text  # and the audit log names them in Chinese
    assert "开具证书" in log and "下载证书" in log and "撤销证书" in log and "admin.issue_certificate" not in log
    assert f"nothing_to_certify：zhang 在 {year} 年没有学时" in log  # the refusal says why in Chinese too
