"""What a learner sees of their standing through a real server process, on SQLite and PostgreSQL
(``GET /api/transcript?with=outcomes``): their training classes with each component's score,
the total, the pass line and what is still missing (培训班成绩), their rank in their unit and
their unit's rank among its siblings (学分排名), and the reminders (学习提醒) of the year's target
and of due and overdue courses. Every figure is the server's, from what it published and
stored: a client's claimed score changes nothing. The PC reads the answer with the protocol's
readers (sync.protocol.outcomes) it caches it with."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.config import ServerConfig
from sync.account.auth import AuthService, UserSession
from sync.protocol.manifest import Manifest
from sync.protocol.records import V2
from sync.records.server_view import parse_outcomes
from sync.site.config import SiteConfig
from tests.support.courses import (
    QUIZ_AND_EXAM,
    attempt_on_tested,
    publish_lessons,
    publish_source,
    random_bytes,
    write_course_source,
)
from tests.support.server_process import ServerProcess, add_user
from tests.support.watch import Timeline

pytestmark = pytest.mark.databases

# The site's clock reads about noon when the module starts (its UTC offset chosen for that), so the
# site's day, which due dates and reminders count in, cannot turn while the module runs.
OFFSET_H = (12 - datetime.now(UTC).hour + 12) % 24 - 12
RULES = f"""
[year]
utc_offset = "{'-' if OFFSET_H < 0 else '+'}{abs(OFFSET_H):02d}:00"
[targets.default]
total = 1000
[reminders]
due_within_days = 10
"""
TODAY = (datetime.now(UTC) + timedelta(hours=OFFSET_H)).date()  # the site's day


def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@dataclass(frozen=True)
class Person:
    name: str
    unit: str
    watched_s: float  # of the class course's 10 s lesson
    quiz_right: bool | None  # None: not taken
    exam_right: bool | None
    claim_full: bool = False  # the record claims a full score whatever the answers


PEOPLE = [
    Person("full", "cgz", 10.0, True, True),
    Person("half", "cgz", 5.0, False, True, claim_full=True),
    Person("none", "hxx", 0.0, None, None),
    Person("faraway", "far", 0.0, None, None),
]


@pytest.fixture
def site(tmp_path: Path, database: str | None) -> Iterator[dict[str, UserSession]]:
    """The site's server, and each person's session on a PC of their own that sent their study."""
    root = tmp_path
    proc = ServerProcess(root / "server-data", database_url=database)
    publish_source(proc.data_dir, write_course_source(root / "src", "tested", [random_bytes(300, 3)],
                                                       title="党史学习", assessments=QUIZ_AND_EXAM))
    for course in ("extra", "soon", "notyet"):
        publish_lessons(proc.data_dir, course, {"a": 20.0})
    (proc.data_dir / "rules.toml").write_text(RULES, encoding="utf-8")
    proc.start()
    try:
        for code, name, parent in (("xian", "示范县", None), ("cgz", "城关镇", "xian"), ("hxx", "河西乡", "xian"),
                                   ("other", "邻县", None), ("far", "远山镇", "other")):
            proc.cli("unit", "add", code, name, *(("--parent", parent) if parent else ()))
        proc.cli("class", "add", "qn-2026", "2026年青年干部培训班", "--starts", "2026-03-01", "--ends", "2026-12-20")
        proc.cli("class", "add", "law-2026", "依法行政专题班", "--starts", "2026-09-01", "--ends", "2026-12-31",
                 "--weights", "2:3:5", "--pass-score", "70.5")
        proc.cli("class", "enrol", "qn-2026", "--unit", "cgz")
        proc.cli("assign", "tested", "--class", "qn-2026", "--required", "--due", _day(5))
        proc.cli("assign", "extra", "--class", "qn-2026", "--elective")  # an elective: not in the score
        proc.cli("assign", "tested", "--class", "law-2026", "--required", "--due", _day(3))  # wins for half
        sessions = {}
        for p in PEOPLE:
            add_user(proc, p.name, "pass-word", unit=p.unit)
            sessions[p.name] = AuthService(root / p.name, SiteConfig(server_url=proc.url)).sign_in(p.name,
                                                                                                    "pass-word")
        proc.cli("class", "enrol", "law-2026", "--user", "half")
        for course, due in (("extra", -2), ("soon", 9), ("notyet", 11)):
            proc.cli("assign", course, "--user", "none", "--elective", "--due", _day(due))
        manifest = Manifest.parse((ServerConfig(proc.data_dir).repo_dir / "manifests" / "tested" / "1.json")
                                  .read_bytes())
        for p in PEOPLE:
            _study(sessions[p.name], manifest, p)
        faraway = sessions["faraway"].outbox()  # an elective of their own: 1 学时
        faraway.append("watch", "extra", "a", Timeline().body([[0.0, 20.0]], version=1), v=1)
        assert sessions["faraway"].uploader().sync_once().errors == []
        yield sessions
    finally:
        proc.stop()


def _study(s: UserSession, manifest: Manifest, p: Person) -> None:
    ob = s.outbox()
    if p.watched_s:
        ob.append("watch", "tested", "lesson-1", Timeline().body([[0.0, p.watched_s]], version=1), v=1)
    if p.quiz_right is not None:
        quiz = attempt_on_tested(manifest.quizzes[0], 7, p.quiz_right, p.claim_full)
        ob.append("quiz", "tested", "lesson-1", quiz, v=V2)
    if p.exam_right is not None:
        assert manifest.exam is not None
        ob.append("exam", "tested", None, attempt_on_tested(manifest.exam, 8, p.exam_right, p.claim_full), v=V2)
    assert s.uploader().sync_once().errors == []


def _outcomes(s: UserSession) -> dict[str, Any]:
    found = s.api.transcript(outcomes=True)["outcomes"]
    assert isinstance(found, dict)
    return found


def _class(code: str, name: str, starts: str, ends: str, weights: tuple[str, str, str], pass_score: str,
           scores: tuple[str, str, str], total: str, passed: bool, to_pass: str,
           missing: list[str]) -> dict[str, Any]:
    return {"class_code": code, "name": name, "starts": starts, "ends": ends,
            "weights": dict(zip(("attendance", "tests", "exam"), weights, strict=True)), "pass_score": pass_score,
            "attendance": scores[0], "tests": scores[1], "exam": scores[2], "total": total, "passed": passed,
            "to_pass": to_pass,
            "missing": [{"course_id": "tested", "title": "党史学习", "missing": missing}] if missing else []}


QN = ("qn-2026", "2026年青年干部培训班", "2026-03-01", "2026-12-20", ("3", "3", "4"), "60")
LAW = ("law-2026", "依法行政专题班", "2026-09-01", "2026-12-31", ("2", "3", "5"), "70.5")

CLASSES = {
    # watched all, both right: 100 each
    "full": [_class(*QN, ("100", "100", "100"), "100", True, "0", [])],
    # half the lesson, a wrong quiz that claimed full marks, a right exam: 3x50 + 3x0 + 4x100 = 55 of 10;
    # under 2:3:5 it is 60, short of 70.5; the latest class to start first
    "half": [_class(*LAW, ("50", "0", "100"), "60", False, "10.5", ["videos", "quizzes"]),
             _class(*QN, ("50", "0", "100"), "55", False, "5", ["videos", "quizzes"])],
    "none": [],
    "faraway": [],
}


RANKINGS = {
    # 城关镇 (full 1, half 0: mean 0.5) leads 河西乡 (0) under 示范县; 远山镇 is alone under 邻县
    "full": {"unit": "城关镇", "rank_in_unit": 1, "people_in_unit": 2, "unit_rank": 1, "units": 2, "unit_mean": "0.5",
             "parent": "示范县"},
    "half": {"unit": "城关镇", "rank_in_unit": 2, "people_in_unit": 2, "unit_rank": 1, "units": 2, "unit_mean": "0.5",
             "parent": "示范县"},
    "none": {"unit": "河西乡", "rank_in_unit": 1, "people_in_unit": 1, "unit_rank": 2, "units": 2, "unit_mean": "0",
             "parent": "示范县"},
    "faraway": {"unit": "远山镇", "rank_in_unit": 1, "people_in_unit": 1, "unit_rank": 1, "units": 1,
                "unit_mean": "1", "parent": "邻县"},
}


def _behind(short: str) -> dict[str, Any]:
    return {"kind": "behind_target", "short": short, "unit": "hours"}


def _due(kind: str, course: str, title: str, days: int) -> dict[str, Any]:
    return {"kind": kind, "course_id": course, "title": title, "due": _day(days), "days": days}


REMINDERS = {
    # a target of 1000 学时 a year: everyone is behind its share on any day; a course that counts
    # already (full's 党史学习) is not reminded of, one due in 11 days is not yet (the rules say 10)
    "full": [_behind("999")],
    "half": [_behind("1000"), _due("due_soon", "tested", "党史学习", 3)],
    "none": [_behind("1000"), _due("overdue", "extra", "测试课程", -2), _due("due_soon", "soon", "测试课程", 9)],
    "faraway": [_behind("999")],
}


def test_each_learner_sees_their_classes_ranking_and_reminders_as_the_server_decided(
        site: dict[str, UserSession]) -> None:
    for name in CLASSES:
        found = _outcomes(site[name])
        assert (name, found["classes"]) == (name, CLASSES[name])
        assert (name, found["ranking"]) == (name, RANKINGS[name])
        assert (name, found["reminders"]) == (name, REMINDERS[name])
        # the PC reads the whole answer with the protocol's readers, as it caches it
        kept = parse_outcomes(found, "2026-12-01T00:00:00Z")
        assert [(c.code, str(c.total), c.passed) for c in kept.classes] == [
            (c["class_code"], c["total"], c["passed"]) for c in CLASSES[name]]
        assert kept.ranking is not None and kept.ranking.to_dict() == RANKINGS[name]
        assert [r.to_dict() for r in kept.reminders] == REMINDERS[name]
