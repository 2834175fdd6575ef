"""The stored yearly figures (server.person_year) through a real server process, on SQLite and
PostgreSQL: a person's row is stored when they are added and kept exact at each upload, with their
unit's weeks; ``totals rebuild`` gives the same rows from scratch, in one process or several, also
while a learner uploads; a move takes a person's weeks to their new unit; an assignment updates
everyone it reaches; the rankings read the stored totals; an upload folds its records into the
stored folds, and evidence made before what was folded (a second PC's older records) is folded
again from the start; stored years gone stale (a command-line publication, new rules, people from
a sheet, an upgrade, a new year) are rebuilt in the background."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from server.config import ServerConfig
from server.person_year import Refresher
from server.storage.schema import open_database
from sync.account.auth import AuthService, UserSession
from sync.protocol.manifest import Manifest
from sync.protocol.records import GENESIS, V2, Record, make_record
from sync.site.config import SiteConfig
from tests.support.courses import (
    QUIZ_AND_EXAM,
    attempt_on_tested,
    publish_lessons,
    publish_source,
    random_bytes,
    write_course_source,
)
from tests.support.ingest import enrolled_client, statuses
from tests.support.server_process import ServerProcess, add_user
from tests.support.site_copies import BACKENDS, copied_server
from tests.support.watch import Timeline

pytestmark = pytest.mark.databases

RULES = """
[targets.default]
required = 1
elective = 1
"""
COLUMNS = ("user_id", "year", "unit_code", "required_x100", "elective_x100", "carried_x100", "courses_done",
           "required_assigned", "required_done", "first_due", "study_ms", "last_study_s", "weeks", "level", "active")


def _prepare(data_dir: Path) -> None:
    publish_source(data_dir, write_course_source(data_dir.parent / "src", "tested", [random_bytes(300, 3)],
                                                 assessments=QUIZ_AND_EXAM))
    publish_lessons(data_dir, "extra", {"a": 20.0})
    (data_dir / "rules.toml").write_text(RULES, encoding="utf-8")


def _build(proc: ServerProcess, _folder: Path) -> None:
    proc.cli("unit", "add", "county", "某县")
    proc.cli("unit", "add", "cgz", "城关镇", "--parent", "county")
    proc.cli("unit", "add", "hxx", "河西乡", "--parent", "county")
    proc.cli("assign", "tested", "--unit", "county", "--required", "--due", "2000-01-15")


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A started server with the course "tested" (a quiz and an exam) assigned as required to the county
    (due 2000-01-15), the elective course "extra", a target of one of each, and the units 某县 (county)
    above 城关镇 (cgz) and 河西乡 (hxx): a copy of a site built once (tests/support/site_copies.py)."""
    with copied_server(request, tmp_path, "person-year", _build, _prepare) as (proc, _):
        yield proc


def _person(site: ServerProcess, root: Path, name: str, unit: str) -> UserSession:
    add_user(site, name, "pass-word", unit=unit)
    return AuthService(root / name, SiteConfig(server_url=site.url)).sign_in(name, "pass-word")


def _rows(site: ServerProcess) -> dict[str, dict[str, Any]]:
    found = site.sql(f"SELECT u.username, {', '.join('p.' + c for c in COLUMNS)} FROM person_year p "
                     "JOIN users u ON u.user_id = p.user_id")
    return {row[0]: dict(zip(COLUMNS, row[1:], strict=True)) for row in found}


def _weeks(site: ServerProcess) -> dict[tuple[str, int, int], int]:
    return {(u, y, w): int(ms) for u, y, w, ms in site.sql("SELECT unit_code, year, week, study_ms FROM unit_week")}


def _watch(s: UserSession, course: str, lesson: str, seconds: float) -> None:
    s.outbox().append("watch", course, lesson, Timeline(start=time.time() - 100).body([[0.0, seconds]], version=1), v=1)
    assert s.uploader().sync_once().errors == []


