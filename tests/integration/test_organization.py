"""The organization on the database, on SQLite and on PostgreSQL: admins (lockout, what each
role sees), units and people (subtrees, moves with history), imports (all or nothing), classes,
and assignments that reach a unit's whole subtree or a class."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server import admins, audit, throttle
from server.admin import scope
from server.admins import AdminRole, AdminSignInError
from server.assignments import assign, assignments_for
from server.classes import classes_of, create_class, enrol, get_class, list_classes, members
from server.org.classes import ClassCourse, parse_scoring
from server.org.importing import Change
from server.organization import history, import_people, import_units, move_person, people_in
from server.storage.engine import sqlite_url
from server.storage.schema import open_database
from server.units import add_unit, deactivate_unit, list_units, move_unit
from server.users import add_user, authenticate, deactivate_user, get_user
from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.errors import FormatError
from tests.support.org_sheets import PEOPLE, PEOPLE_HEADER, UNIT_HEADER, UNITS, write_sheet
from tests.support.server_process import ServerProcess, migrated_sqlite
from tests.support.statements import statements

pytestmark = pytest.mark.databases  # each test runs on SQLite and on PostgreSQL

PASSWORD = "pass-word-10"


@pytest.fixture
def conn(database: str | None, tmp_path: Path) -> Iterator[Connection]:
    """A connection to a server database at the newest revision: on SQLite a copy of this test
    process's migrated one, as on PostgreSQL (open_database only checks its revision)."""
    if database is None:
        shutil.copyfile(migrated_sqlite(), tmp_path / "server.sqlite3")
    engine = open_database(database or sqlite_url(tmp_path / "server.sqlite3"))
    try:
        with engine.connect() as c:
            yield c
    finally:
        engine.dispose()


def _province(conn: Connection) -> None:
    """50 (province) > 5001 (city) > 500101 (district) > 50010101 (township); 5002 a sibling city."""
    add_unit(conn, "50", "重庆市")
    add_unit(conn, "5001", "万州区", "50")
    add_unit(conn, "500101", "城关镇", "5001")
    add_unit(conn, "50010101", "财政所", "500101")
    add_unit(conn, "5002", "涪陵区", "50")


def test_five_wrong_admin_passwords_lock_the_account_until_unlocked(conn: Connection,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "ACCOUNT_FREE_FAILURES", 100)  # the lock, not the throttle's wait, is tested
    monkeypatch.setitem(throttle._FREE, "account", 100)
    admins.create_admin(conn, "boss", PASSWORD, AdminRole.SYSTEM, display_name="管理员")
    with pytest.raises(FormatError) as short:
        admins.create_admin(conn, "weak", "short-pw", AdminRole.SYSTEM)
    assert short.value.code == "weak_password"
    assert admins.sign_in(conn, "boss", PASSWORD, address="10.0.0.1").name == "boss"
    codes = []
    for _ in range(admins.LOCK_AFTER):
        with pytest.raises(AdminSignInError) as wrong:
            admins.sign_in(conn, "boss", "wrong-password", address="10.0.0.1")
        codes.append(wrong.value.code)
    assert codes == ["bad_credentials"] * (admins.LOCK_AFTER - 1) + ["locked"]
    with pytest.raises(AdminSignInError) as locked:  # even the right password, until the lock ends
        admins.sign_in(conn, "boss", PASSWORD)
    assert locked.value.code == "locked" and locked.value.retry_after_s is not None
    assert locked.value.retry_after_s > admins.LOCK_S - 60
    stored = admins.get_admin(conn, "boss")
    assert stored is not None and stored.locked()
    with pytest.raises(AdminSignInError) as unknown:  # an unknown name is answered like a wrong password
        admins.sign_in(conn, "nobody", PASSWORD)
    assert unknown.value.code == "bad_credentials"

    admins.unlock_admin(conn, "boss")
    assert admins.sign_in(conn, "boss", PASSWORD).role is AdminRole.SYSTEM
    admins.deactivate_admin(conn, "boss")
    with pytest.raises(AdminSignInError) as inactive:
        admins.sign_in(conn, "boss", PASSWORD)
    assert inactive.value.code == "inactive"
    results = [e.result for e in audit.entries(conn, user="boss") if e.action == "admin_sign_in"]
    assert results == ["ok", *codes, "locked", "ok", "inactive"]


