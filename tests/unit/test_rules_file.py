"""The rules file: the documented defaults when it is absent, a full file read exactly, every
bad key refused with a message naming it, and the JSON form the server publishes (round trip,
bounded parsing)."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sync.protocol.rules_file as rules_file
from sync.protocol.errors import FormatError
from sync.protocol.rules import (
    DEFAULT_RULES,
    ClassScoring,
    Counting,
    CreditRules,
    ReminderRules,
    Rules,
    Tier,
    YearRules,
    YearTarget,
)
from sync.protocol.rules_file import (
    load_rules,
    parse_rules_toml,
    rules_from_json,
    rules_to_json,
    rules_to_toml,
)

FULL = """
format = 1
[counting]
exam = false
[credit]
method = "tiers"
unit = "credits"
test_bonus = 0.5
tiers = [{min_minutes = 45, credit = 1.5}, {min_minutes = 20, credit = 0.75}, {min_minutes = 0, credit = 0.25}]
[year]
utc_offset = "-03:30"
carry_over = true
carry_over_cap = 5
[targets.default]
total = 50
[targets."县处级"]
required = 40
elective = 10
[class_score]
attendance = 2
tests = 3
exam = 5
pass_score = 70.5
[reminders]
due_within_days = 3
"""


def test_no_rules_file_means_the_documented_defaults(tmp_path: Path) -> None:
    assert load_rules(tmp_path / "rules.toml") == DEFAULT_RULES
    assert parse_rules_toml(b"") == DEFAULT_RULES
    # the module text shows the defaults as a rules file: it reads back to exactly them
    doc = rules_file.__doc__ or ""
    example = doc[doc.index("\n    format = 1"):doc.index("Figures are")]
    text = "\n".join(line[4:].split("  #")[0].rstrip() for line in example.splitlines())
    assert parse_rules_toml(text.encode()) == DEFAULT_RULES


def test_a_full_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(FULL, encoding="utf-8")
    rules = load_rules(path)
    assert rules == Rules(
        Counting(lessons=True, quizzes=True, exam=False),
        CreditRules("tiers", "credits", (Tier(D(45), D("1.5")), Tier(D(20), D("0.75")), Tier(D(0), D("0.25"))),
                    D("0.5")),
        YearRules((("default", YearTarget(total=D(50))), ("县处级", YearTarget(D(40), D(10)))), -210, True, D(5)),
        ClassScoring(D(2), D(3), D(5), D("70.5")), ReminderRules(3))
    assert rules.year.target_for("县处级").required == 40 and rules.year.target_for("乡科级").total == 50
    assert parse_rules_toml(rules_to_toml(rules).encode()) == rules
    assert rules_from_json(rules_to_json(rules)) == rules


@pytest.mark.parametrize(("text", "named"), [
    ("formt = 1", "unknown key formt"),
    ("format = 2", "format must be 1"),
    ("format = true", "format must be 1"),
    ("[credit]\nmetod = 'tiers'", "unknown key credit.metod"),
    ("[credit]\nmethod = 'minutes'", "credit.method must be one of 'course', 'tiers', 'per_hour'"),
    ("[credit]\nunit = '学时'", "credit.unit must be one of"),
    ("[credit]\ntest_bonus = -0.5", "credit.test_bonus must be a number from 0"),
    ("[credit]\ntest_bonus = 0.125", "credit.test_bonus must be a number from 0 to 100000 with at most 2 decimals"),
    ("[credit]\ntest_bonus = nan", "credit.test_bonus must be a number"),
    ("[credit]\ntest_bonus = true", "credit.test_bonus must be a number"),
    ("[credit]\ntest_bonus = '1e3'", "credit.test_bonus must be a number"),
    ("[credit]\nseconds_per_unit = 2700.0", "credit.seconds_per_unit must be a whole number of seconds"),
    ("[credit]\nper_hour_step = 0", "credit.per_hour_step must be above 0"),
    ("[credit]\ntiers = []", "credit.tiers must be a list of 1 to 20 tables"),
    ("[credit]\ntiers = [{min_minutes = 30, credit = 1}]", "credit.tiers must end with a tier of min_minutes = 0"),
    ("[credit]\ntiers = [{min_minutes = 15, credit = 1}, {min_minutes = 30, credit = 1},"
     " {min_minutes = 0, credit = 0}]", "credit.tiers must run from the longest min_minutes down"),
    ("[credit]\ntiers = [{min_minutes = 0}]", "credit.tiers[0].credit is missing"),
    ("[credit]\ntiers = [{min_minutes = 0, credit = 1, bonus = 1}]", "unknown key credit.tiers[0].bonus"),
    ("[credit]\ntiers = [{min_minutes = 0, credit = -1}]", "credit.tiers[0].credit must be a number"),
    ("credit = 1", "credit must be a table"),
    ("[counting]\nlessons = false\nquizzes = false\nexam = false", "counting must switch on at least one"),
    ("[counting]\nlessons = 1", "counting.lessons must be true or false"),
    ("[year]\nutc_offset = '+8'", "year.utc_offset must be a UTC offset"),
    ("[year]\nutc_offset = '+15:00'", "year.utc_offset must be a UTC offset"),
    ("[year]\ncarry_over = 'yes'", "year.carry_over must be true or false"),
    ("[year]\ncarry_over_cap = -1", "year.carry_over_cap must be a number"),
    ("[targets.county]\nrequired = 40", "targets.default is missing"),
    ("[targets.default]\nrequired = 40\noptional = 10", "unknown key targets.default.optional"),
    ("[targets.default]\nelective = '10'", ""),  # a decimal string is a figure too (the JSON form)
    ("[targets.default]\ntotal = 100001", "targets.default.total must be a number from 0 to 100000"),
    ("[targets]\ndefault = 5", "targets.default must be a table"),
    ("[targets.default]\n[targets.' padded']", "targets.' padded' is not a usable level code"),
    ("[class_score]\nattendance = 0\ntests = 0\nexam = 0", "class_score needs at least one weight above 0"),
    ("[class_score]\npass_score = 101", "class_score.pass_score must be from 0 to 100"),
    ("[class_score]\nfinal = 4", "unknown key class_score.final"),
    ("[reminders]\ndue_within_days = -1", "reminders.due_within_days must be a whole number of days from 0 to 365"),
    ("[reminders]\ndue_within_days = 7.5", "reminders.due_within_days must be a whole number of days"),
    ("[reminders]\nbefore = 7", "unknown key reminders.before"),
    ("[credit\n", "rules.toml is not valid TOML"),
])
def test_every_bad_key_is_named(text: str, named: str) -> None:
    if not named:
        assert parse_rules_toml(text.encode()).year.target_for(None).elective == 10
        return
    with pytest.raises(FormatError, match=r"^rules\.toml") as caught:
        parse_rules_toml(text.encode())
    assert caught.value.code == "bad_rules" and named in caught.value.detail


def test_the_json_form_is_bounded_and_as_strict_as_the_file() -> None:
    data = rules_to_json(DEFAULT_RULES)
    assert b'"test_bonus":"0.5"' in data  # figures travel as exact decimal strings
    with pytest.raises(FormatError) as caught:
        rules_from_json(b"[" * 100 + b"]" * 100)
    assert caught.value.code == "too_deep"
    with pytest.raises(FormatError) as caught:
        rules_from_json(b'{"format": 1, "format": 1}')
    assert caught.value.code == "duplicate_key"
    with pytest.raises(FormatError) as caught:
        rules_from_json(b'{"credit": {"test_bonus": 0.5, "x": 1}}', "the server's rules")
    assert caught.value.detail == "the server's rules: unknown key credit.x"
    with pytest.raises(FormatError) as caught:
        rules_from_json(b" " * (256 * 1024 + 1))
    assert caught.value.code == "too_large"


_figure = st.integers(0, 10_000_00).map(lambda n: D(n) / 100)


@st.composite
def _any_rules(draw: st.DrawFn) -> Rules:
    minutes = [*sorted(set(draw(st.lists(st.integers(1, 600), max_size=5))), reverse=True), 0]
    tiers = tuple(Tier(D(m), draw(_figure)) for m in minutes)
    printable = st.characters(min_codepoint=0x20, exclude_characters='"\\\x7f', exclude_categories=["Cs"])
    level = st.text(printable, min_size=1, max_size=10).filter(lambda s: s.strip() == s and s != "default")
    levels = draw(st.lists(level, max_size=3, unique=True))
    targets = (("default", YearTarget(draw(_figure), draw(_figure), draw(_figure))),
               *((level, YearTarget(draw(_figure), draw(_figure), draw(_figure))) for level in sorted(levels)))
    counting = draw(st.builds(Counting, st.booleans(), st.booleans(), st.booleans()).filter(
        lambda c: c.lessons or c.quizzes or c.exam))
    return Rules(
        counting,
        CreditRules(draw(st.sampled_from(["course", "tiers", "per_hour"])), draw(st.sampled_from(["hours", "credits"])),
                    tiers, draw(_figure), draw(st.integers(60, 86400)), draw(st.sampled_from([D("0.01"), D(1)]))),
        YearRules(targets, draw(st.integers(-14 * 60, 14 * 60)), draw(st.booleans()), draw(_figure)),
        ClassScoring(D(draw(st.integers(1, 10))), draw(_figure), draw(_figure), D(draw(st.integers(0, 100)))),
        ReminderRules(draw(st.integers(0, 365))))


@settings(max_examples=100, deadline=None)
@given(_any_rules())
def test_toml_and_json_round_trip(rules: Rules) -> None:
    assert rules_from_json(rules_to_json(rules)) == rules
    assert parse_rules_toml(rules_to_toml(rules).encode()) == rules
