"""What the server last said, kept on this PC: the site's rules (used by "my courses" for its
offline estimate) and this year's outcomes (shown as of the last sync); a malformed answer
keeps what was kept before. Real profile databases in tmp_path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sync.account.assignments import AssignmentCache
from sync.account.profile_db import open_profile_db
from sync.protocol.errors import FormatError
from sync.protocol.rules import DEFAULT_RULES, Rules, YearRules, YearTarget
from sync.protocol.rules_file import rules_to_dict
from sync.records.my_courses import my_courses
from sync.records.server_view import cached_outcomes, cached_rules, store_outcomes, store_rules

OUTCOMES: dict[str, Any] = {
    "as_of": "2026-06-01",
    "courses": [{"course_id": "c1", "credited": True}, {"course_id": "c2", "credited": False}],
    "year": {"year": 2026, "level": "default", "unit": "hours", "required": "1.5", "elective": "0.25",
             "carried_in": "0", "total": "1.75", "target": {"required": "2", "elective": "1", "total": "0"},
             "standing": "behind"},
    "ranking": {"unit": "城关镇", "rank_in_unit": 3, "people_in_unit": 12, "unit_rank": 2, "units": 9,
                "unit_mean": "1.2"},  # as a server before sibling rankings answered: no parent, classes, reminders
}
CLASS: dict[str, Any] = {
    "class_code": "qn-2026", "name": "2026年青年干部培训班", "starts": "2026-03-01", "ends": "2026-12-20",
    "weights": {"attendance": "3", "tests": "3", "exam": "4"}, "pass_score": "60", "attendance": "50",
    "tests": None, "exam": "100", "total": "78.6", "passed": True, "to_pass": "0",
    "missing": [{"course_id": "c2", "title": "党史", "missing": ["videos"]}]}
REMINDERS: list[dict[str, Any]] = [
    {"kind": "behind_target", "short": "12", "unit": "hours"},
    {"kind": "overdue", "course_id": "c2", "title": "党史", "due": "2026-05-30", "days": -2},
    {"kind": "due_soon", "course_id": "c3", "title": "法治", "due": "2026-06-08", "days": 7}]
NOW = {**OUTCOMES, "ranking": {**OUTCOMES["ranking"], "parent": "示范县"}, "classes": [CLASS], "reminders": REMINDERS}


def test_outcomes_are_kept_for_offline_and_a_malformed_answer_keeps_the_last(tmp_path: Path) -> None:
    conn = open_profile_db(tmp_path / "p")
    try:
        assert cached_outcomes(conn) is None
        store_outcomes(conn, OUTCOMES)
        found = cached_outcomes(conn)
        assert found is not None
        assert (found.year, found.total, found.required, found.standing, found.credited) == (
            2026, Decimal("1.75"), Decimal("1.5"), "behind", frozenset({"c1"}))
        assert found.ranking is not None and (found.ranking.unit, found.ranking.rank_in_unit,
                                              found.ranking.unit_rank) == ("城关镇", 3, 2)
        for bad in ({**OUTCOMES, "year": {**OUTCOMES["year"], "total": "NaN"}},
                    {**OUTCOMES, "year": {**OUTCOMES["year"], "standing": "great"}},
                    {**OUTCOMES, "ranking": {**OUTCOMES["ranking"], "rank_in_unit": -1}}, [], None):
            with pytest.raises(FormatError):
                store_outcomes(conn, bad)
        assert cached_outcomes(conn) == found
    finally:
        conn.close()


def test_my_courses_estimates_with_the_sites_rules_once_the_server_sent_them(tmp_path: Path) -> None:
    conn = open_profile_db(tmp_path / "p")
    try:
        AssignmentCache(conn).replace([{"course_id": "c1", "title": "党史", "required": True}])
        before = my_courses(conn, None, date(2026, 6, 1))
        assert before.summary.required_target_hours == 0 and before.server is None
        site = Rules(year=YearRules(targets=(("default", YearTarget(required=Decimal(40), elective=Decimal(10))),)))
        assert store_rules(conn, rules_to_dict(site)) == site
        with pytest.raises(FormatError):
            store_rules(conn, {"credit": {"method": "by_feel"}})
        assert cached_rules(conn) == site
        store_outcomes(conn, OUTCOMES)
        after = my_courses(conn, None, date(2026, 6, 1))
        assert (after.summary.required_target_hours, after.summary.elective_target_hours) == (40, 10)
        assert after.summary.standing == "behind" and after.server == cached_outcomes(conn)
        assert [(i.course_id, i.server_credited) for i in after.items] == [("c1", True)]  # as the server said
        assert not my_courses(conn, None, date(2027, 1, 2)).items[0].server_credited  # last year's word
        assert my_courses(conn, None, date(2026, 6, 1), rules=DEFAULT_RULES).summary.required_target_hours == 0
    finally:
        conn.close()


def test_classes_reminders_and_the_sibling_ranking_are_kept_and_an_older_answer_still_reads(tmp_path: Path) -> None:
    conn = open_profile_db(tmp_path / "p")
    try:
        store_outcomes(conn, OUTCOMES)  # an older server's answer (or one kept before an update)
        old = cached_outcomes(conn)
        assert old is not None and old.classes == () and old.reminders == ()
        assert old.ranking is not None and (old.ranking.parent, old.ranking.unit_mean) == (None, Decimal("1.2"))
        store_outcomes(conn, NOW)
        found = cached_outcomes(conn)
        assert found is not None and found.ranking is not None and found.ranking.parent == "示范县"
        [klass] = found.classes
        assert (klass.name, klass.weights, klass.attendance, klass.tests, klass.total, klass.passed) == (
            "2026年青年干部培训班", (Decimal(3), Decimal(3), Decimal(4)), Decimal(50), None, Decimal("78.6"), True)
        assert [(m.title, m.missing) for m in klass.missing] == [("党史", ("videos",))]
        assert klass.to_dict() == CLASS and [r.to_dict() for r in found.reminders] == REMINDERS
        assert [(r.kind, r.short, r.due, r.days) for r in found.reminders] == [
            ("behind_target", Decimal(12), None, None), ("overdue", None, "2026-05-30", -2),
            ("due_soon", None, "2026-06-08", 7)]
        for bad in ({**NOW, "classes": [{**CLASS, "total": "-1"}]},
                    {**NOW, "classes": [{**CLASS, "starts": "someday"}]},
                    {**NOW, "classes": [{**CLASS, "missing": [{"course_id": "c2", "title": "党史",
                                                               "missing": ["homework"]}]}]},
                    {**NOW, "classes": {"qn-2026": CLASS}},
                    {**NOW, "reminders": [{"kind": "party"}]},
                    {**NOW, "reminders": [{**REMINDERS[1], "days": "soon"}]},
                    {**NOW, "reminders": [{**REMINDERS[0], "unit": "points"}]},
                    {**NOW, "ranking": {**NOW["ranking"], "unit_rank": 10}}):
            with pytest.raises(FormatError):
                store_outcomes(conn, bad)
        assert cached_outcomes(conn) == found
    finally:
        conn.close()
