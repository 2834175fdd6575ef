"""Credit the server can defend, through a real server process and the real client libraries.

Honest sessions are produced by the real accounting core (player.accounting, fake clocks moved
by a scripted person), saved by sync.records.progress into the real outbox and delivered by the
real uploader: they must be credited exactly what the client itself counted, with no flag.
Forged sessions are written as an attacker would: someone who can edit the client and the local
database, and so holds the device key and signs whatever body they like with it. They must be
refused (malformed) or stored and set aside with the right reason.

The person's PC was enrolled a day ago (the server's devices row says so), so sessions of the
last hours are plausible; every session ends before now.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from player.accounting import WatchAccounting, WatchCheckpoint
from player.clock import AnchoredWallClock, FakeClock
from player.policy import PlayerPolicy
from sync.account.auth import AuthService, UserSession
from sync.protocol.records import GENESIS, make_record
from sync.protocol.watch import to_v2
from sync.records.outbox import Outbox
from sync.records.progress import (
    LessonProgress,
    load_progress,
    save_checkpoint,
    save_progress,
    sign_pending,
    trusted_progress,
)
from sync.site.config import SiteConfig
from tests.support.courses import publish_lessons
from tests.support.module_server import BACKENDS, module_server
from tests.support.server_process import ServerProcess, add_user
from tests.support.watch import iso

COURSE = "c-credit"
LESSONS = {"l1": 600.0, "l2": 900.0, "l4": 3600.0}
POLICY = PlayerPolicy(max_rate=1.5)
ONCE = "c-once"  # a course played at most at 1x: one wall second credits one media second
ONCE_LESSONS = {"a": 600.0, "b": 600.0}
TICK_S = 0.25
CHECKPOINT_S = 5.0  # the app's local save
SPAN_S = 60.0  # the app's signed record per span


def _publish(server: ServerProcess, _root: Path) -> None:
    publish_lessons(server.data_dir, COURSE, LESSONS)  # version 1
    publish_lessons(server.data_dir, COURSE, {"l1": 600.0, "l3": 300.0})  # version 2: l2 gone, l3 new
    publish_lessons(server.data_dir, ONCE, ONCE_LESSONS, max_rate=1.0)


@pytest.fixture(scope="module", params=BACKENDS)
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """One server for the module's tests, on SQLite and then on PostgreSQL."""
    with module_server(request, tmp_path_factory, _publish) as proc:
        yield proc


_people = iter(range(1, 10_000))


@dataclass
class Person:
    server: ServerProcess
    root: Path
    name: str
    sessions: list[UserSession] = field(default_factory=list)

    def pc(self) -> UserSession:
        """Sign in on one more PC (its own device key), enrolled a day ago."""
        s = AuthService(self.root / f"pc{len(self.sessions) + 1}", SiteConfig(server_url=self.server.url)).sign_in(
            self.name, "pass-word")
        day_ago = datetime.now(UTC) - timedelta(days=1)
        self.server.sql("UPDATE devices SET enrolled_at = :at WHERE device_id = :device",
                        {"at": day_ago.strftime("%Y-%m-%dT%H:%M:%SZ"), "device": s.device_id})
        self.sessions.append(s)
        return s

    def sync(self) -> None:
        for s in self.sessions:
            assert s.uploader().sync_once().errors == []

    def transcript(self) -> dict[str, Any]:
        return dict(self.sessions[0].api.transcript())

    def flagged(self) -> str:
        return self.server.cli("records", "flagged", "--user", self.name).stdout


@pytest.fixture
def person(server: ServerProcess, tmp_path: Path) -> Person:
    name = f"p{next(_people)}"
    add_user(server, name, "pass-word")
    return Person(server, tmp_path, name)


class World:
    """Real time for the scenario (epoch seconds), starting three hours ago; PCs follow it."""

    def __init__(self) -> None:
        self.t = time.time() - 3 * 3600
        self.pcs: list[PC] = []

    def wait(self, seconds: float) -> None:
        self.t += seconds
        for pc in self.pcs:
            pc.mono.advance(seconds)


class PC:
    """One computer: a monotonic clock and a wall clock the person may set wrong at any time."""

    def __init__(self, world: World, session: UserSession, offset_s: float = 0.0) -> None:
        self.world, self.session, self.offset_s = world, session, offset_s
        self.mono = FakeClock(10_000.0)
        self.outbox = session.outbox()
        world.pcs.append(self)

    def wall(self) -> datetime:
        return datetime.fromtimestamp(self.world.t + self.offset_s, UTC)

    def set_clock(self, delta_s: float) -> None:
        self.offset_s += delta_s