def test_admin_sign_in_is_throttled_like_the_learners(conn: Connection) -> None:
    admins.create_admin(conn, "boss", PASSWORD, "system")
    for _ in range(throttle.ACCOUNT_FREE_FAILURES):
        with pytest.raises(AdminSignInError):
            admins.sign_in(conn, "boss", "wrong-password")
    failures = sa.text("SELECT failures FROM signin_failures WHERE scope = 'account' AND key = :key")
    assert conn.execute(failures, {"key": "admin:boss"}).scalar() == throttle.ACCOUNT_FREE_FAILURES
    assert conn.execute(failures, {"key": "boss"}).scalar() is None  # not the learner of that name
    assert throttle.delay_s(throttle.ACCOUNT_FREE_FAILURES, throttle.ACCOUNT_FREE_FAILURES) > 0  # the next waits
    admins.set_password(conn, "boss", "another-password")  # a new password ends the wait too
    assert conn.execute(failures, {"key": "admin:boss"}).scalar() is None
    assert admins.sign_in(conn, "boss", "another-password").name == "boss"


def test_a_unit_admin_sees_their_subtree_and_not_a_sibling(conn: Connection) -> None:
    _province(conn)
    near = add_user(conn, "li", PASSWORD, "50010101", "李四", level="乡科级", person_id="P-1")
    far = add_user(conn, "wang", PASSWORD, "5002", "王五", level="staff")
    assert (near.unit, near.unit_code, near.level and near.level.value) == ("财政所", "50010101", "section")
    city = admins.create_admin(conn, "wanzhou", PASSWORD, AdminRole.UNIT, units=["5001"])
    boss = admins.create_admin(conn, "boss", PASSWORD, AdminRole.SYSTEM)
    assert admins.visible_unit_paths(conn, boss) is None
    assert admins.visible_unit_paths(conn, city) == ["50/5001/"]
    assert admins.can_see_unit(conn, city, "50010101") and admins.can_see_unit(conn, city, "5001")
    assert not admins.can_see_unit(conn, city, "5002") and not admins.can_see_unit(conn, city, "50")
    assert admins.can_see_person(conn, city, near.user_id)
    assert not admins.can_see_person(conn, city, far.user_id)
    assert admins.can_see_person(conn, boss, far.user_id)
    with pytest.raises(FormatError) as no_unit:
        admins.create_admin(conn, "bad", PASSWORD, AdminRole.UNIT)
    assert no_unit.value.code == "bad_grant"
    with pytest.raises(FormatError) as unknown:
        admins.create_admin(conn, "bad", PASSWORD, AdminRole.UNIT, units=["9999"])
    assert unknown.value.code == "no_such_unit"
    user = get_user(conn, username="li")
    assert user is not None and user.person_id == "P-1" and user.public()["unit"] == "财政所"
    rows = conn.execute(sa.text("SELECT COUNT(*) FROM admin_grants")).scalar_one()
    assert rows == 1


