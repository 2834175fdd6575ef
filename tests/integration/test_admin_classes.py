"""The admin web's training classes, assignments and reviewers on a real server, on SQLite and on
PostgreSQL: a class created, given courses and a unit enrolled; each person's 3:3:4 score from
what the server graded, equal in the page, the XLSX, the CSV and the learner's own answer; a
unit admin and a reviewer kept to their own classes and assignments also when typing URLs and
forms; every change audited; 结业证书 issued in bulk to those who passed; the class list of many
classes in a few statements, each class as its own page reports it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from server import admins
from server.admin import i18n, scope
from server.admin.exports import text as figure
from server.assignments import assign
from server.audit import AuditEntry
from server.class_report import class_list, class_report
from server.class_scores import MAX_CLASSES, learner_classes
from server.classes import create_class, enrol
from server.config import ServerConfig
from server.org.classes import parse_scoring
from server.outcomes import Outcomes
from server.published import Published
from server.site_rules import load_site_rules
from server.storage.engine import create
from server.users import get_user
from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from tests.support.admin_classes import COURSE, add_reviewer, publish_tested, study
from tests.support.admin_web import PASSWORD, AdminSession, Site, fresh_site, page_tables, same_cells
from tests.support.module_server import BACKENDS
from tests.support.server_process import ServerProcess
from tests.support.statements import statements

pytestmark = pytest.mark.databases  # each test runs on SQLite and on PostgreSQL


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    with fresh_site(request, tmp_path) as site:
        yield site


def _new_class(browser: AdminSession, code: str, owner: str, *, weights: str = "3:3:4", pass_score: str = "60",
               name: str = "2026年青年干部培训班") -> None:
    browser.get("/admin/classes")
    answer = browser.post("/admin/classes", {"code": code, "name": name, "starts": "2026-03-01",
                                             "ends": "2026-12-31", "owner": owner, "weights": weights,
                                             "pass_score": pass_score})
    assert answer.status_code == 200 and answer.url.endswith(f"/admin/classes/{code}?done=created"), answer.text


def test_a_class_scores_its_people_3_3_4_and_its_downloads_say_the_same(site: Site, tmp_path: Path) -> None:
    server = site.server
    manifest = publish_tested(server, tmp_path)
    browser = AdminSession(server)
    browser.sign_in("a-admin")
    _new_class(browser, "qn-2026", "city-a")
    assert "已创建" in browser.get("/admin/classes/qn-2026?done=created").text
    assert browser.post("/admin/classes/qn-2026/courses", {"course": COURSE, "kind": "required",
                                                            "due": "2026-11-30"}).status_code == 200
    browser.post("/admin/classes/qn-2026/courses", {"course": "c1", "kind": "elective"})
    page = browser.post("/admin/classes/qn-2026/enrol", {"kind": "unit", "target": "city-a"})
    assert page.url.endswith("?done=enrolled")
    study(server, tmp_path, "zhang", manifest, quiz_right=True)
    study(server, tmp_path, "li", manifest, quiz_right=False)

    shown = page_tables(browser.get("/admin/classes/qn-2026").text)
    scores = shown["class-qn-2026"]
    assert scores[0] == ["姓名", "账号", "单位", "已完成课程（共 1 门）", "出勤", "测验", "考试",
                         "加权总分（3:3:4）", "结果"]
    # attendance: the 10 s lesson watched in full; tests: the quiz's best score; exam: the exam's.
    # li's wrong quiz leaves the course not completed but the total at (3*100 + 3*0 + 4*100) / 10 = 70
    assert scores[1:] == [["张三", "zhang", "甲市一县", "1", "100.0", "100.0", "100.0", "100.0", "合格"],
                          ["李四", "li", "甲市", "0", "100.0", "0.0", "100.0", "70.0", "合格"]]
    assert shown["courses"][1:] == [["c1", "测试课程", "选修", ""], [COURSE, "测试课程", "必修", "2026-11-30"]]
    assert shown["enrolments"][1:] == [["单位及其下级单位", "甲市"]]
    for kind in ("xlsx", "csv"):
        data = browser.get("/admin/classes/qn-2026", params={"export": kind, "table": "class-qn-2026"}).content
        if kind == "xlsx":
            sheet = load_workbook(io.BytesIO(data)).active
            assert sheet is not None
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        else:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert same_cells(rows) == same_cells(scores), kind
    # each learner's own answer says what the page says of them
    for row in scores[1:]:
        api = ApiClient(Transport(server.url))
        api.login(row[1], PASSWORD)
        [mine] = [c for c in api.transcript(outcomes=True)["outcomes"]["classes"] if c["class_code"] == "qn-2026"]
        assert [float(mine[k]) for k in ("attendance", "tests", "exam", "total")] == [float(v) for v in row[4:8]]
        assert ("合格" if mine["passed"] else "不合格") == row[8] and len(mine["missing"]) == 1 - int(row[3])
    listed = page_tables(browser.get("/admin/classes").text)["classes"]
    assert listed[1:] == [["2026年青年干部培训班", "qn-2026", "2026-03-01", "2026-12-31", "甲市", "2", "50.0", "2"]]

    # a stricter class over the same course: 70 fails a pass line of 75; weights 1:1:2 give (100 + 0 + 200) / 4
    _new_class(browser, "strict", "county-a1", weights="1:1:2", pass_score="75", name="严格班")
    browser.post("/admin/classes/strict/courses", {"course": COURSE, "kind": "required"})
    browser.post("/admin/classes/strict/enrol", {"kind": "person", "target": "li"})
    strict = page_tables(browser.get("/admin/classes/strict").text)["class-strict"]
    assert strict[1:] == [["李四", "li", "甲市", "0", "100.0", "0.0", "100.0", "75.0", "合格"]]
    browser.post("/admin/classes/strict/enrol", {"kind": "person", "target": "zhang"})
    server.sql("UPDATE classes SET scoring = :s WHERE code = 'strict'",
               {"s": '{"attendance":"1","exam":"2","pass_score":"80","tests":"1"}'})
    strict = page_tables(browser.get("/admin/classes/strict").text)["class-strict"]
    assert [(r[0], r[7], r[8]) for r in strict[1:]] == [("张三", "100.0", "合格"), ("李四", "75.0", "不合格")]

    # 结业证书 for those who passed the strict class: zhang only; again: nothing new, the same serial
    page = browser.get("/admin/classes/strict")
    assert "为合格人员开具结业证书（1 人）" in page.text and "certificates.pdf" not in page.text
    assert browser.post("/admin/classes/strict/certificates", {}, csrf="forged").status_code == 403
    issued = browser.post("/admin/classes/strict/certificates", {})
    listed = page_tables(issued.text)["certificates"]
    assert issued.status_code == 200 and 'data-issued="1"' in issued.text
    assert [(r[0], r[3], r[4]) for r in listed[1:]] == [("张三", "100.0", "本次开具")]
    serial = listed[1][2]
    assert server.sql("SELECT serial, class_code, score, issued_by FROM certificates") == [
        (serial, "strict", "100", "a-admin")]
    again = page_tables(browser.post("/admin/classes/strict/certificates", {}).text)["certificates"]
    assert [r[2] for r in again[1:]] == [serial] and again[1][4] != "本次开具"
    pdf = browser.get("/admin/classes/strict/certificates.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    outsider = AdminSession(server)
    outsider.sign_in("b-admin")
    outsider.get("/admin/classes")
    assert outsider.post("/admin/classes/strict/certificates", {}).status_code == 404
    assert outsider.get("/admin/classes/strict/certificates.pdf").status_code == 404
    assert server.sql("SELECT COUNT(*) FROM certificates") == [(1,)]

    # and in English, the same table
    english = browser.post("/admin/language", {"lang": "en", "next": "/admin/classes/qn-2026"})
    assert english.url.endswith("/admin/classes/qn-2026")
    tables = page_tables(english.text)
    assert tables["class-qn-2026"][0][3:] == ["Courses completed (of 1)", "Attendance", "Tests", "Exam",
                                              "Weighted total (3:3:4)", "Result"]
    assert [r[8] for r in tables["class-qn-2026"][1:]] == ["passed", "passed"] and "合格" not in english.text
    assert "Assign a course" in browser.get("/admin/assignments").text

    actions = server.sql("SELECT action, target, result FROM audit_log WHERE actor = 'a-admin' AND action LIKE "
                         "'admin.class%' ORDER BY id")
    assert actions[:4] == [("admin.class_add", "qn-2026", "ok"), ("admin.class_course", "qn-2026", "ok"),
                           ("admin.class_course", "qn-2026", "ok"), ("admin.class_enrol", "qn-2026", "ok")]
    # their details in the reader's language, as the audit log shows them
    zh = i18n.translations("zh_CN")
    details = [AuditEntry("", "", "", "", "", "", detail, values).said(zh) for detail, values in server.sql(
        "SELECT detail, detail_values FROM audit_log WHERE actor = 'a-admin' AND action LIKE 'admin.class%' "
        "ORDER BY id")[:4]]
    assert details == ["2026年青年干部培训班；2026-03-01 至 2026-12-31；权重 3:3:4，合格线 60；由 city-a 组织",
                       f"{COURSE}：必修，截止 2026-11-30", "c1：选修，截止 -", "单位 city-a"], details

    _many_classes_listed_in_a_few_statements(server, browser)


MANY_CLASSES = 30
"""A year of a party school's training classes, give or take: the class list's statements do not grow with them."""

LIST_STATEMENTS = 9
"""The statements of an admin's whole class list: the classes (at most 4), the admin's units, who the
classes reach, those people, their evidence (each up to CHUNK people at a time) and the organising
units' names."""