class AppRun:
    """The player open on one lesson for one app run, as the app does it: real accounting; at start,
    what a crash left pending is signed and coverage comes from the signed records; every 5 s the
    progress row keeps the open span (save_progress); a span closes into one signed record
    (save_checkpoint: record + progress in one transaction) after a minute, on pause, seek and close."""

    def __init__(self, pc: PC, lesson_id: str, *, version: int | None = 1, course: str = COURSE,
                 policy: PlayerPolicy = POLICY) -> None:
        self.pc, self.lesson_id, self.version, self.course = pc, lesson_id, version, course
        sign_pending(pc.outbox, lambda _c, _l: policy.max_rate)
        saved = trusted_progress(pc.outbox, course, lesson_id, max_rate=policy.max_rate) or LessonProgress()
        duration = (LESSONS if course == COURSE else ONCE_LESSONS).get(lesson_id, 600.0)
        self.acc = WatchAccounting(policy, duration, pc.mono,
                                   wall_clock=AnchoredWallClock(pc.wall, pc.mono),
                                   covered=saved.covered_segments, position_s=saved.position_s, study_s=saved.study_s)
        self.pos = self.acc.position_s
        self.since_cp = 0.0
        self.acc.tick(self.pos, False)

    def _step(self, playing: bool, rate: float) -> None:
        self.pc.world.wait(TICK_S)
        if playing:
            self.pos = min(self.acc.duration_s, self.pos + TICK_S * rate)
        self.acc.tick(self.pos, playing, rate)
        self.acc.user_activity()
        if self.acc.attention_due:
            self.acc.answer_attention()
        self.since_cp += TICK_S
        if self.since_cp >= CHECKPOINT_S:
            self.since_cp = 0.0
            if self.acc.span_s >= SPAN_S:
                self.checkpoint()
            elif (cp := self.acc.pending()) is not None:
                save_progress(self.pc.outbox.conn, self.course, self.lesson_id, cp.to_body(), self._progress(cp),
                              version=self.version)

    def play(self, seconds: float, rate: float = 1.0) -> AppRun:
        self.acc.tick(self.pos, True, rate)
        for _ in range(round(seconds / TICK_S)):
            self._step(True, rate)
        self.acc.tick(self.pos, False, rate)
        return self

    def pause(self, seconds: float) -> AppRun:
        self.checkpoint()
        for _ in range(round(seconds / TICK_S)):
            self._step(False, 1.0)
        return self

    def seek(self, to_s: float) -> AppRun:
        assert self.acc.seek(to_s)
        self.pos = to_s
        self.checkpoint()
        return self

    def _progress(self, cp: WatchCheckpoint) -> LessonProgress:
        return LessonProgress(cp.position_s, self.acc.segments(), cp.covered_s, cp.duration_s, self.acc.study_s,
                              cp.completed)

    def checkpoint(self) -> None:
        """Close the span: sign it, or only save the row when it holds nothing to sign."""
        cp = self.acc.checkpoint()
        if cp is None:
            return
        if cp.segments or cp.study_s > 0:
            save_checkpoint(self.pc.outbox, self.course, self.lesson_id, cp.to_body(), self._progress(cp),
                            version=self.version)
        else:
            save_progress(self.pc.outbox.conn, self.course, self.lesson_id, None, self._progress(cp),
                          version=self.version)

    def close(self) -> None:
        self.checkpoint()


# ----- honest sessions -------------------------------------------------------------------------
Scenario = Callable[[World, Person], None]


def long_session(w: World, p: Person) -> None:
    AppRun(PC(w, p.pc()), "l1").play(600).close()


def rewatching(w: World, p: Person) -> None:
    run = AppRun(PC(w, p.pc()), "l1").play(120).seek(0).play(120).play(180)
    run.seek(60).play(30).close()


def pauses(w: World, p: Person) -> None:
    AppRun(PC(w, p.pc()), "l2").play(100).pause(900).play(100).pause(30).play(50).close()


def fastest_rate(w: World, p: Person) -> None:
    AppRun(PC(w, p.pc()), "l2").play(300, rate=1.5).play(60).close()


