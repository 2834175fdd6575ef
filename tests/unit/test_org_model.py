"""Cadre levels, admin scopes and the training-class model."""

from __future__ import annotations

import datetime as dt

import pytest

from server.org.classes import (
    ClassCourse,
    EnrolKind,
    Enrolment,
    TrainingClass,
    members,
    parse_date,
    parse_scoring,
    scoring_from_json,
    scoring_to_json,
)
from server.org.levels import CadreLevel, parse_level
from server.org.roles import AdminRole, Grant, Scope, parse_role
from server.org.tree import Unit, UnitTree
from sync.protocol.errors import FormatError
from sync.protocol.rules import DEFAULT_RULES


@pytest.mark.parametrize(("text", "level"), [
    ("县处级", CadreLevel.DIVISION), ("正处", CadreLevel.DIVISION), ("副县级", CadreLevel.DIVISION),
    (" 乡科级 ", CadreLevel.SECTION), ("副科级", CadreLevel.SECTION), ("一级主任科员", CadreLevel.SECTION),
    ("科员", CadreLevel.STAFF), ("一般干部", CadreLevel.STAFF), ("staff", CadreLevel.STAFF),
    ("厅局级", CadreLevel.BUREAU), ("ＢＵＲＥＡＵ", CadreLevel.BUREAU), ("General staff", CadreLevel.STAFF),
])
def test_levels_are_read_the_way_a_department_writes_them(text: str, level: CadreLevel) -> None:
    assert parse_level(text) is level


@pytest.mark.parametrize("text", ["省部级", "处长", "", "5"])
def test_other_levels_are_refused_naming_the_known_ones(text: str) -> None:
    with pytest.raises(FormatError) as e:
        parse_level(text)
    assert e.value.code == "bad_level" and "乡科级" in e.value.detail


def test_levels_have_stable_codes_and_names_in_both_languages() -> None:
    assert [lv.value for lv in CadreLevel] == ["bureau", "division", "section", "staff"]
    assert CadreLevel.SECTION.label("zh_CN") == "乡科级"
    assert CadreLevel.SECTION.label("en") == "Township/section level"
    assert all(lv.label("zh_CN") and lv.label("en") for lv in CadreLevel)


def _tree() -> UnitTree:
    return UnitTree([Unit("50", "重庆市"), Unit("5001", "万州区", "50"), Unit("500101", "高笋塘街道", "5001"),
                     Unit("5002", "涪陵区", "50")])


def test_a_system_admin_reaches_everything() -> None:
    scope = Scope.of([Grant(AdminRole.SYSTEM)])
    tree = _tree()
    assert scope.unit_tops() is None
    assert all(scope.may_manage_unit(p) for p in tree.paths().values())
    assert scope.may_add_root_unit() and scope.may_manage_class(None) and scope.may_review_class("c1", None)


def test_a_unit_admin_reaches_only_their_subtree() -> None:
    tree = _tree()
    scope = Scope.of([Grant(AdminRole.UNIT, unit_path=tree.path("5001"))])
    assert scope.unit_tops() == ["50/5001/"]
    assert scope.may_manage_unit(tree.path("5001")) and scope.may_manage_person(tree.path("500101"))
    assert not scope.may_manage_unit(tree.path("50")) and not scope.may_manage_person(tree.path("5002"))
    assert not scope.may_add_root_unit()
    assert scope.may_manage_class(tree.path("500101")) and not scope.may_manage_class(tree.path("5002"))
    assert not scope.may_manage_class(None)  # a site-wide class is the system admins'
    both = Scope.of([Grant(AdminRole.UNIT, unit_path=tree.path("5001")),
                     Grant(AdminRole.UNIT, unit_path=tree.path("5002"))])
    assert both.may_manage_person(tree.path("5002")) and not both.may_manage_unit(tree.path("50"))


def test_a_reviewer_sees_only_the_classes_they_review() -> None:
    tree = _tree()
    scope = Scope.of([Grant(AdminRole.REVIEWER, class_id="2025-ql-1")])
    assert scope.may_review_class("2025-ql-1", tree.path("5001"))
    assert not scope.may_review_class("2025-ql-2", tree.path("5001"))
    assert not scope.may_manage_class(tree.path("5001")) and not scope.may_manage_unit(tree.path("500101"))
    assert scope.unit_tops() == []