LEARNER_STATEMENTS = 5
"""The statements of a learner's classes in their outcomes: which classes they are in, then those classes."""


def _many_classes_listed_in_a_few_statements(server: ServerProcess, browser: AdminSession) -> None:
    """MANY_CLASSES more classes of a few people each (some who took the quiz and the exam, some who
    only watched c1), under three scorings: each admin's class list takes at most LIST_STATEMENTS
    statements, and each of its reports is the one the class's own page reads; the page says so. A
    learner's own classes take at most LEARNER_STATEMENTS and say what the list says of them."""
    engine = create(server.db_url)
    repo = ServerConfig(server.data_dir).repo_dir
    published, rules = Published(repo), load_site_rules(server.data_dir)
    try:
        with engine.connect() as conn:
            for i in range(MANY_CLASSES):
                code = f"many-{i:02d}"
                create_class(conn, code, f"第{i}期培训班", dt.date(2026, 1 + i % 12, 1 + i % 7), dt.date(2026, 12, 31),
                             owner_unit=("city-a", "county-a1", "city-b", None)[i % 4],
                             scoring=parse_scoring(("3:3:4", "1:1:2", "2:1:1")[i % 3], ("60", "75", "90")[i % 3]))
                enrol(conn, code, unit=("city-a", "prov", "county-a1", "city-b", "city-a")[i % 5])
                enrol(conn, code, person=("li", "zhao", "wang")[i % 3])
                assign(conn, COURSE, class_code=code, required=i % 2 == 0, repo_dir=repo)
                assign(conn, "c1", class_code=code, required=i % 3 != 0, repo_dir=repo)
            conn.commit()
            listed = {}
            for name in ("root", "a-admin", "b-admin"):
                admin = admins.get_admin(conn, name)
                assert admin is not None
                with statements(conn) as sent:  # as the page lists them
                    within = None if scope.sees_all(admin) else scope.class_people_within(conn, admin)
                    listed[name] = class_list(conn, scope.visible_classes(conn, admin), published, rules, within=within)
                assert len(sent) <= LIST_STATEMENTS, (name, len(sent))
                assert [r for r, _owner in listed[name]] == [
                    class_report(conn, k.code, published, rules, within=within)
                    for k in scope.visible_classes(conn, admin)], name
            every = [r for r, _o in listed["root"]]
            for account in ("zhang", "li", "zhao"):  # each learner's own classes, as the list says, in a few too
                user = get_user(conn, username=account)
                assert user is not None
                outcomes = Outcomes(conn, published, rules)
                evidence = outcomes.evidence(user)
                with statements(conn) as sent:
                    mine = learner_classes(conn, user, outcomes, evidence)
                assert len(sent) <= LEARNER_STATEMENTS, (account, len(sent))
                theirs = sorted(((r.klass, m.result) for r in every for m in r.members if m.username == account),
                                key=lambda found: (found[0].starts, found[0].code), reverse=True)
                assert len(theirs) > 10 and mine == [result for _k, result in theirs[:MAX_CLASSES]], account
    finally:
        engine.dispose()
    assert len(every) == MANY_CLASSES + 2 and {r.enrolled for r in every} == {2, 3, 4}
    assert {r.passed for r in every} == {0, 1, 2} and {r.completed for r in every} == {0, 1}
    assert {owner for _r, owner in listed["root"]} == {"甲市", "甲市一县", "乙市", None}
    shown = page_tables(browser.get("/admin/classes").text)["classes"]  # a-admin's
    assert [row[1:2] + row[4:] for row in shown[1:]] == [
        [r.klass.code, owner or "the whole site", str(r.enrolled), figure(r.share(r.completed)), str(r.passed)]
        for r, owner in listed["a-admin"]]