def test_ingest_keeps_the_figures_and_a_rebuild_gives_the_same(site: ServerProcess, tmp_path: Path) -> None:
    manifest = Manifest.parse((ServerConfig(site.data_dir).repo_dir / "manifests" / "tested" / "1.json").read_bytes())
    assert manifest.exam is not None
    good = _person(site, tmp_path, "good", "cgz")
    slow = _person(site, tmp_path, "slow", "cgz")
    _person(site, tmp_path, "idle", "hxx")
    _watch(good, "tested", "lesson-1", 10.0)
    good.outbox().append("quiz", "tested", "lesson-1", attempt_on_tested(manifest.quizzes[0], 7, True), v=V2)
    good.outbox().append("exam", "tested", None, attempt_on_tested(manifest.exam, 8, True), v=V2)
    assert good.uploader().sync_once().errors == []
    _watch(good, "extra", "a", 20.0)
    _watch(slow, "tested", "lesson-1", 10.0)
    slow.outbox().append("quiz", "tested", "lesson-1", attempt_on_tested(manifest.quizzes[0], 7, False), v=V2)
    assert slow.uploader().sync_once().errors == []

    incremental, weeks = _rows(site), _weeks(site)
    assert set(incremental) == {"good", "slow", "idle"}  # stored when added, kept at each upload
    g, s = incremental["good"], incremental["slow"]
    year = g["year"]
    assert (g["unit_code"], g["required_x100"], g["elective_x100"], g["carried_x100"], g["courses_done"],
            g["required_assigned"], g["required_done"], g["first_due"], g["study_ms"]) == (
        "cgz", 100, 100, 0, 2, 1, 1, None, 30_000)
    assert (s["unit_code"], s["required_x100"], s["elective_x100"], s["courses_done"], s["required_assigned"],
            s["required_done"], s["first_due"], s["study_ms"]) == ("cgz", 0, 0, 0, 1, 0, "2000-01-15", 10_000)
    assert g["last_study_s"] is not None and abs(g["last_study_s"] - time.time()) < 300
    assert sum(json.loads(g["weeks"]).values()) == 30_000
    assert sum(ms for (unit, y, _), ms in weeks.items() if unit == "cgz" and y == year) == 40_000
    assert {unit for unit, _, _ in weeks} == {"cgz"}  # a person's own unit, not its ancestors

    site.cli("totals", "rebuild")
    assert _rows(site) == incremental
    assert _weeks(site) == weeks
    # PostgreSQL: two processes, a chunk each. A command of its own, as an administrator runs it: its fork
    # server is then a fork of it (server.forkserver), where this test process's threads need a new interpreter
    site.cli("totals", "rebuild", "--workers", "2", forked=True)
    assert _rows(site) == incremental
    assert _weeks(site) == weeks
    idle = incremental["idle"]  # never studied: their required course is overdue
    assert (idle["unit_code"], idle["required_assigned"], idle["required_done"], idle["first_due"],
            idle["study_ms"], idle["last_study_s"], idle["weeks"]) == ("hxx", 1, 0, "2000-01-15", 0, None, "{}")

    # slow passes the quiz at the second attempt: ingest alone brings their row to what a rebuild gives
    slow.outbox().append("quiz", "tested", "lesson-1", attempt_on_tested(manifest.quizzes[0], 9, True), v=V2)
    slow.outbox().append("exam", "tested", None, attempt_on_tested(manifest.exam, 8, True), v=V2)
    assert slow.uploader().sync_once().errors == []
    after = _rows(site)
    assert (after["slow"]["required_x100"], after["slow"]["required_done"], after["slow"]["first_due"]) == (
        100, 1, None)
    site.cli("totals", "rebuild")
    assert _rows(site) == after

    # a move takes the person's weeks to their new unit; a rebuild agrees
    site.cli("user", "move", "good", "--unit", "hxx")
    moved = _weeks(site)
    assert sum(ms for (unit, _, _), ms in moved.items() if unit == "hxx") == 30_000
    assert sum(ms for (unit, _, _), ms in moved.items() if unit == "cgz") == 10_000
    assert _rows(site)["good"]["unit_code"] == "hxx"
    site.cli("totals", "rebuild")
    assert _weeks(site) == moved

    # an assignment brings everyone it reaches up to date at once
    unassigned = _rows(site)
    site.cli("assign", "extra", "--unit", "hxx", "--required", "--due", "2000-02-01")
    reassigned = _rows(site)
    assert (reassigned["idle"]["required_assigned"], reassigned["idle"]["first_due"]) == (2, "2000-01-15")
    assert (reassigned["good"]["required_x100"], reassigned["good"]["elective_x100"],
            reassigned["good"]["required_done"]) == (200, 0, 2)
    assert reassigned["slow"] == after["slow"]  # in 城关镇: not reached
    site.cli("totals", "rebuild")
    assert _rows(site) == reassigned
    site.cli("unassign", "extra", "--unit", "hxx")  # and so does taking it back
    assert _rows(site) == unassigned

    # a level and a deactivation are kept with the stored years at once
    site.cli("user", "set", "slow", "--level", "县处级")
    site.cli("user", "deactivate", "idle")
    changed = _rows(site)
    assert (changed["slow"]["level"], changed["idle"]["active"], changed["good"]["active"]) == ("division", 0, 1)
    site.cli("totals", "rebuild")
    assert _rows(site) == changed