def crash_and_resume(w: World, p: Person) -> None:
    pc = PC(w, p.pc())
    AppRun(pc, "l1").play(102)  # killed: the last 2 s were never checkpointed
    w.wait(40)
    AppRun(pc, "l1").play(200).close()  # the app starts again and resumes


def clock_changes(w: World, p: Person) -> None:
    pc = PC(w, p.pc())
    run = AppRun(pc, "l1").play(100)
    pc.set_clock(+86_400)  # mid-session: a day forward, then back by more
    run.play(100)
    pc.set_clock(-86_400 - 3600)
    run.play(50).close()
    w.wait(20)
    AppRun(pc, "l1").play(100).close()  # the next run starts an hour behind its earlier windows
    pc.set_clock(+7200)
    w.wait(20)
    AppRun(pc, "l2").play(60).close()


def two_pcs_one_after_the_other(w: World, p: Person) -> None:
    office, home = PC(w, p.pc()), PC(w, p.pc())
    AppRun(office, "l1").play(300).close()
    w.wait(60)
    AppRun(home, "l1").play(200).close()
    AppRun(home, "l2").play(100).close()
    w.wait(30)
    AppRun(office, "l2").play(100).close()


def two_lessons_in_a_row(w: World, p: Person) -> None:
    pc = PC(w, p.pc())
    AppRun(pc, "l1").play(200).close()
    AppRun(pc, "l2").play(200).close()
    AppRun(pc, "l1").play(100).close()


def older_client_without_version(w: World, p: Person) -> None:
    AppRun(PC(w, p.pc()), "l1", version=None).play(120).close()


def v1_records_then_v2(w: World, p: Person) -> None:
    """An outbox holding the previous client's v1 records (one every 5 s, seconds, v1 canonical
    form) when the new client takes over on the same chain: both sync, verify and count."""
    pc = PC(w, p.pc())
    old = AppRun(pc, "l1")
    old.acc.tick(old.pos, True)
    for _ in range(20):
        for _ in range(round(CHECKPOINT_S / TICK_S)):
            w.wait(TICK_S)
            old.pos += TICK_S
            old.acc.tick(old.pos, True)
        cp = old.acc.checkpoint()
        assert cp is not None
        record = pc.outbox.append("watch", COURSE, "l1", {**cp.to_body(), "version": 1})
        assert record.v == 1
        save_progress(pc.outbox.conn, COURSE, "l1", None, old._progress(cp))
    w.wait(30)
    AppRun(pc, "l1").play(200).close()
    assert {r.v for r in pc.outbox.records()} == {1, 2}


HONEST: list[Scenario] = [long_session, rewatching, pauses, fastest_rate, crash_and_resume, clock_changes,
                          two_pcs_one_after_the_other, two_lessons_in_a_row, older_client_without_version,
                          v1_records_then_v2]


def client_coverage(p: Person) -> dict[str, float]:
    """What the client itself counted per lesson: the union over every PC of this person."""
    from player.intervals import IntervalSet

    per: dict[str, IntervalSet] = {}
    for s in p.sessions:
        for lesson_id, progress in load_progress(s.db(), COURSE).items():
            per.setdefault(lesson_id, IntervalSet()).update(progress.covered_segments)
    return {k: round(v.length, 3) for k, v in per.items()}


@pytest.mark.parametrize("scenario", HONEST, ids=[s.__name__ for s in HONEST])
def test_honest_sessions_are_credited_exactly_with_no_flag(person: Person, scenario: Scenario) -> None:
    scenario(World(), person)
    person.sync()
    t = person.transcript()
    [course] = t["courses"]
    expected = client_coverage(person)
    assert {x["lesson_id"]: x["credited_s"] for x in course["lessons"]} == expected
    assert all(v > 0 for v in expected.values())
    assert course["set_aside"] == {} and t["gaps"] == []
    assert person.flagged().strip() == "no flagged records"
    for s in person.sessions:
        assert not s.outbox().rejected() and s.outbox().pending_count() == 0