def test_bad_class_input_is_said_in_chinese_and_keeps_what_was_typed(site: Site) -> None:
    browser = AdminSession(site.server)
    browser.sign_in("a-admin")
    browser.get("/admin/classes")
    answer = browser.post("/admin/classes", {"code": "bad code!", "name": "某班", "starts": "2026-03-01",
                                             "ends": "2026-02-01", "owner": "city-a", "weights": "3:3:4",
                                             "pass_score": "60"})
    assert answer.status_code == 400 and "代码" in answer.text and 'value="某班"' in answer.text
    answer = browser.post("/admin/classes", {"code": "ok-1", "name": "某班", "starts": "2026-03-01",
                                             "ends": "2026-02-01", "owner": "city-a", "weights": "3:3:4",
                                             "pass_score": "60"})
    assert answer.status_code == 400 and "日期" in answer.text
    answer = browser.post("/admin/classes", {"code": "ok-1", "name": "某班", "starts": "2026-03-01",
                                             "ends": "2026-04-01", "owner": "city-a", "weights": "3:3",
                                             "pass_score": "60"})
    assert answer.status_code == 400 and "权重" in answer.text
    # a unit admin's class is organised by one of their units, never another's or the whole site
    assert browser.post("/admin/classes", {"code": "ok-1", "name": "某班", "starts": "2026-03-01",
                                           "ends": "2026-04-01", "owner": "city-b", "weights": "3:3:4",
                                           "pass_score": "60"}).status_code == 404
    assert browser.post("/admin/classes", {"code": "ok-1", "name": "某班", "starts": "2026-03-01",
                                           "ends": "2026-04-01", "owner": "", "weights": "3:3:4",
                                           "pass_score": "60"}).status_code == 400
    assert site.server.sql("SELECT COUNT(*) FROM classes") == [(0,)]
    _new_class(browser, "ok-1", "city-a")
    refused = browser.post("/admin/classes/ok-1/courses", {"course": "no-such-course", "kind": "required"})
    assert refused.status_code == 400 and "未在本服务器发布" in refused.text
    refused = browser.post("/admin/classes/ok-1/enrol", {"kind": "unit", "target": "city-b"})
    assert refused.status_code == 400 and "不是您管理的单位" in refused.text
    refused = browser.post("/admin/classes/ok-1/enrol", {"kind": "person", "target": "wang"})
    assert refused.status_code == 400 and "不在您管理的单位" in refused.text
    assert site.server.sql("SELECT COUNT(*) FROM class_enrolments") == [(0,)]