def test_a_unit_assignment_reaches_a_grandchild_units_person_and_a_class_names_itself(
        conn: Connection, tmp_path: Path) -> None:
    _province(conn)
    li = add_user(conn, "li", PASSWORD, "50010101", "李四")
    wang = add_user(conn, "wang", PASSWORD, "5002", "王五")
    repo = tmp_path / "repo"  # nothing published: the assignments are forced
    assign(conn, "c-city", unit="5001", required=True, repo_dir=repo, force=True, title="市里的课")
    assign(conn, "c-all", unit="50", required=False, repo_dir=repo, force=True)
    assign(conn, "c-all", unit="500101", required=True, due="2026-12-31", repo_dir=repo, force=True)
    create_class(conn, "qn-1", "青年干部培训班", dt.date(2026, 3, 1), dt.date(2026, 6, 30),
                 scoring=parse_scoring("2:3:5", "70"))
    enrol(conn, "qn-1", unit="500101")
    assign(conn, "c-class", class_code="qn-1", required=True, repo_dir=repo, force=True)

    mine = {a["course_id"]: a for a in assignments_for(conn, li, repo)}
    assert set(mine) == {"c-city", "c-all", "c-class"}
    assert mine["c-city"]["title"] == "市里的课" and "class_name" not in mine["c-city"]
    assert mine["c-all"]["required"] and mine["c-all"]["due"] == "2026-12-31"  # the nearer unit's terms win
    assert mine["c-class"]["class_name"] == "青年干部培训班"
    theirs = {a["course_id"]: a for a in assignments_for(conn, wang, repo)}
    assert set(theirs) == {"c-all"} and not theirs["c-all"]["required"]  # a sibling city: only the province's

    assert members(conn, "qn-1") == ["li"]
    assert classes_of(conn, "li") == ["qn-1"] and classes_of(conn, "wang") == []
    klass = get_class(conn, "qn-1")
    assert klass is not None and klass.courses == (ClassCourse("c-class", True),)
    assert klass.scoring is not None and klass.scoring.pass_score == 70
    with pytest.raises(FormatError) as no_class:
        assign(conn, "c-x", class_code="nope", required=True, repo_dir=repo, force=True)
    assert no_class.value.code == "no_such_class"

    reviewer = admins.create_admin(conn, "rev", PASSWORD, AdminRole.REVIEWER, classes=["qn-1"])
    city = admins.create_admin(conn, "wanzhou", PASSWORD, AdminRole.UNIT, units=["5001"])
    fuling = admins.create_admin(conn, "fuling", PASSWORD, AdminRole.UNIT, units=["5002"])
    assert admins.can_see_class(conn, reviewer, "qn-1") and admins.can_see_person(conn, reviewer, li.user_id)
    assert not admins.can_see_person(conn, reviewer, wang.user_id) and not admins.can_see_unit(conn, reviewer, "50")
    assert admins.can_see_class(conn, city, "qn-1")  # its enrolment lies in their subtree
    assert not admins.can_see_class(conn, fuling, "qn-1")
    enrol(conn, "qn-1", person="wang")
    assert admins.can_see_class(conn, fuling, "qn-1") and members(conn, "qn-1") == ["li", "wang"]


MANY_CLASSES = 40
"""A city's year of training classes, give or take: what an admin's class list shows (the statements do not
grow with it)."""


def test_an_admins_class_list_takes_a_few_statements_however_many_classes_and_matches_each_class_check(
        conn: Connection, tmp_path: Path) -> None:
    """visible_classes: the classes each admin may see (as can_see_class decides, class by class),
    by start date, with their courses and enrolments, in at most four statements for MANY_CLASSES
    classes (not a few per class)."""
    _province(conn)
    add_user(conn, "li", PASSWORD, "50010101", "李四")
    add_user(conn, "wang", PASSWORD, "5002", "王五")
    repo = tmp_path / "repo"  # nothing published: the assignments are forced
    for i in range(MANY_CLASSES):
        code = f"k-{i:03d}"
        # organised in 5001's subtree; with 50 (above 5001) enrolled; with li (in it); with wang only (outside)
        create_class(conn, code, f"培训班{i}", dt.date(2026, 1 + i % 12, 1 + i % 5), dt.date(2026, 12, 31),
                     owner_unit="500101" if i % 4 == 0 else "5002")
        if i % 4 == 1:
            enrol(conn, code, unit="50")
        enrol(conn, code, person="li" if i % 4 == 2 else "wang")
        assign(conn, f"c-{i % 3}", class_code=code, required=i % 2 == 0, repo_dir=repo, force=True)
        assign(conn, "c-all", class_code=code, required=False, repo_dir=repo, force=True)
    reviewer = admins.create_admin(conn, "rev", PASSWORD, AdminRole.REVIEWER, classes=["k-007", "k-001", "k-030"])
    everyone = [admins.create_admin(conn, "sys", PASSWORD, AdminRole.SYSTEM), reviewer,
                admins.create_admin(conn, "wanzhou", PASSWORD, AdminRole.UNIT, units=["5001"]),
                admins.create_admin(conn, "fuling", PASSWORD, AdminRole.UNIT, units=["5002"]),
                admins.create_admin(conn, "town", PASSWORD, AdminRole.UNIT, units=["50010101"])]
    every_class = list_classes(conn)
    assert len(every_class) == MANY_CLASSES
    assert [k.starts for k in every_class] == sorted(k.starts for k in every_class)
    each = {k.code: get_class(conn, k.code) for k in every_class}  # as a class's own page reads it
    for admin in everyone:
        expected = [each[k.code] for k in every_class if admins.can_see_class(conn, admin, k.code)]
        with statements(conn) as sent:
            shown = scope.visible_classes(conn, admin)
        assert shown == expected, admin.name
        assert len(sent) <= 4, (admin.name, len(sent))
    assert len(scope.visible_classes(conn, everyone[2])) == 3 * MANY_CLASSES // 4  # not wang's classes
    assert {k.code for k in scope.visible_classes(conn, reviewer)} == {"k-001", "k-007", "k-030"}
    assert len(scope.visible_classes(conn, everyone[4])) == MANY_CLASSES // 2  # 50 above it, li in it