# ----- forged records: the attacker signs with the person's own device key -----------------------
class Forger:
    """Writes records straight into the person's outbox (signed with their device key)."""

    def __init__(self, person: Person) -> None:
        self.person = person
        self.t0 = time.time() - 3 * 3600

    def body(self, segments: list[list[float]], elapsed: float, start: float, end: float,
             **extra: Any) -> dict[str, Any]:
        return {"segments": segments, "elapsed_mono_s": elapsed, "wall_start": iso(self.t0 + start),
                "wall_end": iso(self.t0 + end), "version": 1, **extra}

    def send(self, s: UserSession, items: list[tuple[str, dict[str, Any]]], v: int = 1) -> list[dict[str, Any]]:
        """Sign the bodies into the outbox (as protocol ``v`` records: a v2 body in milliseconds),
        post them, and return the server's answers."""
        recs = [s.outbox().append("watch", COURSE, lesson, to_v2(body) if v == 2 else body, v=v)
                for lesson, body in items]
        answers = s.api.post_batch(recs)
        assert s.uploader().sync_once().errors == []
        return [dict(a) for a in answers]


def lesson_of(t: dict[str, Any], lesson_id: str) -> dict[str, Any]:
    for course in t["courses"]:
        for lesson in course["lessons"]:
            if lesson["lesson_id"] == lesson_id:
                return dict(lesson)
    raise AssertionError(f"{lesson_id} not in the transcript")


# (name, records as (PC number, lesson, body builder), lesson to check, credited, set aside by reason)
Body = Callable[[Forger], dict[str, Any]]


def tiny(i: int) -> tuple[int, str, Body]:
    return 0, "l1", lambda f: f.body([[i * 2, i * 2 + 2]], 2, 100, 100)


FORGED: list[tuple[str, list[tuple[int, str, Body]], str, float, dict[str, float]]] = [
    ("a 600 s lesson credited for thousands of seconds",
     [(0, "l1", lambda f: f.body([[0, 5000]], 5000, 0, 5000))], "l1", 600.0, {"over_duration": 4400.0}),
    ("minutes of coverage in seconds of monotonic time",
     [(0, "l1", lambda f: f.body([[0, 300]], 5, 0, 300))], "l1", 9.5, {"over_elapsed": 290.5}),
    ("minutes of coverage in a record made seconds after the previous one",
     [(0, "l1", lambda f: f.body([[0, 5]], 5, 0, 5)), (0, "l1", lambda f: f.body([[5, 305]], 300, 5, 10))],
     "l1", 5 + 5 * 1.5 + 2, {"over_real_time": 290.5}),
    # one wall minute holds at most 90 s of media at 1.5x: the lesson on the first PC used it all
    ("two lessons on two PCs credited for the same wall-clock minute",
     [(0, "l1", lambda f: f.body([[0, 90]], 60, 0, 60)), (1, "l2", lambda f: f.body([[0, 90]], 60, 0, 60))],
     "l2", 2.0, {"overlap": 88.0}),
    # on one PC the records of a chain happened in seq order: the second minute is placed after the first
    ("two lessons on one PC claiming the same minute are placed one after the other",
     [(0, "l1", lambda f: f.body([[0, 90]], 60, 0, 60)), (0, "l2", lambda f: f.body([[0, 90]], 60, 0, 60)),
      (1, "l1", lambda f: f.body([[90, 180]], 60, 60, 120))], "l1", 92.0, {"overlap": 88.0}),
    ("a lesson never published", [(0, "l9", lambda f: f.body([[0, 60]], 60, 0, 60))], "l9", 0.0,
     {"unknown_lesson": 60.0}),
    ("a version never published", [(0, "l1", lambda f: f.body([[0, 60]], 60, 0, 60, version=7))], "l1", 0.0,
     {"unknown_version": 60.0}),
    ("a lesson removed from the version named", [(0, "l2", lambda f: f.body([[0, 60]], 60, 0, 60, version=2))],
     "l2", 0.0, {"unknown_lesson": 60.0}),
    ("windows in the future", [(0, "l1", lambda f: f.body([[0, 600]], 600, 4 * 3600, 4 * 3600 + 600))], "l1", 2.0,
     {"clock_skew": 598.0}),
    ("no wall window at all",
     [(0, "l1", lambda f: {"segments": [[0, 60]], "elapsed_mono_s": 60, "version": 1})], "l1", 0.0,
     {"no_window": 60.0}),
    ("many records with empty windows", [tiny(i) for i in range(30)], "l1", 2.0, {"over_real_time": 58.0}),
]


