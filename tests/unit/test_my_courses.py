"""The "my courses" computation with exact figures: coverage clipped per lesson, a lesson with no
progress, progress without a manifest, and the whole join over a real profile database and a
real content store (assignments, progress rows written with their signed watch records, the
outbox's delivery state and the annual summary)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from pathlib import Path

import pytest

from player.policy import PlayerPolicy
from sync.account.assignments import AssignmentCache
from sync.account.profile_db import open_profile_db
from sync.content.store import ContentStore
from sync.protocol.keys import PrivateKey
from sync.protocol.manifest import FileEntry, Manifest
from sync.protocol.records import DeviceSigner
from sync.protocol.rules import DEFAULT_RULES
from sync.records.my_courses import course_coverage, my_courses
from sync.records.outbox import Delivery, Outbox
from sync.records.progress import LessonProgress, save_checkpoint

KEY = PrivateKey.generate()
TRUSTED = {KEY.public.key_id: KEY.public}


def _lesson(lesson_id: str, duration_s: float, data: bytes = b"") -> FileEntry:
    data = data or lesson_id.encode()
    return FileEntry(lesson_id, lesson_id, hashlib.sha256(data).hexdigest(), len(data), "video/mp4",
                     f"{lesson_id}.mp4", duration_s)


def _manifest(course_id: str, *lessons: FileEntry, ratio: float = 0.9) -> Manifest:
    return Manifest(course_id, 1, "课程 " + course_id, "", "", 2.0, "2026-01-01T00:00:00Z",
                    PlayerPolicy(completion_ratio=ratio), tuple(lessons)).signed(KEY)


# l1 600 s, l2 300 s, l3 100 s: 1000 s of media in all
COURSE = _manifest("c", _lesson("l1", 600), _lesson("l2", 300), _lesson("l3", 100))


def _p(covered_s: float, duration_s: float = 0.0) -> LessonProgress:
    return LessonProgress(covered_segments=[(0.0, covered_s)], covered_s=covered_s, duration_s=duration_s)


@pytest.mark.parametrize(("manifest", "progress", "coverage"), [
    pytest.param(COURSE, {}, 0.0, id="nothing watched"),
    pytest.param(COURSE, {"l1": _p(300)}, 0.3, id="half of the long lesson, two lessons missing"),
    pytest.param(COURSE, {"l1": _p(600), "l2": _p(300), "l3": _p(100)}, 1.0, id="every lesson whole"),
    pytest.param(COURSE, {"l2": _p(450)}, 0.3, id="a lesson past its duration counts its duration"),
    pytest.param(COURSE, {"l1": _p(600), "l2": _p(450)}, 0.9,
                 id="clipped lesson cannot make up for the missing one"),
    pytest.param(COURSE, {"l3": _p(250), "l2": _p(0)}, 0.1, id="clipped short lesson, started lesson"),
    pytest.param(COURSE, {"l1": _p(100), "dropped": _p(500, 500)}, 0.1,
                 id="a lesson the manifest does not list does not count"),
    pytest.param(None, {"l1": _p(150, 600), "l2": _p(400, 300)}, 0.5,
                 id="no manifest: saved durations, clipped per lesson"),
    pytest.param(None, {"l1": _p(50, 0)}, 0.0, id="no manifest and no known duration"),
    pytest.param(None, {}, 0.0, id="no manifest, nothing watched"),
    pytest.param(_manifest("z", _lesson("z1", 0)), {"z1": _p(10)}, 0.0, id="a course of zero duration"),
])
def test_course_coverage(manifest: Manifest | None, progress: dict[str, LessonProgress], coverage: float) -> None:
    assert course_coverage(manifest, progress) == pytest.approx(coverage, abs=1e-12)


def _site_year(timestamp: str) -> int:
    """The year a record counts for: its day on the site's calendar (the rules' UTC offset)."""
    day = DEFAULT_RULES.year.local_date(timestamp)
    assert day is not None
    return day.year


def _watch(outbox: Outbox, course_id: str, lesson_id: str, covered_s: float, duration_s: float) -> None:
    body = {"segments": [[0.0, covered_s]], "credited_s": covered_s, "study_s": covered_s,
            "elapsed_mono_s": covered_s, "position_s": covered_s, "max_rate": 1.0}
    save_checkpoint(outbox, course_id, lesson_id, body,
                    LessonProgress(position_s=covered_s, covered_segments=[(0.0, covered_s)], covered_s=covered_s,
                                   duration_s=duration_s, study_s=covered_s))


def test_my_courses_joins_assignments_store_progress_and_outbox(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "content", TRUSTED).ensure()
    # "full": two lessons, the second watched past its duration; "part": one of its two lessons
    # missing; "gone": assigned, studied on this PC, its course not on this PC
    full = store.save_manifest(_manifest("full", _lesson("a", 100, b"aaaa"), _lesson("b", 50, b"bb")).to_bytes())
    part = store.save_manifest(_manifest("part", _lesson("x", 300, b"x" * 10), _lesson("y", 100, b"y" * 6),
                                         ratio=0.5).to_bytes())
    for entry, data in [(full.lessons[0], b"aaaa"), (full.lessons[1], b"bb"), (part.lessons[0], b"x" * 10)]:
        incoming = tmp_path / entry.id
        incoming.write_bytes(data)
        store.place_blob(entry.blob, incoming)  # "part" lesson "y" stays missing
    conn = open_profile_db(tmp_path / "profile")
    try:
        AssignmentCache(conn).replace([
            {"course_id": "full", "title": "全部", "required": True, "due": "2026-03-01", "credit_hours": 2},
            {"course_id": "part", "title": "部分", "required": False, "due": None, "credit_hours": 1.5},
            {"course_id": "gone", "title": "不在本机", "required": True, "due": None, "credit_hours": None},
        ])
        outbox = Outbox(conn, DeviceSigner(str(uuid.uuid4()), "u1", PrivateKey.generate()))
        _watch(outbox, "full", "a", 100, 100)
        _watch(outbox, "full", "b", 80, 50)  # past the lesson's 50 s: counts 50
        _watch(outbox, "part", "x", 150, 300)  # "y" never started
        _watch(outbox, "gone", "g1", 30, 120)
        _watch(outbox, "gone", "g2", 90, 60)  # past its 60 s: counts 60
        outbox.mark([Delivery(r.id, "acked") for r in outbox.records() if r.course_id == "full"])
        year = _site_year(outbox.records()[-1].created_at)
        result = my_courses(conn, store, date(year, 6, 1))
    finally:
        conn.close()

    items = {i.course_id: i for i in result.items}
    assert list(items) == ["full", "gone", "part"]  # required first, then by due date and id
    f, p, g = items["full"], items["part"], items["gone"]
    assert (f.coverage, f.completed, f.status, f.downloaded) == (1.0, True, "completed", True)
    assert (f.bytes_present, f.bytes_total, f.duration_s, f.pending_records) == (6, 6, 150.0, 0)
    assert (f.title, f.required, f.due, f.credit_hours) == ("全部", True, date(2026, 3, 1), 2.0)
    assert p.coverage == pytest.approx(150 / 400) and p.status == "in_progress" and not p.completed
    assert (p.downloaded, p.bytes_present, p.bytes_total, p.duration_s, p.pending_records) == (False, 10, 16, 400.0, 1)
    assert g.coverage == pytest.approx(90 / 180) and not g.completed  # no manifest: ratio 1.0
    assert (g.downloaded, g.bytes_total, g.duration_s, g.credit_hours, g.pending_records) == (False, 0, 0.0, 0.0, 2)
    s = result.summary
    assert (s.year, s.credited_hours, s.required_hours, s.elective_hours) == (year, 2.0, 2.0, 0.0)
    assert (s.synced_hours, s.pending_hours, s.pending_records) == (2.0, 0.0, 3)


def test_a_course_with_a_quiz_and_an_exam_is_complete_only_once_both_are_passed(tmp_path: Path) -> None:
    from dataclasses import replace

    from sync.protocol.assessment import EXAM, QUIZ, TRUE_FALSE, Assessment, Question, seal
    from sync.records.my_courses import sort_key

    bank = (Question("t1", TRUE_FALSE, "对吗？"),)

    def sealed(kind: str, quiz_id: str, lesson: str | None = None, required: bool = True,
               time_limit_s: int = 0) -> Assessment:
        draft = Assessment(kind, quiz_id, "", bank, lesson=lesson, required=required, time_limit_s=time_limit_s)
        return seal(draft, {"t1": True}, bytes(32), cost=10)

    quizzes = (sealed(QUIZ, "a", lesson="a"), sealed(QUIZ, "final-check"),
               sealed(QUIZ, "optional", required=False))  # an optional quiz is not needed for completion
    manifest = replace(_manifest("qe", _lesson("a", 100, b"aaaa")), quizzes=quizzes,
                       exam=sealed(EXAM, "exam", time_limit_s=600)).signed(KEY)
    store = ContentStore(tmp_path / "content", TRUSTED).ensure()
    store.save_manifest(manifest.to_bytes())
    conn = open_profile_db(tmp_path / "profile")
    try:
        AssignmentCache(conn).replace([
            {"course_id": "qe", "title": "测验课程", "required": True, "due": None, "credit_hours": 2},
            {"course_id": "later", "title": "未发布", "required": False, "due": "2020-01-01", "credit_hours": 1,
             "latest_version": None, "size_bytes": 4096},
            {"course_id": "remote", "title": "未下载", "required": True, "due": None, "credit_hours": 1,
             "latest_version": 3, "size_bytes": 9000, "quizzes": 2, "exam": True},
        ])
        outbox = Outbox(conn, DeviceSigner(str(uuid.uuid4()), "u1", PrivateKey.generate()))
        _watch(outbox, "qe", "a", 100, 100)
        year = _site_year(outbox.records()[-1].created_at)
        today = date(year, 6, 1)

        def item() -> tuple[object, ...]:
            result = my_courses(conn, store, today, target_hours=40)
            qe = next(i for i in result.items if i.course_id == "qe")
            return (qe.videos_done, qe.quizzes_passed, qe.quizzes_total, qe.exam_required, qe.exam_passed,
                    qe.completed, qe.missing, qe.status, result.summary.credited_hours, result.summary.target_hours)

        assert item() == (True, 0, 2, True, False, False, ("quizzes", "exam"), "in_progress", 0.0, 40.0)
        outbox.append("quiz", "qe", "a", {"score": 1, "max_score": 1, "passed": True})
        outbox.append("quiz", "qe", None, {"quiz_id": "final-check", "score": 0, "max_score": 1, "passed": False})
        rejected = outbox.append("exam", "qe", None, {"score": 100, "max_score": 100, "passed": True})
        outbox.mark([Delivery(rejected.id, "rejected", "bad_record")])  # a refused record proves nothing
        assert item() == (True, 1, 2, True, False, False, ("quizzes", "exam"), "in_progress", 0.0, 40.0)
        outbox.append("quiz", "qe", None, {"quiz_id": "final-check", "score": 1, "max_score": 1, "passed": True})
        assert item()[5:7] == (False, ("exam",))
        outbox.append("exam", "qe", None, {"score": 80, "max_score": 100, "passed": True})
        assert item() == (True, 2, 2, True, True, True, (), "completed", 2.0, 40.0)

        items = {i.course_id: i for i in my_courses(conn, store, today).items}
        later = items["later"]
        assert (later.published, later.on_this_pc, later.bytes_total, later.downloaded) == (False, False, 4096, False)
        assert items["qe"].published and items["qe"].on_this_pc
        remote = items["remote"]  # not on this PC: what completing it takes, as the server said
        assert (remote.published, remote.bytes_total, remote.quizzes_total, remote.exam_required) == (
            True, 9000, 2, True)
        assert remote.missing == ("videos", "quizzes", "exam")
        # overdue first (even elective), then required, unfinished before complete
        assert [i.course_id for i in sorted(items.values(), key=lambda i: sort_key(i, today))] == [
            "later", "remote", "qe"]
    finally:
        conn.close()


def test_the_training_class_a_course_comes_through_is_cached_and_carried(tmp_path: Path) -> None:
    conn = open_profile_db(tmp_path / "profile")
    try:
        AssignmentCache(conn).replace([
            {"course_id": "in-class", "title": "党史", "required": True, "class_name": " 2025年青年干部培训班 "},
            {"course_id": "alone", "title": "法治", "required": False},
            {"course_id": "odd", "title": "x", "required": False, "class_name": 42},
            {"course_id": "long", "title": "y", "required": False, "class_name": "班" * 500},
        ])
        result = my_courses(conn, None, date(2026, 6, 1))
    finally:
        conn.close()
    items = {i.course_id: i for i in result.items}
    assert items["in-class"].class_name == "2025年青年干部培训班"  # from the cache, read back offline
    assert items["alone"].class_name is None and items["odd"].class_name is None
    assert items["long"].class_name == "班" * 200


def test_completion_and_the_year_follow_the_rules_engine(tmp_path: Path) -> None:
    from dataclasses import replace
    from decimal import Decimal

    from sync.protocol.rules import CreditRules, YearTarget

    store = ContentStore(tmp_path / "content", TRUSTED).ensure()
    store.save_manifest(COURSE.to_bytes())  # l1 600 s, l2 300 s, l3 100 s; each lesson at 0.9
    conn = open_profile_db(tmp_path / "profile")
    try:
        AssignmentCache(conn).replace([{"course_id": "c", "title": "课程", "required": False, "credit_hours": 2}])
        outbox = Outbox(conn, DeviceSigner(str(uuid.uuid4()), "u1", PrivateKey.generate()))
        _watch(outbox, "c", "l1", 600, 600)
        _watch(outbox, "c", "l2", 300, 300)
        _watch(outbox, "c", "l3", 50, 100)
        year = _site_year(outbox.records()[-1].created_at)
        today = date(year, 12, 31)
        item = my_courses(conn, store, today).items[0]
        # 95% of the course's time, but its last lesson at half: it does not count yet
        assert (item.coverage, item.videos_done, item.completed, item.missing) == (0.95, False, False, ("videos",))
        _watch(outbox, "c", "l3", 100, 100)
        result = my_courses(conn, store, today, target_hours=12)
        assert result.items[0].completed and result.items[0].outcome is not None
        assert result.items[0].outcome.counts_on is not None and result.items[0].outcome.year == year
        s = result.summary
        assert (s.credited_hours, s.elective_hours, s.pending_hours, s.target_hours, s.standing) == (
            2.0, 2.0, 2.0, 12.0, "behind")
        # the site's rules decide: 1000 s of lessons by the tiers is 0.5 (no test), and a level's minimums
        rules = replace(DEFAULT_RULES, credit=CreditRules(method="tiers"), year=replace(
            DEFAULT_RULES.year, targets=(("default", YearTarget()),
                                         ("county", YearTarget(required=Decimal(0), elective=Decimal("0.5"))))))
        s = my_courses(conn, store, today, target_hours=12, rules=rules, level="county").summary
        assert (s.credited_hours, s.elective_hours, s.elective_target_hours, s.target_hours, s.standing) == (
            0.5, 0.5, 0.5, 0.5, "met")
        s = my_courses(conn, store, today, target_hours=12, rules=rules).summary  # default level: the site's 12
        assert (s.target_hours, s.standing) == (12.0, "behind")
        assert my_courses(conn, store, date(year + 1, 6, 1)).summary.credited_hours == 0.0  # counted last year
    finally:
        conn.close()


def test_today_is_the_sites_day_by_the_servers_clock_on_a_pc_two_years_behind(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from sync.records.my_courses import site_today
    from sync.records.server_view import cached_server_clock, store_server_clock

    pc_now = datetime(2024, 12, 4, 23, 0, tzinfo=UTC)  # a dead CMOS battery: two years behind the server
    server_now = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
    conn = open_profile_db(tmp_path / "profile")
    try:
        # never synced: this PC's own clock, on the site's calendar (+08:00: already the 5th there)
        assert cached_server_clock(conn) is None
        assert site_today(conn, DEFAULT_RULES, pc_now) == date(2024, 12, 5)
        store_server_clock(conn, (server_now - pc_now).total_seconds())  # what the last sync learned
        assert site_today(conn, DEFAULT_RULES, pc_now) == date(2026, 12, 5)
        # what the app shows on this PC's real clock, taken as two years behind: the server's year, and a
        # course due a year from the PC's date is overdue
        store_server_clock(conn, 730 * 86400.0)
        a_year_on = (date.today() + timedelta(days=365)).isoformat()
        AssignmentCache(conn).replace([
            {"course_id": "due", "title": "法治", "required": True, "due": a_year_on},
            {"course_id": "later", "title": "党史", "required": True, "due": "2999-01-01"}])

        def expected() -> date:
            return site_today(conn, DEFAULT_RULES, datetime.now(UTC))

        before = expected()
        result = my_courses(conn, None)
        assert result.today in (before, expected()) and result.today.year >= date.today().year + 1
        assert result.summary.year == result.today.year
        assert [i.course_id for i in result.items if i.overdue(result.today)] == ["due"]
    finally:
        conn.close()