def test_moving_a_person_keeps_their_history_and_moving_a_unit_takes_its_subtree(conn: Connection) -> None:
    _province(conn)
    add_user(conn, "li", PASSWORD, "50010101", "李四")
    moved = move_person(conn, "li", "5002", by="root")
    assert (moved.unit_code, moved.unit) == ("5002", "涪陵区")
    move_person(conn, "li", "500101", by="admin-2")
    assert [(m.from_unit, m.to_unit, m.by) for m in history(conn, "li")] == [
        ("50010101", "5002", "root"), ("5002", "500101", "admin-2")]
    deactivate_user(conn, "li")  # deactivated, not deleted: the history stays
    assert len(history(conn, "li")) == 2 and [u.username for u in people_in(conn, "50", active_only=False)] == ["li"]

    add_user(conn, "zhao", PASSWORD, "50010101")
    move_unit(conn, "5001", "5002")  # the city, its district and township, and their people
    assert {u.code: (u.path, u.depth) for u in list_units(conn, "5002")} == {
        "5002": ("50/5002/", 1), "5001": ("50/5002/5001/", 2), "500101": ("50/5002/5001/500101/", 3),
        "50010101": ("50/5002/5001/500101/50010101/", 4)}
    assert [u.username for u in people_in(conn, "5002")] == ["zhao"]
    with pytest.raises(FormatError) as cycle:
        move_unit(conn, "5002", "500101")
    assert cycle.value.code == "unit_cycle"
    with pytest.raises(FormatError) as busy:
        deactivate_unit(conn, "50010101")
    assert busy.value.code == "unit_not_empty"
    move_person(conn, "zhao", "50", by="root")
    assert not deactivate_unit(conn, "50010101").active
    with pytest.raises(FormatError) as closed:
        move_person(conn, "zhao", "50010101", by="root")
    assert closed.value.code == "unit_inactive"