@pytest.mark.parametrize("v", [1, 2], ids=["v1", "v2"])
@pytest.mark.parametrize(("name", "records", "lesson", "credited", "aside"), FORGED, ids=[c[0] for c in FORGED])
def test_forged_records_are_set_aside_with_the_right_reason(person: Person, name: str,
                                                            records: list[tuple[int, str, Body]], lesson: str,
                                                            credited: float, aside: dict[str, float], v: int) -> None:
    pcs = [person.pc() for _ in range(1 + max(n for n, _, _ in records))]
    f = Forger(person)
    for n, lesson_id, build in records:
        [answer] = f.send(pcs[n], [(lesson_id, build(f))], v)
        assert answer["status"] == "stored"
    t = person.transcript()
    got = lesson_of(t, lesson)
    assert got["credited_s"] == credited and got["set_aside"] == aside
    course = next(c for c in t["courses"] if c["course_id"] == COURSE)
    assert isinstance(course["credited_s"], float) and course["set_aside"] == aside
    report = person.flagged()
    assert person.name in report and all(reason in report for reason in aside)


@pytest.mark.parametrize(("name", "body", "detail"), [
    ("absurd finite segment end", {"segments": [[0, 1e300]]}, "finite"),
    ("negative duration", {"segments": [[0, 600]], "duration_s": -1}, "duration_s"),
    ("negative segment", {"segments": [[-600, 600]]}, "finite"),
    ("inverted segment", {"segments": [[600, 0]]}, "does not start before"),
    ("huge claimed total", {"segments": [[0, 60]], "credited_s": 1e308}, "credited_s"),
    ("a claimed score past any sane number", {"segments": [[0, 60]], "note": {"score": 1e300}}, "not a sane number"),
    ("wrong types", {"segments": "all of it"}, "list"),
])
def test_malformed_bodies_are_refused_for_good(person: Person, name: str, body: dict[str, Any], detail: str) -> None:
    s = person.pc()
    rec = s.outbox().append("watch", COURSE, "l1", body)
    [answer] = s.api.post_batch([rec])
    assert answer["status"] == "rejected" and answer["reason"] == "bad_field" and detail in answer["detail"]
    s.uploader().sync_once()
    assert s.outbox().rejected() == [(rec, "bad_field")]  # a later sync cannot fix it


def test_two_pcs_of_one_person_credited_once_for_the_same_minute(person: Person) -> None:
    office, home = person.pc(), person.pc()
    f = Forger(person)
    f.send(office, [("l1", f.body([[0, 120]], 120, 0, 120))])
    answers = f.send(home, [("l2", f.body([[0, 120]], 120, 60, 180))])
    assert answers[0]["flags"] == ["overlap"]
    t = person.transcript()
    # 120 s of media at 1.5x took the last 80 s of the office window: the home window keeps
    # 60 free seconds, x 1.5 + the 2 s allowance
    assert lesson_of(t, "l1")["credited_s"] == 120.0
    assert lesson_of(t, "l2")["credited_s"] == 92.0 and lesson_of(t, "l2")["set_aside"] == {"overlap": 28.0}


def test_exam_scores_claimed_by_the_client_are_not_copied(person: Person) -> None:
    s = person.pc()
    ob = s.outbox()
    ob.append("exam", COURSE, None, {"answers": {"q1": "a", "q2": "c"}, "score": 100, "max_score": 100,
                                      "passed": True})
    ob.append("quiz", COURSE, "l1", {"answers": {"q1": "b"}, "quiz_id": "quiz-1", "score": 10, "passed": True})
    assert s.uploader().sync_once().acked == 2
    [course] = person.transcript()["courses"]
    # bodies that are no attempt at anything published: graded by the server as nothing, flagged
    for entry in course["exams"] + course["quizzes"]:
        assert (entry["graded"], entry["score"], entry["passed"], entry["reason"]) == (True, 0, False, "ungradable")
    assert course["quizzes"][0]["quiz_id"] == "quiz-1"


def test_a_withheld_record_does_not_block_later_ones_and_fills_its_gap(person: Person) -> None:
    s = person.pc()
    f = Forger(person)
    recs = [s.outbox().append("watch", COURSE, "l1", f.body([[i * 60, i * 60 + 60]], 60, i * 60, i * 60 + 60))
            for i in range(4)]
    answers = s.api.post_batch([recs[0], recs[2], recs[3]])  # seq 2 withheld (or lost on a shared PC)
    assert [a["status"] for a in answers] == ["stored"] * 3 and answers[1]["flags"] == ["gap"]
    t = person.transcript()
    assert t["gaps"] == [{"device_id": s.device_id, "missing_seq": 2}]
    assert lesson_of(t, "l1")["credited_s"] == 180.0
    assert "gap" in person.flagged()
    # the missing record arrives later: linked to both neighbours, stored, the gap closes
    assert s.uploader().sync_once().errors == []
    t = person.transcript()
    assert t["gaps"] == [] and lesson_of(t, "l1")["credited_s"] == 240.0 and lesson_of(t, "l1")["set_aside"] == {}
    assert person.flagged().strip() == "no flagged records"


