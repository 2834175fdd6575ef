"""Outcomes through a real server process, on SQLite and PostgreSQL: the site's rules.toml, what
was published and what the server stored and graded decide each course's state, the year's
学时 against the target and the rankings (``GET /api/transcript?with=outcomes``); the rules go
to the PCs with the assignments (``?with=rules``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.config import ServerConfig
from sync.account.auth import AuthService, UserSession
from sync.protocol.manifest import Manifest
from sync.protocol.rules_file import rules_from_dict
from sync.site.config import SiteConfig
from tests.support.courses import (
    QUIZ_AND_EXAM,
    publish_lessons,
    publish_source,
    random_bytes,
    study_tested,
    write_course_source,
)
from tests.support.server_process import ServerProcess, add_user
from tests.support.watch import Timeline

pytestmark = pytest.mark.databases

RULES = """
[targets.default]
required = 1
elective = 1
[targets.division]
required = 5
"""


@pytest.fixture
def site(tmp_path: Path, database: str | None) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "server-data", database_url=database)
    publish_source(proc.data_dir, write_course_source(tmp_path / "src", "tested", [random_bytes(300, 3)],
                                                       assessments=QUIZ_AND_EXAM))
    publish_lessons(proc.data_dir, "extra", {"a": 20.0})
    (proc.data_dir / "rules.toml").write_text(RULES, encoding="utf-8")
    proc.start()
    proc.cli("unit", "add", "cgz", "城关镇")
    proc.cli("assign", "tested", "--unit", "城关镇", "--required")
    try:
        yield proc
    finally:
        proc.stop()


def _person(site: ServerProcess, root: Path, name: str, unit: str) -> UserSession:
    add_user(site, name, "pass-word", unit=unit)
    return AuthService(root / name, SiteConfig(server_url=site.url)).sign_in(name, "pass-word")


def _outcomes(s: UserSession) -> dict[str, Any]:
    found = s.api.transcript(outcomes=True)["outcomes"]
    assert isinstance(found, dict)
    return found


def test_outcomes_follow_the_rules_what_was_published_and_what_the_server_graded(
        site: ServerProcess, tmp_path: Path) -> None:
    manifest = Manifest.parse((ServerConfig(site.data_dir).repo_dir / "manifests" / "tested" / "1.json").read_bytes())
    good = _person(site, tmp_path, "good", "城关镇")
    forger = _person(site, tmp_path, "forger", "城关镇")
    idle = _person(site, tmp_path, "idle", "河西乡")
    site.cli("user", "set", "idle", "--level", "县处级")  # a division-level cadre: that level's target
    study_tested(good, manifest, quiz_right=True)
    good.outbox().append("watch", "extra", "a", Timeline(start=time.time() - 200).body([[0.0, 20.0]], version=1), v=1)
    assert good.uploader().sync_once().errors == []
    study_tested(forger, manifest, quiz_right=False, claim_full=True)

    mine = _outcomes(good)
    tested, extra = mine["courses"]
    assert (tested["course_id"], tested["required"], tested["videos_done"], tested["quizzes_passed"],
            tested["exam_passed"], tested["credited"], tested["credit"], tested["missing"]) == (
        "tested", True, True, 1, True, True, "1", [])
    assert (extra["course_id"], extra["required"], extra["credited"], extra["credit"]) == ("extra", False, True, "1")
    year = mine["year"]
    assert (year["required"], year["elective"], year["total"], year["standing"], year["unit"]) == (
        "1", "1", "2", "met", "hours")
    assert year["target"] == {"required": "1", "elective": "1", "total": "0"}
    # 城关镇 is a top unit; 河西乡, named first by ``user add``, went under the root unit 全部单位, the
    # other top unit: 城关镇 ranks among the two top units
    assert mine["ranking"] == {"unit": "城关镇", "rank_in_unit": 1, "people_in_unit": 2, "unit_rank": 1, "units": 2,
                               "unit_mean": "1", "parent": None}

    # the forger claimed a full score on wrong answers: the quiz is not passed, the course does not count
    theirs = _outcomes(forger)
    [course] = theirs["courses"]
    assert (course["videos_done"], course["quizzes_passed"], course["exam_passed"], course["credited"],
            course["missing"]) == (True, 0, True, False, ["quizzes"])
    assert (theirs["year"]["total"], theirs["year"]["standing"]) == ("0", "behind")
    assert (theirs["ranking"]["rank_in_unit"], theirs["ranking"]["people_in_unit"]) == (2, 2)

    nothing = _outcomes(idle)
    assert nothing["courses"] == [] and (nothing["ranking"]["unit_rank"], nothing["ranking"]["units"],
                                         nothing["ranking"]["parent"]) == (1, 1, "全部单位")  # alone under the root
    assert (nothing["year"]["level"], nothing["year"]["target"]["required"]) == ("division", "5")
    assert "outcomes" not in idle.api.transcript()  # only when asked for


def test_the_assignments_carry_the_sites_rules(site: ServerProcess, tmp_path: Path) -> None:
    s = _person(site, tmp_path, "reader", "城关镇")
    items, rules = s.api.assignments_and_rules()
    assert [a["course_id"] for a in items] == ["tested"]
    assert rules is not None
    assert rules_from_dict(rules).year.target_for("staff").elective == 1
    assert s.api.assignments() == items