def _sheet(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _counts(conn: Connection) -> tuple[int, int, int]:
    return tuple(conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one()  # type: ignore[return-value]
                 for t in ("units", "users", "unit_history"))


def test_an_import_with_a_bad_row_changes_nothing_and_a_good_one_applies_in_full(conn: Connection,
                                                                               tmp_path: Path) -> None:
    _province(conn)
    add_user(conn, "li", PASSWORD, "5002", "李四")  # on the site before the import, without an id
    units_bad = _sheet(tmp_path / "units-bad.csv", [
        "单位编码,单位名称,上级单位编码", "5003,江北区,50", "500301,寸滩街道,5003", "500302,,5003", "5004,北碚区,9999"])
    before = _counts(conn)
    report = import_units(conn, units_bad, confirm=True)
    assert not report.ok and {(p.row, p.reason) for p in report.problems} == {(4, "missing_field"),
                                                                              (5, "unknown_parent")}
    assert _counts(conn) == before

    units_good = _sheet(tmp_path / "units.csv", [
        "单位编码,单位名称,上级单位编码", "500301,寸滩街道,5003", "5003,江北区,50", "5001,万州区（新）,5002"])
    dry = import_units(conn, units_good, confirm=False)
    assert dry.ok and _counts(conn) == before
    applied = import_units(conn, units_good, confirm=True)
    assert applied.ok and [r.change.value for r in applied.rows] == ["new", "new", "changed"]
    paths = {u.code: u.path for u in list_units(conn)}
    assert paths["500301"] == "50/5003/500301/" and paths["50010101"] == "50/5002/5001/500101/50010101/"

    people_bad = _sheet(tmp_path / "people-bad.csv", [
        "姓名,人员编号,职级,单位编码,用户名", "李四,P-1,乡科级,500301,li", "张三,P-2,部长,500301,",
        "王五,P-3,一般干部,9999,", "赵六,P-1,一般干部,5003,"])
    before = _counts(conn)
    report_p = import_people(conn, people_bad, confirm=True, password="first-pw", by="root")
    assert {(p.row, p.reason) for p in report_p.problems} == {(3, "bad_level"), (4, "unknown_unit"),
                                                             (5, "duplicate_id")}
    assert _counts(conn) == before and get_user(conn, username="P-2") is None

    people = _sheet(tmp_path / "people.csv", [
        "姓名,人员编号,职级,单位编码,用户名", "李四,P-1,乡科级,500301,li", "张三,P-2,正处,5003,"])
    applied_p = import_people(conn, people, confirm=True, password="first-pw", by="root")
    assert applied_p.ok and [r.change.value for r in applied_p.rows] == ["changed", "new"]
    li = get_user(conn, username="li")
    assert li is not None and (li.person_id, li.unit_code, li.level and li.level.value) == ("P-1", "500301", "section")
    assert [(m.from_unit, m.to_unit) for m in history(conn, "li")] == [("5002", "500301")]
    zhang = get_user(conn, username="P-2")
    assert zhang is not None and zhang.display_name == "张三" and authenticate(conn, "P-2", "first-pw").unit == "江北区"
    again = import_people(conn, people, confirm=True, password="first-pw", by="root")
    assert [r.change.value for r in again.rows] == ["unchanged", "unchanged"]


def test_the_organization_commands_through_a_real_server(server: ServerProcess, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """What an organization department's admin types, and what a learner's app then receives."""
    server.cli("unit", "add", "50", "重庆市")
    server.cli("unit", "add", "5001", "万州区", "--parent", "50")
    sheet = _sheet(tmp_path / "units.csv", ["单位编码,单位名称,上级单位编码", "500101,城关镇,5001",
                                            "50010101,财政所,500101", "x1,,5001"])
    dry = server.cli("import", "units", str(sheet), "--confirm", check=False)
    assert dry.returncode == 1 and "row 4: missing_field" in dry.stdout and "nothing was changed" in dry.stdout
    chinese = {**os.environ, "STUDYDESK_LANG": "zh_CN"}  # a process forked as the others: the same interpreter
    zh = server.cli("import", "units", str(sheet), "--confirm", check=False, forked=True, env=chinese)
    assert zh.returncode == 1 and "第 4 行：missing_field" in zh.stdout and "未做任何更改" in zh.stdout
    assert "单位：共 3 行，新增 2，变更 0，未变 0，错误 1" in zh.stdout and "nothing" not in zh.stdout

    # a misspelt unit adds nobody and no unit, and names the units called alike, in the run's language
    typo = server.cli("user", "add", "zhao", "--unit", "万洲区", "--password-stdin", input=b"pass-word\n",
                      check=False)
    assert typo.returncode == 1
    assert "no unit '万洲区' on this site; units called alike: 5001 (万州区)" in typo.stderr
    assert typo.stderr.rstrip().endswith("[no_such_unit]")
    monkeypatch.delenv("STUDYDESK_LANG")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # an operator's shell in Chinese
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    zh = server.cli("user", "add", "zhao", "--unit", "万洲区", "--password-stdin", input=b"pass-word\n",
                    check=False)
    assert zh.returncode == 1 and "错误：本站点没有单位 '万洲区'；名称相近的单位：5001 (万州区)" in zh.stderr
    usage = server.cli("user", "add", "zhao", check=False)
    assert usage.returncode == 2 and "用法：studydesk-server user add" in usage.stderr
    assert "studydesk-server user add：错误：缺少以下参数：--unit" in usage.stderr
    helped = server.cli("user", "add", "--help").stdout
    assert "显示此帮助信息并退出" in helped and "该单位必须已存在" in helped and "create an account" not in helped
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    english = server.cli("user", "add", "zhao", check=False).stderr
    assert english.startswith("usage: studydesk-server user add")
    assert "studydesk-server user add: error: the following arguments are required: --unit" in english
    monkeypatch.setenv("STUDYDESK_LANG", "en")
    assert "万洲区" not in server.cli("unit", "list").stdout and "zhao" not in server.cli("user", "list").stdout
    server.cli("user", "add", "zhao", "--unit", "万洲区", "--new-unit", "--password-stdin", input=b"pass-word\n")
    assert "\t万洲区\troot\t" in server.cli("unit", "list").stdout  # asked for: a new unit under the root
    _sheet(sheet, ["单位编码,单位名称,上级单位编码", "500101,城关镇,5001", "50010101,财政所,500101"])
    assert "dry run" in server.cli("import", "units", str(sheet)).stdout
    assert "500101" not in server.cli("unit", "list").stdout
    server.cli("import", "units", str(sheet), "--confirm")
    assert "50/5001/500101/50010101/" in server.cli("unit", "list", "--under", "5001").stdout

    people = _sheet(tmp_path / "people.csv", ["姓名,人员编号,职级,单位编码,用户名", "李四,P-1,正科,50010101,li"])
    server.cli("import", "people", str(people), "--confirm", "--password-stdin", input=b"first-password\n")
    server.cli("user", "add", "wang", "--unit", "5001", "--level", "县处级", "--password-stdin",
               input=b"pass-word\n")
    server.cli("user", "move", "wang", "--unit", "500101")
    assert "5001\t500101\t" in server.cli("user", "history", "wang").stdout

    server.cli("class", "add", "qn-1", "青年干部培训班", "--starts", "2026-03-01", "--ends", "2026-06-30",
               "--weights", "3:3:4", "--pass-score", "60")
    server.cli("class", "enrol", "qn-1", "--unit", "500101")
    assert server.cli("class", "members", "qn-1").stdout.split() == ["li", "wang"]
    server.cli("assign", "c-class", "--class", "qn-1", "--required", "--force", "--title", "党课")
    server.cli("assign", "c-city", "--unit", "5001", "--elective", "--force", "--title", "市里的课")
    assert server.cli("class", "courses", "qn-1").stdout.split() == ["c-class", "required"]

    server.cli("admin", "add", "wanzhou", "--role", "unit", "--unit", "5001", "--display-name", "万州管理员",
               "--password-stdin", input=b"admin-password\n")
    short = server.cli("admin", "add", "weak", "--role", "system", "--password-stdin", input=b"short\n", check=False)
    assert short.returncode == 1 and "weak_password" in short.stderr
    listed = server.cli("admin", "list").stdout
    assert "wanzhou\t万州管理员\tunit\t5001\tok" in listed
    server.cli("admin", "deactivate", "wanzhou")
    assert "DEACTIVATED" in server.cli("admin", "list").stdout
    actions = [line.split("\t")[2] for line in server.cli("audit").stdout.splitlines()[1:]]
    for action in ("unit add", "import units", "import people", "user move", "class add", "class enrol",
                   "admin add", "admin deactivate"):
        assert action in actions

    li = ApiClient(Transport(server.url))
    li.login("li", "first-password")
    got = {a["course_id"]: a for a in li.assignments()}
    assert got["c-class"]["class_name"] == "青年干部培训班" and got["c-class"]["title"] == "党课"
    assert got["c-city"]["title"] == "市里的课" and "class_name" not in got["c-city"]


def test_the_departments_xlsx_sheets_import_as_they_come(conn: Connection, tmp_path: Path) -> None:
    units_file = write_sheet(tmp_path / "单位.xlsx", UNIT_HEADER, UNITS, title="单位信息表")
    people_file = write_sheet(tmp_path / "人员.xlsx", PEOPLE_HEADER, PEOPLE)
    assert import_units(conn, units_file, confirm=True).ok
    assert {u.code: u.path for u in list_units(conn)}["500101001"] == "50/500101/500101001/"
    report = import_people(conn, people_file, confirm=True, password="first-pw", by="root")
    assert report.ok and report.count(Change.NEW) == 3
    assert [(u.display_name, u.level and u.level.value) for u in people_in(conn, "500101")] == [
        ("张三", "division"), ("李四", "section")]
    li = get_user(conn, username="110105194912310038")  # no user name column: the id card number signs in
    assert li is not None and li.unit == "高笋塘街道" and li.person_id == "110105194912310038"