def test_the_rankings_read_the_stored_totals(site: ServerProcess, tmp_path: Path) -> None:
    first = _person(site, tmp_path, "first", "cgz")
    second = _person(site, tmp_path, "second", "cgz")
    _watch(first, "extra", "a", 20.0)
    [[stored]] = site.sql("SELECT elective_x100 FROM person_year p JOIN users u ON u.user_id = p.user_id "
                          "WHERE u.username = 'first'")
    assert stored == 100
    ranking = second.api.transcript(outcomes=True)["outcomes"]["ranking"]
    assert (ranking["rank_in_unit"], ranking["people_in_unit"], ranking["unit_mean"]) == (2, 2, "0.5")
    # a stored figure is what the ranking reads: one changed behind the server's back shows (after the memo)
    site.sql("UPDATE person_year SET elective_x100 = 300 WHERE user_id = "
             "(SELECT user_id FROM users WHERE username = 'first')")
    site.stop()
    site.start()
    ranking = second.api.transcript(outcomes=True)["outcomes"]["ranking"]
    assert ranking["unit_mean"] == "1.5"


def test_older_evidence_from_a_second_device_is_folded_in_the_order_it_was_made(site: ServerProcess) -> None:
    publish_lessons(site.data_dir, "fold", {"l1": 20.0, "l2": 20.0})
    add_user(site, "two", "pass-word", unit="cgz")
    office, home = enrolled_client(site, "two"), enrolled_client(site, "two")
    year = int(site.sql("SELECT year FROM person_year")[0][0])

    def watched(client: Any, line: Timeline, created_at: str | None) -> list[Record]:
        out, prev = [], GENESIS
        for seq, lesson in enumerate(("l1", "l2"), start=1):
            r = make_record(client.signer, seq=seq, prev=prev, record_type="watch", course_id="fold",
                            lesson_id=lesson, body=line.body([[0.0, 20.0]]), created_at=created_at)
            out.append(r)
            prev = r.hash
        return out

    # the office PC's records, made today, finish the course this year ...
    assert statuses(office.api.post_batch(watched(office, Timeline(time.time() - 280), None))) == ["stored"] * 2
    row = _rows(site)["two"]
    assert (row["courses_done"], row["elective_x100"], row["study_ms"]) == (1, 100, 40_000)
    [[state]] = site.sql("SELECT state FROM person_course WHERE course_id = 'fold'")
    assert sorted(json.loads(state)["lessons"]) == ["l1", "l2"]
    # ... until the home PC's, made on the last day of last year, arrive: the course was finished then
    home_records = watched(home, Timeline(time.time() - 200), f"{year - 1}-12-31T04:00:00.000Z")
    assert statuses(home.api.post_batch(home_records)) == ["stored"] * 2
    folded = _rows(site)
    assert (folded["two"]["courses_done"], folded["two"]["elective_x100"], folded["two"]["study_ms"]) == (0, 0, 80_000)
    site.cli("totals", "rebuild")
    assert _rows(site) == folded


def _rebuild_in_processes(site: ServerProcess, output: list[str], finished: threading.Event) -> None:
    try:
        output.append(site.cli("totals", "rebuild", "--workers", "2", forked=True).stdout)
    finally:
        finished.set()


def test_a_rebuild_in_processes_while_learners_upload_gives_what_one_process_gives(site: ServerProcess,
                                                                                   tmp_path: Path) -> None:
    people = [_person(site, tmp_path, f"p{i}", "cgz" if i % 2 else "hxx") for i in range(6)]
    for s in people[:3]:
        _watch(s, "extra", "a", 20.0)
    busy = people[3]
    again = False
    for _ in range(3):  # until an upload lands while a chunk is worked out (SQLite: it is worked out again)
        finished = threading.Event()
        output: list[str] = []
        thread = threading.Thread(target=_rebuild_in_processes, args=(site, output, finished))
        thread.start()
        while not finished.is_set():
            _watch(busy, "tested", "lesson-1", 1.0)
        thread.join()
        [out] = output
        assert "rebuilt the yearly figures of 6 people" in out
        during = _rows(site)
        site.cli("totals", "rebuild")  # one process, each chunk under its lock
        assert _rows(site) == during
        again = "worked out a second time" in out
        if again or site.backend == "postgresql":
            break
    assert again or site.backend == "postgresql"


