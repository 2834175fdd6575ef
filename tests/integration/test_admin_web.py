"""The admin web on a real server, on SQLite and on PostgreSQL: signing in (and the audited
refusals), CSRF on every form, the session cookie's flags, a unit admin kept to their subtree
also when typing URLs, and the numbers of a page equal to its downloads and to the API."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from server.ingest import FLAG_TEXT, REASON_TEXT
from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.keys import PrivateKey
from sync.protocol.records import DeviceSigner
from sync.protocol.records_file import write_records_file
from tests.support.admin_web import PASSWORD, AdminSession, Site, fresh_site, page_tables, same_cells
from tests.support.courses import course_zip
from tests.support.ingest import chain
from tests.support.module_server import BACKENDS
from tests.support.org_sheets import write_sheet

pytestmark = pytest.mark.databases  # each test runs on SQLite and on PostgreSQL


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """A fresh site for a test that changes it."""
    with fresh_site(request, tmp_path) as site:
        yield site


@pytest.fixture(scope="module", params=BACKENDS)
def read_site(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Site]:
    """One site per backend for the tests that only read it (and sign in, and download: only
    test_page_numbers_equal_the_downloads_and_the_api counts the downloads, as root)."""
    with fresh_site(request, tmp_path_factory.mktemp("read-site")) as site:
        yield site


def test_sign_in_sets_a_strict_cookie_and_refusals_are_audited(read_site: Site) -> None:
    server = read_site.server
    browser = AdminSession(server)
    first = browser.get("/admin/")  # not signed in: to the sign-in page, which says so in Chinese
    assert first.url.endswith("/admin/sign-in?next=/admin/") and "登录" in first.text
    wrong = browser.post("/admin/sign-in", {"name": "a-admin", "password": "not-it", "next": "/admin/"})
    assert wrong.status_code == 401 and "账号或密码错误" in wrong.text
    assert server.sql("SELECT COUNT(*) FROM audit_log WHERE actor = 'a-admin' AND result <> 'ok'")[0][0] >= 1
    ok = browser.sign_in("a-admin")
    assert ok.status_code == 200 and "甲市管理员" in ok.text and "甲市" in ok.text
    cookie = next(c for c in browser.http.cookies if c.name == "studydesk_admin")
    assert cookie.path == "/admin" and cookie.has_nonstandard_attr("HttpOnly")
    raw = next(h for h in ok.history[0].headers.get("set-cookie", "").split(",") if "studydesk_admin=" in h)
    assert "SameSite=strict" in raw or "SameSite=Strict" in raw
    english = browser.post("/admin/language", {"lang": "en", "next": "/admin/units/city-a"})
    assert english.url.endswith("/admin/units/city-a")
    assert "Units below" in english.text and "下级单位" not in english.text
    browser.post("/admin/sign-out", {})
    assert browser.get("/admin/").url.endswith("/admin/sign-in?next=/admin/")


def test_every_form_needs_its_csrf_token(read_site: Site) -> None:
    browser = AdminSession(read_site.server)
    browser.get("/admin/sign-in")
    no_token = browser.post("/admin/sign-in", {"name": "root", "password": "admin-pass-word-1"}, csrf="")
    assert no_token.status_code == 403 and "表单已过期" in no_token.text
    assert browser.sign_in("root").status_code == 200
    for path, data in (("/admin/sign-out", {}), ("/admin/language", {"lang": "en", "next": "/admin/"})):
        assert browser.post(path, data, csrf="forged").status_code == 403
        assert browser.post(path, data, csrf="").status_code == 403
    other = AdminSession(read_site.server)  # another browser's valid token is no good here
    other.get("/admin/sign-in")
    assert browser.post("/admin/sign-out", {}, csrf=other.csrf).status_code == 403
    assert browser.get("/admin/").status_code == 200  # still signed in


def test_a_unit_admin_sees_only_their_subtree_also_by_typed_urls(read_site: Site) -> None:
    browser = AdminSession(read_site.server)
    browser.sign_in("a-admin")
    assert browser.get("/admin/units/city-a").status_code == 200
    assert browser.get("/admin/units/county-a1").status_code == 200
    assert browser.get(f"/admin/people/{read_site.user_ids['zhang']}").status_code == 200
    for path in ("/admin/units/city-b", "/admin/units/prov", f"/admin/people/{read_site.user_ids['wang']}",
                 "/admin/units/no-such-unit", "/admin/people/no-such-person"):
        refused = browser.get(path)
        assert refused.status_code == 404, path
        assert "王五" not in refused.text and "乙市" not in refused.text
    people = browser.get("/admin/people", params={"q": "王"})
    assert "王五" not in people.text
    root = AdminSession(read_site.server)
    root.sign_in("root")
    assert root.get("/admin/units/city-b").status_code == 200
    assert "王五" in root.get(f"/admin/people/{read_site.user_ids['wang']}").text


def test_page_numbers_equal_the_downloads_and_the_api(read_site: Site) -> None:
    browser = AdminSession(read_site.server)
    browser.sign_in("root")
    page = browser.get("/admin/units/prov")
    tables = page_tables(page.text)
    child_units = tables["child-units"]
    assert child_units[0][:2] == ["单位", "人数"] and child_units[0][6] == "本年学习时长（小时）"
    rows = {r[0]: r for r in child_units[1:]}
    assert rows["甲市"][1] == "2" and rows["乙市"][1] == "2"
    assert float(rows["甲市"][6]) == pytest.approx(round(90 / 3600, 2))  # zhang 60 s + li 30 s
    xlsx = browser.get("/admin/units/prov", params={"export": "xlsx", "table": "child-units"})
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert same_cells([list(row) for row in sheet.iter_rows(values_only=True)]) == same_cells(child_units)
    text = browser.get("/admin/units/prov", params={"export": "csv", "table": "child-units"}).content
    assert text.startswith(b"\xef\xbb\xbf")
    assert same_cells(list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))) == same_cells(child_units)
    # a person's page says what the API's transcript says
    person = page_tables(browser.get(f"/admin/people/{read_site.user_ids['zhang']}").text)["courses"]
    api = ApiClient(Transport(read_site.server.url))
    api.login("zhang", PASSWORD)
    credited_s = sum(c["credited_s"] for c in api.transcript()["courses"])
    assert float(person[1][1]) == pytest.approx(round(credited_s / 3600, 2))
    # and the download was audited
    exports = "SELECT COUNT(*) FROM audit_log WHERE actor = 'root' AND action = 'admin.export'"
    assert read_site.server.sql(exports)[0][0] == 2


def _audit_details(browser: AdminSession, lang: str) -> list[str]:
    """The Detail column of the audit page in ``lang``, newest first, after checking that the page's
    CSV and XLSX downloads say the same (the XLSX, made after, with the CSV's download first)."""
    browser.post("/admin/language", {"lang": lang, "next": "/admin/audit"})
    details = [r[6] for r in page_tables(browser.get("/admin/audit").text)["audit"]]
    assert details[0] == {"zh_CN": "详情", "en": "Detail"}[lang]
    text = browser.get("/admin/audit", params={"export": "csv", "table": "audit"}).content.decode("utf-8-sig")
    assert [r[6] for r in csv.reader(io.StringIO(text))] == details
    sheet = load_workbook(io.BytesIO(browser.get("/admin/audit", params={"export": "xlsx", "table": "audit"})
                                     .content)).active
    assert sheet is not None
    downloaded = {"zh_CN": f"audit.csv：{len(details) - 1} 行", "en": f"audit.csv: {len(details) - 1} rows"}[lang]
    assert [r[6] or "" for r in sheet.iter_rows(values_only=True)] == [details[0], downloaded, *details[1:]]
    return details[1:]


def _api_of(site: Site, account: str) -> ApiClient:
    api = ApiClient(Transport(site.server.url))
    api.login(account, PASSWORD)
    return api


def _records_file(site: Site, tmp_path: Path, account: str) -> Path:
    """A file from an air-gapped PC: three records of ``account``'s, the second tampered with."""
    signer = DeviceSigner(str(uuid.uuid4()), site.user_ids[account], PrivateKey.generate())
    records = chain(signer, 3)
    records[1] = dataclasses.replace(records[1], body={**records[1].body, "position_s": 9999.0})
    path = tmp_path / f"{account}-records.json"
    write_records_file(path, key=signer.key, device_id=signer.device_id, user_id=signer.user_id, username=account,
                       enrolled_at=None, records=records)
    return path


def test_record_import_says_what_was_stored_duplicate_and_refused(site: Site, tmp_path: Path) -> None:
    path = _records_file(site, tmp_path, "zhang")
    outsider = AdminSession(site.server)
    outsider.sign_in("b-admin")
    outsider.get("/admin/records")
    with path.open("rb") as f:
        refused = outsider.post("/admin/records", {"enrol_devices": "1"}, files={"file": f})
    assert "文件被拒绝" in refused.text and "data-stored" not in refused.text
    browser = AdminSession(site.server)
    browser.sign_in("a-admin")
    browser.get("/admin/records")
    results = []
    for _ in range(2):
        with path.open("rb") as f:
            answer = browser.post("/admin/records", {"enrol_devices": "1"}, files={"file": f})
        assert answer.status_code == 200
        results.append([int(re.search(rf"data-{k}>(\d+)<", answer.text).group(1))  # type: ignore[union-attr]
                        for k in ("stored", "duplicate", "rejected")])
        assert "bad_signature" in answer.text
    assert results == [[2, 0, 1], [0, 2, 1]]  # the one after the tampered record is kept (its gap flagged)
    # every reason reads in Chinese on the zh_CN pages: the import's, the flagged records', the archive's
    english = [*REASON_TEXT.values(), *FLAG_TEXT.values()]
    assert "签名不符：记录已被篡改" in answer.text
    for page in (answer.text, browser.get("/admin/flagged").text,
                 browser.get(f"/admin/people/{site.user_ids['zhang']}").text):
        assert [text for text in english if text in page] == []
    rows = site.server.sql("SELECT result, detail FROM audit_log WHERE action = 'admin.records_import' ORDER BY id")
    assert [r[0] for r in rows] == ["refused", "ok", "ok"]
    # the audit log says what each import did in the reader's language, newest first (how many
    # records the first import flagged, and why, depends on the clock: the same in both languages)
    chinese, english = _audit_details(browser, "zh_CN")[:2], _audit_details(browser, "en")[2:4]  # after the downloads
    assert [chinese[0], english[0]] == ["已保存 0 条，已有 2 条，拒收 1 条，标记异常 0 条（bad_signature 1）",
                                        "stored 0, already there 2, rejected 1, flagged 0 (bad_signature 1)"]
    zh = re.fullmatch(r"已保存 2 条，已有 0 条，拒收 1 条，标记异常 (\d+) 条（(bad_signature 1(, [a-z_]+ \d+)*)）；"
                      r"已按文件中的密钥登记该设备", chinese[1])
    en = re.fullmatch(r"stored 2, already there 0, rejected 1, flagged (\d+) \((bad_signature 1(, [a-z_]+ \d+)*)\); "
                      r"the device was enrolled from the key in the file", english[1])
    assert zh is not None and en is not None and zh.groups()[:2] == en.groups()[:2], (chinese, english)


def test_publish_from_a_zip_says_what_changed_and_only_a_system_admin_may(site: Site, tmp_path: Path) -> None:
    root = AdminSession(site.server)
    root.sign_in("root")
    root.get("/admin/courses")
    first = course_zip(tmp_path, "law", {"1": b"lesson one" * 100, "2": b"lesson two" * 100})
    with first.open("rb") as f:
        answer = root.post("/admin/courses/publish", {}, files={"zip": ("law.zip", f, "application/zip")})
    assert answer.status_code == 200 and "依法行政专题 已发布为第 1 版" in answer.text
    second = course_zip(tmp_path, "law", {"1": b"lesson one, re-recorded" * 100, "2": b"lesson two" * 100,
                                          "3": b"lesson three" * 100})
    with second.open("rb") as f:
        answer = root.post("/admin/courses/publish", {}, files={"zip": ("law.zip", f, "application/zip")})
    assert "第 2 版" in answer.text
    assert "课时 第1讲：内容已更新" in answer.text and "课时 第3讲：新增" in answer.text
    assert "第2讲：" not in answer.text
    rows = {r[0]: r for r in page_tables(answer.text)["courses"][1:]}
    assert rows["law"][2] == "2"
    evil = tmp_path / "evil.zip"
    import zipfile

    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../outside.txt", "x")
    with evil.open("rb") as f:
        refused = root.post("/admin/courses/publish", {}, files={"zip": ("evil.zip", f, "application/zip")})
    assert refused.status_code == 400 and not (site.server.data_dir.parent / "outside.txt").exists()
    assert "课程未发布：zip 中的 &#39;../../outside.txt&#39; 不是包内的普通文件" in refused.text  # why, in Chinese
    root.post("/admin/courses/off-line", {"course": "law"})
    catalog = requests.get(site.server.url + "/repo/catalog.json", timeout=10)
    assert catalog.ok and "law" not in [c["id"] for c in catalog.json()["courses"]]
    unit_admin = AdminSession(site.server)
    unit_admin.sign_in("a-admin")
    unit_admin.get("/admin/courses")
    with first.open("rb") as f:
        assert unit_admin.post("/admin/courses/publish", {}, files={"zip": ("law.zip", f)}).status_code == 403
    actions = [r[0] for r in site.server.sql("SELECT action FROM audit_log WHERE actor = 'root' ORDER BY id")]
    assert actions.count("admin.publish") == 3 and "admin.take_off_line" in actions
    # the audit log says what each publishing changed in the reader's language
    assert _audit_details(root, "zh_CN")[4:6] == ["第 2 版，2 处改动", "第 1 版，2 处改动"]
    assert _audit_details(root, "en")[6:8] == ["version 2, 2 changes", "version 1, 2 changes"]


def test_people_are_changed_only_inside_the_admins_units_and_every_change_is_audited(site: Site) -> None:
    browser = AdminSession(site.server)
    browser.sign_in("a-admin")
    zhang, wang = site.user_ids["zhang"], site.user_ids["wang"]
    browser.get(f"/admin/people/{zhang}")
    assert browser.post(f"/admin/people/{zhang}/move", {"unit": "city-a"}).status_code == 200
    assert site.server.sql("SELECT unit_code FROM users WHERE username = 'zhang'") == [("city-a",)]
    assert site.server.sql("SELECT from_unit, to_unit, moved_by FROM unit_history") == [("county-a1", "city-a",
                                                                                          "a-admin")]
    # not into another admin's unit, and not another admin's person
    assert browser.post(f"/admin/people/{zhang}/move", {"unit": "city-b"}).status_code == 404
    for action, data in (("unlock", {}), ("password", {"password": "new-pass-word-1"}), ("deactivate", {}),
                         ("move", {"unit": "city-a"})):
        assert browser.post(f"/admin/people/{wang}/{action}", data).status_code == 404
    assert site.server.sql("SELECT unit_code, deactivated_at FROM users WHERE username = 'wang'") == [("city-b", None)]
    answer = browser.post(f"/admin/people/{zhang}/password", {"password": "new-pass-word-1"})
    assert "密码已重置" in answer.text
    api = ApiClient(Transport(site.server.url))
    api.login("zhang", "new-pass-word-1")
    assert "已停用" in browser.post(f"/admin/people/{zhang}/deactivate", {}).text
    added = browser.post("/admin/units/city-a/add", {"code": "county-a2", "name": "甲市二县"})
    assert added.url.endswith("/admin/units/county-a2?done=add_unit") and "单位已添加" in added.text
    assert browser.post("/admin/units/city-b/add", {"code": "county-b9", "name": "乙市九县"}).status_code == 404
    actions = site.server.sql("SELECT action, target, result FROM audit_log WHERE actor = 'a-admin' "
                              "AND action NOT IN ('admin_sign_in') ORDER BY id")
    # the reaches outside their units are audited as refused, by address
    outside = [("admin.out_of_scope", f"/admin/people/{zhang}/move", "refused")] + [
        ("admin.out_of_scope", f"/admin/people/{wang}/{action}", "refused")
        for action in ("unlock", "password", "deactivate", "move")]
    assert actions == [("admin.move_person", "zhang", "ok"), *outside, ("admin.reset_password", "zhang", "ok"),
                       ("admin.deactivate_person", "zhang", "ok"), ("admin.add_unit", "county-a2", "ok"),
                       ("admin.out_of_scope", "/admin/units/city-b/add", "refused")]


def test_an_import_with_a_bad_row_changes_nothing_until_fixed_and_confirmed(site: Site, tmp_path: Path) -> None:
    header = ["姓名", "身份证号", "职级", "所在单位编码"]
    rows = [["钱七", "11010519491231002X", "县处级", "county-a1"], ["孙八", "110105194912310038", "副科", "nowhere"],
            ["周九", "110105194912310054", "一般干部", "city-b"]]
    browser = AdminSession(site.server)
    browser.get("/admin/sign-in")
    wrong = browser.post("/admin/sign-in", {"name": "a-admin", "password": "not-it", "next": "/admin/"})
    assert wrong.status_code == 401
    browser.sign_in("a-admin")
    browser.get("/admin/import")
    sheet = write_sheet(tmp_path / "people.xlsx", header, rows)
    with sheet.open("rb") as f:
        checked = browser.post("/admin/import", {"kind": "people"}, files={"file": ("people.xlsx", f)})
    bad = page_tables(checked.text)["bad-rows"]
    assert [r[0] for r in bad[1:]] == ["4", "5"]  # (a title line, the header) the unknown unit, one not a-admin's
    assert bad[2][1] == "不属于您管理的单位" and "/admin/import/confirm" not in checked.text
    before = site.server.sql("SELECT COUNT(*) FROM users")
    fixed = write_sheet(tmp_path / "people-fixed.xlsx", header, [rows[0], [*rows[1][:3], "city-a"]])
    with fixed.open("rb") as f:
        checked = browser.post("/admin/import", {"kind": "people"}, files={"file": ("people.xlsx", f)})
    token = re.search(r'name="token" value="([^"]+)"', checked.text)
    assert token is not None and site.server.sql("SELECT COUNT(*) FROM users") == before
    other = AdminSession(site.server)  # another admin cannot confirm this upload
    other.sign_in("b-admin")
    assert other.post("/admin/import/confirm", {"token": token.group(1), "kind": "people",
                                                "password": "first-pass-1"}).status_code == 404
    done = browser.post("/admin/import/confirm", {"token": token.group(1), "kind": "people",
                                                  "password": "first-pass-1"})
    assert "新增 2" in done.text
    assert site.server.sql("SELECT COUNT(*) FROM users")[0][0] == before[0][0] + 2
    assert browser.post("/admin/import/confirm", {"token": token.group(1), "kind": "people"}).status_code == 404
    # the audit log says each in the reader's language; a row stored as free text before, as stored
    _api_of(site, "zhang").enrol_device(str(uuid.uuid4()), PrivateKey.generate().public.to_text())
    old = "people.xlsx: 1 good rows, 1 bad"
    site.server.sql("INSERT INTO audit_log (actor, action, target, result, detail) VALUES "
                    "('a-admin', 'admin.import_check', 'people', 'bad_rows', :d)", {"d": old})
    root = AdminSession(site.server)
    root.sign_in("root")
    said = {"zh_CN": [old, "由学员的应用登记", "新增 2 条，变更 0 条", "people.xlsx：2 行无误，0 行有误",
                      "people.xlsx：2 行无误，2 行有误", "连续失败 1 次"],
            "en": [old, "enrolled by the learner's app", "2 new, 0 changed", "people.xlsx: 2 good rows, 0 bad",
                   "people.xlsx: 2 good rows, 2 bad", "1 failure in a row"]}
    for lang, expected in said.items():
        details = _audit_details(root, lang)  # newest first: the site's own making after this test's
        mine = details[:details.index(expected[-1]) + 1]
        assert [d for d in mine if d in expected] == expected, "|".join(details)


def test_the_behind_list_follows_the_targets_and_downloads_as_shown(site: Site) -> None:
    browser = AdminSession(site.server)
    browser.sign_in("root")
    assert page_tables(browser.get("/admin/behind").text)["behind"][1:] == [["暂无数据"]]  # no target, no one behind
    (site.server.data_dir / "rules.toml").write_text("[targets.default]\ntotal = 50\n", encoding="utf-8")
    site.server.cli("totals", "rebuild")  # wang, who never uploaded, gets his stored year too
    shown = page_tables(browser.get("/admin/behind").text)["behind"]
    # nobody completed a course: no credit against 50 a year, equally short, then by account
    assert [row[0] for row in shown[1:]] == ["李四", "王五", "张三", "赵六"]
    assert {row[7] for row in shown[1:]} == {shown[1][7]} and float(shown[1][7]) > 0
    xlsx = browser.get("/admin/behind", params={"export": "xlsx", "table": "behind"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert same_cells([list(row) for row in sheet.iter_rows(values_only=True)]) == same_cells(shown)
    scoped = AdminSession(site.server)
    scoped.sign_in("b-admin")
    assert {row[0] for row in page_tables(scoped.get("/admin/behind").text)["behind"][1:]} == {"王五", "赵六"}
    assert scoped.get("/admin/behind", params={"unit": "city-a"}).status_code == 404
    pdf = browser.get("/admin/units/prov/bulletin.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert scoped.get("/admin/units/prov/bulletin.pdf").status_code == 404