def test_grants_and_roles_are_checked() -> None:
    with pytest.raises(FormatError):
        Grant(AdminRole.UNIT)
    with pytest.raises(FormatError):
        Grant(AdminRole.REVIEWER, unit_path="50/")
    with pytest.raises(FormatError):
        Grant(AdminRole.SYSTEM, class_id="x")
    assert parse_role("unit-admin") is AdminRole.UNIT
    with pytest.raises(FormatError) as e:
        parse_role("root")
    assert e.value.code == "bad_role"


def test_class_scoring_defaults_to_the_rules_3_3_4_and_round_trips() -> None:
    default = parse_scoring()
    assert default == DEFAULT_RULES.class_score
    assert (default.attendance, default.tests, default.exam, default.pass_score) == (3, 3, 4, 60)
    assert scoring_from_json(scoring_to_json(default)) == default
    custom = parse_scoring("2：3：5", "70")
    assert (custom.attendance, custom.tests, custom.exam, custom.pass_score) == (2, 3, 5, 70)
    assert scoring_from_json(scoring_to_json(custom)) == custom


@pytest.mark.parametrize("text", ["", "[]", '{"attendance":"3","tests":"3","exam":"4","pass_score":"101"}',
                                  '{"attendance":"0","tests":"0","exam":"0","pass_score":"60"}',
                                  '{"attendance":"1.555","tests":"3","exam":"4","pass_score":"60"}',
                                  '{"attendance":true,"tests":"3","exam":"4","pass_score":"60"}',
                                  '{"attendance":"3","tests":"3","exam":"4","pass_score":"60","x":"1"}', "9" * 2000])
def test_bad_stored_scoring_is_refused(text: str) -> None:
    with pytest.raises(FormatError) as e:
        scoring_from_json(text)
    assert e.value.code == "bad_scoring"


@pytest.mark.parametrize("text", ["3:3", "3:-1:4", "a:b:c", "3:3:4:1"])
def test_bad_weights_are_refused(text: str) -> None:
    with pytest.raises(FormatError):
        parse_scoring(text)


def test_a_class_checks_its_dates_name_and_courses() -> None:
    start, end = parse_date("2025-03-01"), parse_date("2025-06-30")
    klass = TrainingClass("2025-ql-1", " 2025年青年干部培训班 ", start, end,
                          courses=(ClassCourse("c-a", True), ClassCourse("c-b", False)))
    assert klass.required_courses() == ["c-a"] and klass.scoring is None
    with pytest.raises(FormatError) as e:
        TrainingClass("x", "X", end, start)
    assert e.value.code == "bad_date"
    with pytest.raises(FormatError) as e:
        TrainingClass("x", "  ", start, end)
    assert e.value.code == "bad_class_name"
    with pytest.raises(FormatError) as e:
        TrainingClass("x y", "X", start, end)
    assert e.value.code == "bad_class_code"
    with pytest.raises(FormatError) as e:
        TrainingClass("x", "X", start, end, courses=(ClassCourse("c", True), ClassCourse("c", False)))
    assert e.value.code == "bad_class_courses"
    with pytest.raises(FormatError):
        parse_date("2025-13-01")
    assert parse_date(" 2025-01-02 ") == dt.date(2025, 1, 2)


def test_enrolment_by_unit_reaches_its_whole_subtree_and_persons_add_up() -> None:
    tree = _tree()
    paths = tree.paths()
    people = {"zhang": paths["500101"], "li": paths["5001"], "wang": paths["5002"], "zhao": paths["50"]}
    assert members([Enrolment(EnrolKind.UNIT, "5001")], people, paths) == {"zhang", "li"}
    assert members([Enrolment(EnrolKind.UNIT, "5001"), Enrolment(EnrolKind.PERSON, "wang")], people, paths) == \
        {"zhang", "li", "wang"}
    assert members([Enrolment(EnrolKind.UNIT, "50")], people, paths) == set(people)
    assert members([Enrolment(EnrolKind.UNIT, "99"), Enrolment(EnrolKind.PERSON, "nobody")], people, paths) == set()