def test_nobody_can_squat_another_persons_record_id(server: ServerProcess, person: Person, tmp_path: Path) -> None:
    victim = person.pc()
    add_user(server, f"{person.name}-x", "pass-word")
    squatter = AuthService(tmp_path / "squatter", SiteConfig(server_url=server.url)).sign_in(
        f"{person.name}-x", "pass-word")
    genuine = victim.outbox().append("note", COURSE, None, {"text": "mine"})
    # the squatter guesses (or copies) the id and signs a record of their own with it first
    copy = make_record(Outbox(squatter.db(), squatter.outbox().signer).signer, seq=1, prev=GENESIS,
                       record_type="note", course_id=COURSE, lesson_id=None, body={"text": "squat"},
                       record_id=genuine.id)
    assert [a["status"] for a in squatter.api.post_batch([copy])] == ["stored"]
    assert [a["status"] for a in victim.api.post_batch([genuine])] == ["stored"]


# ----- protocol v2 cadence and one lesson at a time --------------------------------------------------
def test_an_hour_of_watching_is_at_most_60_records_and_12_kb_on_the_wire(person: Person) -> None:
    w = World()
    pc = PC(w, person.pc())
    AppRun(pc, "l4").play(3600).close()
    records = pc.outbox.records()
    assert len(records) <= 60 and all(r.v == 2 for r in records)
    stats = pc.session.api.transport.stats
    before = stats.bytes_sent
    result = pc.session.uploader().sync_once()
    assert result.acked == len(records) and result.errors == []
    assert stats.bytes_sent - before <= 12 * 1024
    assert lesson_of(person.transcript(), "l4")["credited_s"] == 3600.0
    assert person.flagged().strip() == "no flagged records"


def test_two_app_copies_playing_two_lessons_at_once_are_credited_one_at_a_time(person: Person) -> None:
    """Two copies of the app with different data folders (so two device keys, no lock shared) play two
    lessons of a 1x course at the same time: the server's overlap rule credits the wall time once."""
    w = World()
    first, second = PC(w, person.pc()), PC(w, person.pc())
    policy = PlayerPolicy(max_rate=1.0)
    runs = [AppRun(first, "a", course=ONCE, policy=policy), AppRun(second, "b", course=ONCE, policy=policy)]
    for run in runs:
        run.acc.tick(run.pos, True)
    for _ in range(round(300 / TICK_S)):  # five minutes, both playing
        w.wait(TICK_S)
        for run in runs:
            run.pos += TICK_S
            run.acc.tick(run.pos, True)
            run.acc.user_activity()
            run.since_cp += TICK_S
            if run.since_cp >= CHECKPOINT_S:
                run.since_cp = 0.0
                if run.acc.span_s >= SPAN_S:
                    run.checkpoint()
    for run in runs:
        run.close()
    assert all(run.acc.covered_s == 300.0 for run in runs)  # each PC alone counted its lesson
    person.sync()
    course = next(c for c in person.transcript()["courses"] if c["course_id"] == ONCE)
    credited = {x["lesson_id"]: x["credited_s"] for x in course["lessons"]}
    # 300 s of wall time credit at most 300 s of 1x media (plus each chain's 2 s allowance)
    assert credited["a"] == 300.0 and credited["b"] <= 2.0
    assert credited["a"] + credited["b"] <= 300.0 + 2 * 2.0
    assert set(course["set_aside"]) == {"overlap"} and course["set_aside"]["overlap"] >= 298.0


def test_a_v2_record_spanning_hours_is_not_an_absurd_number(person: Person) -> None:
    """A v2 body counts milliseconds: three hours paused inside one span is 10.8 million of them, well
    within sane seconds."""
    s = person.pc()
    f = Forger(person)
    hours = 3 * 3600 + 60
    [answer] = f.send(s, [("l1", f.body([[0, 60]], hours, 0, hours))], v=2)
    assert answer["status"] == "stored" and "flags" not in answer
    assert s.outbox().records()[-1].body["elapsed_mono_ms"] == hours * 1000
    assert lesson_of(person.transcript(), "l1")["credited_s"] == 60.0