def _eventually(server: ServerProcess, account: str, required: int) -> bool:
    """Whether ``account``'s stored figures for this year come to ``required`` assigned required
    courses within a while (the server brings them up to date on a thread of its own)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = server.sql("SELECT p.required_assigned FROM person_year p JOIN users u ON u.user_id = p.user_id "
                           "WHERE u.username = :a ORDER BY p.year DESC", {"a": account})
        if found and found[0][0] == required:
            return True
        time.sleep(0.2)
    return False


def test_unit_admins_and_reviewers_see_only_their_classes_also_by_typed_urls(site: Site) -> None:
    server = site.server
    root = AdminSession(server)
    root.sign_in("root")
    _new_class(root, "a-class", "city-a", name="甲市班")
    root.post("/admin/classes/a-class/enrol", {"kind": "unit", "target": "city-a"})
    _new_class(root, "b-class", "city-b", name="乙市班")
    root.post("/admin/classes/b-class/enrol", {"kind": "unit", "target": "city-b"})
    _new_class(root, "site-class", "", name="全省班")
    root.post("/admin/classes/site-class/enrol", {"kind": "person", "target": "zhang"})
    root.post("/admin/classes/site-class/enrol", {"kind": "person", "target": "wang"})
    assert [r[1] for r in page_tables(root.get("/admin/classes").text)["classes"][1:]] == [
        "a-class", "b-class", "site-class"]
    add_reviewer(server, "reviewer-a", ("a-class",))

    a_admin = AdminSession(server)
    a_admin.sign_in("a-admin")
    assert [r[1] for r in page_tables(a_admin.get("/admin/classes").text)["classes"][1:]] == ["a-class",
                                                                                                "site-class"]
    # the site-wide class shows a-admin their own person only, and may not be changed by them
    site_page = a_admin.get("/admin/classes/site-class")
    assert [r[0] for r in page_tables(site_page.text)["class-site-class"][1:]] == ["张三"]
    assert "王五" not in site_page.text and 'data-form="enrol-unit"' not in site_page.text
    assert a_admin.post("/admin/classes/site-class/enrol", {"kind": "person", "target": "li"}).status_code == 404
    for path in ("/admin/classes/b-class", "/admin/classes/no-such-class"):
        refused = a_admin.get(path)
        assert refused.status_code == 404 and "乙市班" not in refused.text, path
    assert a_admin.get("/admin/classes/b-class", params={"export": "xlsx", "table": "class-b-class"}
                       ).status_code == 404
    for action, data in (("courses", {"course": "c1", "kind": "required"}), ("enrol", {"kind": "unit",
                                                                                        "target": "city-a"})):
        assert a_admin.post(f"/admin/classes/b-class/{action}", data).status_code == 404

    reviewer = AdminSession(server)
    signed = reviewer.sign_in("reviewer-a")
    assert signed.url.endswith("/admin/classes")  # a reviewer's home: their classes
    assert [r[1] for r in page_tables(signed.text)["classes"][1:]] == ["a-class"]
    assert 'data-form="class"' not in signed.text
    mine = reviewer.get("/admin/classes/a-class")
    assert mine.status_code == 200 and {r[0] for r in page_tables(mine.text)["class-a-class"][1:]} == {"张三", "李四"}
    assert "<form class=\"row\" method=\"post\"" not in mine.text  # read only
    assert "/admin/people/" not in mine.text
    # a reviewer sees their classes and nothing else: no other entry in the menu, and every other
    # page typed by hand answers 404 as one that does not exist (#15.2)
    menu = re.findall(r'<nav class="main">.*?</nav>', signed.text, re.S)[0]
    assert re.findall(r'href="([^"]+)"', menu) == ["/admin/classes"]
    for path in ("/admin/classes/b-class", "/admin/classes/site-class", "/admin/assignments", "/admin/units/city-a",
                 "/admin/units", "/admin/rankings", "/admin/people", "/admin/people?q=张",
                 f"/admin/people/{site.user_ids['zhang']}", f"/admin/people/{site.user_ids['wang']}",
                 "/admin/courses", "/admin/behind", "/admin/records", "/admin/flagged", "/admin/audit",
                 "/admin/import", "/admin/audit?export=csv&table=audit", "/admin/units/city-a/bulletin.pdf",
                 "/admin/classes-other"):
        refused = reviewer.get(path)
        assert refused.status_code == 404 and "张三" not in refused.text, path
    for path, data in (("/admin/classes/a-class/enrol", {"kind": "person", "target": "wang"}),
                       ("/admin/classes/a-class/courses", {"course": "c1", "kind": "required"}),
                       ("/admin/classes", {"code": "r-1", "name": "评审班", "starts": "2026-03-01",
                                           "ends": "2026-04-01", "owner": "city-a", "weights": "3:3:4",
                                           "pass_score": "60"}),
                       ("/admin/assignments/remove", {"assignment": "class|a-class|c1"}),
                       ("/admin/classes/a-class/certificates", {})):
        assert reviewer.post(path, data).status_code == 404, path
    assert server.sql("SELECT COUNT(*) FROM class_enrolments WHERE class_code = 'a-class'") == [(1,)]

    # an enrolment is taken back by the class's manager only, and only one they see; the class's
    # required course then no longer counts in the stored yearly figures of those it reached
    root.post("/admin/classes/a-class/courses", {"course": "c1", "kind": "required"})
    assert _eventually(server, "zhang", 1)
    for session, path, key in ((reviewer, "a-class", "unit|city-a"), (a_admin, "site-class", "person|wang"),
                               (a_admin, "a-class", "person|nobody"), (a_admin, "a-class", "unit|city-b")):
        assert session.post(f"/admin/classes/{path}/unenrol", {"enrolment": key}).status_code == 404, (path, key)
    a_admin.get("/admin/classes/a-class")
    back = a_admin.post("/admin/classes/a-class/unenrol", {"enrolment": "unit|city-a"})
    assert back.url.endswith("?done=unenrolled") and page_tables(back.text)["class-a-class"][1:] == [["暂无数据"]]
    assert [(action, AuditEntry("", "", action, "", "", "", detail, values).said(i18n.translations("en")))
            for action, detail, values in server.sql("SELECT action, detail, detail_values FROM audit_log "
                                                     "WHERE action = 'admin.class_unenrol'")] == [
        ("admin.class_unenrol", "unit city-a")]
    assert _eventually(server, "zhang", 0)
    server.cli("class", "unenrol", "site-class", "--user", "wang")
    assert server.cli("class", "unenrol", "site-class", "--user", "wang", check=False).returncode == 1
    assert server.sql("SELECT kind, target FROM class_enrolments WHERE class_code = 'site-class'") == [
        ("person", "zhang")]


def test_assignments_are_listed_made_and_removed_only_inside_the_admins_units(site: Site) -> None:
    server = site.server
    a_admin = AdminSession(server)
    a_admin.sign_in("a-admin")
    a_admin.get("/admin/assignments")
    made = a_admin.post("/admin/assignments", {"course": "c1", "kind": "unit", "unit": "county-a1",
                                               "required": "required", "due": "2026-12-31"})
    assert made.url.endswith("/admin/assignments?done=assigned")
    rows = page_tables(made.text)["assignments"]
    assert [r[:6] for r in rows[1:]] == [["c1", "测试课程", "单位及其下级单位", "甲市一县", "必修", "2026-12-31"]]
    bad = a_admin.post("/admin/assignments", {"course": "c1", "kind": "unit", "unit": "county-a1",
                                              "required": "elective", "due": "2026-13-01"})
    assert bad.status_code == 400 and "日期" in bad.text
    assert a_admin.post("/admin/assignments", {"course": "c1", "kind": "unit", "unit": "city-b",
                                               "required": "required"}).status_code == 404
    b_admin = AdminSession(server)
    b_admin.sign_in("b-admin")
    b_admin.get("/admin/assignments")
    b_admin.post("/admin/assignments", {"course": "c1", "kind": "unit", "unit": "city-b", "required": "elective"})
    assert [r[3] for r in page_tables(b_admin.get("/admin/assignments").text)["assignments"][1:]] == ["乙市"]
    assert [r[3] for r in page_tables(a_admin.get("/admin/assignments").text)["assignments"][1:]] == ["甲市一县"]
    # another admin's assignment cannot be removed by a hand-made form, nor a made-up one
    for key in ("unit|county-a1|c1", "unit|prov|c1", "class|nothing|c1", "user|zhang|c1", "garbage"):
        assert b_admin.post("/admin/assignments/remove", {"assignment": key}).status_code == 404, key
    assert a_admin.post("/admin/assignments/remove", {"assignment": "unit|city-b|c1"}).status_code == 404
    assert server.sql("SELECT target FROM assignments ORDER BY target") == [("city-b",), ("county-a1",)]
    assert server.cli("unassign", "c1", "--unit", "city-a", check=False).returncode == 1  # not assigned there
    gone = a_admin.post("/admin/assignments/remove", {"assignment": "unit|county-a1|c1"})
    assert gone.url.endswith("?done=removed") and page_tables(gone.text)["assignments"][1:] == [["暂无数据"]]
    xlsx = b_admin.get("/admin/assignments", params={"export": "xlsx", "table": "assignments"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert same_cells([list(r) for r in sheet.iter_rows(values_only=True)]) == same_cells(
        page_tables(b_admin.get("/admin/assignments").text)["assignments"])
    server.cli("unassign", "c1", "--unit", "city-b")
    assert server.sql("SELECT COUNT(*) FROM assignments") == [(0,)]
    assert server.sql("SELECT actor, action, target, result FROM audit_log WHERE action LIKE 'admin.%assign' "
                      "ORDER BY id") == [
        ("a-admin", "admin.assign", "unit county-a1", "ok"), ("a-admin", "admin.assign", "unit county-a1", "refused"),
        ("b-admin", "admin.assign", "unit city-b", "ok"), ("a-admin", "admin.unassign", "unit county-a1", "ok")]