def _until(what: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "the stored years were not brought up to date in the background"
        time.sleep(0.3)


def _stamps(site: ServerProcess) -> dict[str, str | None]:
    return {name: stamp for name, stamp in site.sql(
        "SELECT u.username, p.stamp FROM users u LEFT JOIN person_year p ON p.user_id = u.user_id")}


def test_stale_figures_are_rebuilt_in_the_background(site: ServerProcess, tmp_path: Path) -> None:
    good = _person(site, tmp_path, "good", "cgz")
    _person(site, tmp_path, "idle", "hxx")
    _watch(good, "extra", "a", 20.0)
    assert _rows(site)["good"]["elective_x100"] == 100
    stamp = _stamps(site)["good"]
    assert stamp is not None and set(_stamps(site).values()) == {stamp}

    # a publication from the command line: the course gains a lesson, and no longer counts for good
    publish_lessons(site.data_dir, "extra", {"a": 20.0, "b": 20.0})
    _until(lambda: _rows(site)["good"]["elective_x100"] == 0)
    _until(lambda: len(set(_stamps(site).values()) - {stamp}) == 1 and None not in _stamps(site).values())
    published = _stamps(site)["idle"]
    # folded again against the new version at the upload (a window of its own, after the first one)
    good.outbox().append("watch", "extra", "b", Timeline(start=time.time() - 25).body([[0.0, 20.0]], version=2),
                         v=1)
    assert good.uploader().sync_once().errors == []
    assert _rows(site)["good"]["elective_x100"] == 100

    # new rules: credit by the hour of lesson time gives a 40 s course nothing
    (site.data_dir / "rules.toml").write_text(RULES + '\n[credit]\nmethod = "per_hour"\n', encoding="utf-8")
    _until(lambda: _rows(site)["good"]["elective_x100"] == 0)
    _until(lambda: set(_stamps(site).values()) - {published, stamp, None} != set()
           and len(set(_stamps(site).values())) == 1)
    ruled = _stamps(site)["good"]

    # people from a sheet: their unit's assignments reach them at once
    sheet = tmp_path / "people.csv"
    sheet.write_text("姓名,人员编号,职级,单位编码,用户名\n李四,P-1,乡科级,cgz,li\n", encoding="utf-8")
    site.cli("import", "people", str(sheet), "--confirm", "--password-stdin", input=b"first-password\n")
    _until(lambda: "li" in _rows(site))
    li = _rows(site)["li"]
    assert (li["unit_code"], li["required_assigned"], li["first_due"], li["level"]) == ("cgz", 1, "2000-01-15",
                                                                                       "section")

    # an upgrade: rows missing (before 0005) or worked out before they carried a stamp (before 0007)
    site.stop()
    before = _rows(site)
    site.sql("DELETE FROM person_year WHERE user_id = (SELECT user_id FROM users WHERE username = 'idle')")
    site.sql("UPDATE person_year SET stamp = NULL")
    site.start()
    _until(lambda: _stamps(site) == dict.fromkeys(before, ruled))
    assert _rows(site) == before

    # a new year: everyone's row of it, worked out by the refresher of a server whose clock reads next year
    year = int(before["good"]["year"])
    engine = open_database(site.db_url)
    try:
        Refresher(engine, site.data_dir, check_s=0.2, now=lambda: datetime(year + 1, 3, 1, tzinfo=UTC)).watch()
        _until(lambda: {int(y) for (y,) in site.sql("SELECT year FROM person_year")} == {year, year + 1}
               and len(site.sql("SELECT user_id FROM person_year WHERE year = :y", {"y": year + 1})) == len(before))
    finally:
        engine.dispose()
    [[study]] = site.sql("SELECT SUM(study_ms) FROM person_year WHERE year = :y", {"y": year + 1})
    assert int(study or 0) == 0  # nothing studied in it yet
