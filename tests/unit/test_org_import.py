"""Reading units and people from CSV and XLSX, and the dry-run report of every bad row."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.org.importing import Change, ExistingPerson, check_people, check_units, id_card_ok
from server.org.levels import CadreLevel
from server.org.sheets import PEOPLE_COLUMNS, UNIT_COLUMNS, Row, Sheet, read_sheet
from server.org.tree import Unit, UnitTree
from sync.protocol.errors import FormatError
from tests.support.org_sheets import PEOPLE, PEOPLE_HEADER, UNIT_HEADER, UNITS, write_sheet

FORMATS = [("units.csv", "utf-8-sig"), ("units.csv", "utf-8"), ("units.csv", "gb18030"), ("units.xlsx", "")]


@pytest.mark.parametrize(("name", "encoding"), FORMATS)
def test_units_read_alike_from_every_format(tmp_path: Path, name: str, encoding: str) -> None:
    sheet = read_sheet(write_sheet(tmp_path / name, UNIT_HEADER, UNITS, encoding=encoding), UNIT_COLUMNS)
    assert [r.number for r in sheet.rows] == [3, 4, 5, 6]  # the title line is row 1, the header row 2
    assert [r.values for r in sheet.rows][:2] == [{"code": "50", "name": "重庆市", "parent": ""},
                                                  {"code": "500101", "name": "万州区", "parent": "50"}]
    report = check_units(sheet, UnitTree())
    assert report.ok and [r.code for r in report.rows] == ["50", "500101", "500101001", "500102"]
    assert report.count(Change.NEW) == 4


@pytest.mark.parametrize(("name", "encoding"), FORMATS)
def test_people_read_alike_from_every_format(tmp_path: Path, name: str, encoding: str) -> None:
    units = check_units(read_sheet(write_sheet(tmp_path / "u.csv", UNIT_HEADER, UNITS), UNIT_COLUMNS), UnitTree())
    tree = UnitTree(Unit(r.code, r.name, r.parent) for r in units.rows)
    sheet = read_sheet(write_sheet(tmp_path / name.replace("units", "people"), PEOPLE_HEADER, PEOPLE,
                                   encoding=encoding), PEOPLE_COLUMNS)
    report = check_people(sheet, tree, {})
    assert report.ok, report.lines()
    assert [(r.person_id, r.username, r.name, r.level, r.unit) for r in report.rows] == [
        ("11010519491231002X", "11010519491231002X", "张三", CadreLevel.DIVISION, "500101"),
        ("110105194912310038", "110105194912310038", "李四", CadreLevel.SECTION, "500101001"),
        ("110105194912310054", "110105194912310054", "王五", CadreLevel.STAFF, "500102"),
    ]


def test_english_headers_starred_headers_and_a_login_column_are_understood(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "p.csv", ["Name", "Person ID", "User name", "Cadre level", "Unit code"],
                       [["Zhang San", "E-0001", "zhangsan", "section", "50"]], title=None)
    sheet = read_sheet(path, PEOPLE_COLUMNS)
    assert sheet.rows[0].number == 2 and sheet.rows[0].values["username"] == "zhangsan"
    starred = write_sheet(tmp_path / "p2.csv", ["*姓名", "人员编号（必填）", "*职级", "*所在单位编码", "身份证号"],
                          [["张三", "E-0001", "科员", "50", "11010519491231002X"]], title=None)
    row = read_sheet(starred, PEOPLE_COLUMNS).rows[0]
    assert row.values["person_id"] == "E-0001"  # 人员编号 is preferred over the identity card number


def test_a_sheet_without_the_columns_or_in_a_foreign_form_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError) as e:
        read_sheet(write_sheet(tmp_path / "u.csv", ["编码", "备注"], [["50", "x"]]), UNIT_COLUMNS)
    assert e.value.code == "missing_column" and "单位名称" in e.value.detail
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(FormatError) as e:
        read_sheet(tmp_path / "old.xls", UNIT_COLUMNS)
    assert e.value.code == "bad_sheet" and ".xlsx" in e.value.detail
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FormatError) as e:
        read_sheet(tmp_path / "broken.xlsx", UNIT_COLUMNS)
    assert e.value.code == "bad_sheet"
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x81\x30\xff" * 10)
    with pytest.raises(FormatError) as e:
        read_sheet(tmp_path / "bin.csv", UNIT_COLUMNS)
    assert e.value.code == "bad_sheet"


def test_every_bad_unit_row_is_reported_with_its_row_and_reason(tmp_path: Path) -> None:
    existing = UnitTree([Unit("50", "重庆市"), Unit("5001", "万州区", "50")])
    rows = [
        ["5001", "万州区", "50"],  # 3: unchanged
        ["5002", "涪陵区", "50"],  # 4: new
        ["5002", "涪陵区（重复）", "50"],  # 5: duplicate
        ["", "无编码", "50"],  # 6: missing code
        ["5003", "", "50"],  # 7: missing name
        ["50 03", "空格", "50"],  # 8: bad code
        ["5004", "南川区", "9999"],  # 9: unknown parent
        ["500401", "街道", "5004"],  # 10: parent on a bad row
        ["a", "甲", "b"],  # 11: cycle
        ["b", "乙", "a"],  # 12: cycle
        ["50", "重庆市", "5001"],  # 13: cycle through the site's own units
        ["5001", "万州", "5002"],  # 14: duplicate of row 3
    ]
    report = check_units(read_sheet(write_sheet(tmp_path / "u.csv", UNIT_HEADER, rows), UNIT_COLUMNS), existing)
    got = {(p.row, p.reason) for p in report.problems}
    assert got == {(5, "duplicate_id"), (6, "missing_field"), (7, "missing_field"), (8, "bad_code"),
                   (9, "unknown_parent"), (10, "unknown_parent"), (11, "cycle"), (12, "cycle"), (13, "cycle"),
                   (3, "cycle"), (14, "duplicate_id")}
    assert [r.code for r in report.rows] == ["5002"]
    lines = report.lines()
    assert lines[0].startswith("row 3: cycle:") and "row 5: duplicate_id: unit 5002 is also on row 4" in lines
    assert lines[-1] == "units: 12 rows, 1 new, 0 changed, 0 unchanged, 11 bad"


def test_a_moved_or_renamed_unit_is_a_change() -> None:
    existing = UnitTree([Unit("50", "重庆市"), Unit("5001", "万州区", "50"), Unit("5002", "涪陵区", "50")])
    sheet = Sheet(frozenset({"code", "name", "parent"}), [
        Row(2, {"code": "5001", "name": "万州区", "parent": "5002"}),
        Row(3, {"code": "5002", "name": "涪陵区", "parent": "50"}),
        Row(4, {"code": "50", "name": "重庆", "parent": ""}),
    ])
    report = check_units(sheet, existing)
    assert report.ok and [r.change for r in report.rows] == [Change.CHANGED, Change.UNCHANGED, Change.CHANGED]


def test_every_bad_person_row_is_reported_with_its_row_and_reason(tmp_path: Path) -> None:
    tree = UnitTree([Unit("50", "重庆市"), Unit("5001", "万州区", "50"), Unit("5009", "撤销", "50", active=False)])
    existing = {"E-9": ExistingPerson("E-9", "wang", "王五", CadreLevel.STAFF, "50")}
    header = ["姓名", "人员编号", "登录名", "职级", "所在单位编码"]
    rows = [
        ["张三", "E-1", "", "县处级", "5001"],  # 3: new, user name = person id
        ["李四", "E-2", "lisi", "处长", "5001"],  # 4: bad level
        ["王五", "E-9", "wang", "科员", "5001"],  # 5: changed (moved)
        ["赵六", "E-1", "", "科员", "50"],  # 6: duplicate person id
        ["钱七", "E-7", "wang", "科员", "50"],  # 7: user name of someone on the site
        ["孙八", "E-8", "", "科员", "5999"],  # 8: unknown unit
        ["周九", "E-10", "", "科员", "5009"],  # 9: deactivated unit
        ["", "E-11", "", "科员", "50"],  # 10: no name
        ["吴十", "110105194912310037", "", "科员", "50"],  # 11: bad identity card check digit
        ["郑一", "E 12", "", "科员", "50"],  # 12: bad person id
        ["冯二", "E-13", "zhangsan", "", "50"],  # 13: no level
        ["陈三", "E-14", "E-1", "科员", "50"],  # 14: user name taken by row 3
    ]
    sheet = read_sheet(write_sheet(tmp_path / "p.xlsx", header, rows), PEOPLE_COLUMNS)
    report = check_people(sheet, tree, existing)
    assert {(p.row, p.reason) for p in report.problems} == {
        (4, "bad_level"), (6, "duplicate_id"), (7, "duplicate_id"), (8, "unknown_unit"), (9, "unknown_unit"),
        (10, "missing_field"), (11, "bad_code"), (12, "bad_code"), (13, "missing_field"), (14, "duplicate_id")}
    assert [(r.row, r.change) for r in report.rows] == [(3, Change.NEW), (5, Change.CHANGED)]
    assert not report.ok
    assert report.lines()[-1] == "people: 12 rows, 1 new, 1 changed, 0 unchanged, 10 bad"
    assert any("deactivated" in p.detail for p in report.problems if p.row == 9)


def test_identity_card_check_digits() -> None:
    assert id_card_ok("11010519491231002X") and id_card_ok("11010519491231002x")
    assert not id_card_ok("110105194912310021") and not id_card_ok("1101051949123100")
