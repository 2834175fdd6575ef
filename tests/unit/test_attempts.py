"""Quiz and exam attempts on a real profile database: the exam clock on a monotonic source,
the open attempt's checkpoints, submitting (signed record and closed attempt in one
transaction), the paper signed when an attempt opens, and the attempts counted from the signed
records: a table of draws, submissions, lost open rows and refusals with the exact count."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from player.clock import FakeClock
from sync.account.profile_db import open_profile_db
from sync.protocol.assessment import PAPER_RECORD, PaperDrawn
from sync.protocol.errors import FormatError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import V2, DeviceSigner, verify_chain
from sync.records.attempts import (
    EXAM,
    QUIZ,
    ExamClock,
    OpenAttempt,
    attempts_used,
    awaiting_grades,
    graded_attempts,
    open_attempt,
    save_attempt,
    start_attempt,
    store_server_grades,
    submit_attempt,
)
from sync.records.outbox import Delivery, Outbox, passed_assessments

KEY = PrivateKey.generate()


def _outbox(tmp_path: Path) -> Outbox:
    return Outbox(open_profile_db(tmp_path), DeviceSigner("d-1", "u-1", KEY))


def test_the_clock_counts_monotonic_time_from_what_was_used_before() -> None:
    mono = FakeClock(1000.0)
    clock = ExamClock(60.0, used_before_ms=20_000, clock=mono)
    assert clock.used_ms == 20_000 and clock.remaining_s == 40.0 and not clock.running
    clock.start()
    mono.advance(15.5)
    assert clock.used_ms == 35_500 and clock.remaining_s == pytest.approx(24.5)
    mono.advance(30.0)  # past the limit: the time used stops at the limit
    assert clock.used_ms == 60_000 and clock.remaining_s == 0.0 and clock.expired
    clock.stop()
    mono.advance(100.0)
    assert clock.used_ms == 60_000


def test_a_clock_without_a_limit_never_expires() -> None:
    mono = FakeClock()
    clock = ExamClock(None, clock=mono)
    clock.start()
    mono.advance(10_000.0)
    assert clock.remaining_s is None and not clock.expired and clock.used_ms == 10_000_000


def test_the_clock_refuses_negative_time() -> None:
    with pytest.raises(ValueError):
        ExamClock(10.0, used_before_ms=-1)


def test_an_open_attempt_resumes_with_its_seed_answers_and_time(tmp_path: Path) -> None:
    ob = _outbox(tmp_path)
    first = start_attempt(ob.conn, "c1", "exam", EXAM)
    assert 0 <= first.seed < 2**53 and first.resumes == 0
    save_attempt(ob.conn, replace(first.with_answer("e1", [1]), used_ms=12_345))
    ob.conn.close()

    again = _outbox(tmp_path)  # a new run: a new connection to the same file
    resumed = start_attempt(again.conn, "c1", "exam", EXAM)
    assert (resumed.attempt_id, resumed.seed, dict(resumed.answers), resumed.used_ms, resumed.resumes) == \
        (first.attempt_id, first.seed, {"e1": [1]}, 12_345, 1)
    # an older state saved late cannot give time back
    save_attempt(again.conn, replace(resumed, used_ms=5_000))
    stored = open_attempt(again.conn, "c1", "exam")
    assert stored is not None and stored.used_ms == 12_345


def test_submitting_signs_the_record_and_closes_the_attempt_together(tmp_path: Path) -> None:
    ob = _outbox(tmp_path)
    attempt = start_attempt(ob.conn, "c1", "quiz-1", QUIZ, seed=42)
    assert attempts_used(ob.conn, "c1", "quiz-1", QUIZ) == 1  # an open attempt counts
    record = submit_attempt(ob, attempt, "l1", {"quiz_id": "quiz-1", "seed": 42, "answers": {"q1": 0}})
    assert record.type == "quiz" and record.course_id == "c1" and record.lesson_id == "l1"
    assert record.body["seed"] == 42
    verify_chain(ob.records(), KEY.public)
    assert open_attempt(ob.conn, "c1", "quiz-1") is None
    assert attempts_used(ob.conn, "c1", "quiz-1", QUIZ) == 1
    assert attempts_used(ob.conn, "c1", "quiz-2", QUIZ) == 0
    # a record failing to sign leaves the attempt open: nothing half done
    second = start_attempt(ob.conn, "c1", "quiz-1", QUIZ)
    with pytest.raises(FormatError):
        submit_attempt(ob, second, "l1", {"bad": float("nan")})
    assert open_attempt(ob.conn, "c1", "quiz-1") is not None
    assert len(ob.records()) == 1


def test_a_refused_record_does_not_use_an_attempt(tmp_path: Path) -> None:
    ob = _outbox(tmp_path)
    first = submit_attempt(ob, start_attempt(ob.conn, "c1", "exam", EXAM), None, {"seed": 1})
    submit_attempt(ob, start_attempt(ob.conn, "c1", "exam", EXAM), None, {"seed": 2})
    assert attempts_used(ob.conn, "c1", "exam", EXAM) == 2
    ob.mark([Delivery(first.id, "rejected", "bad")])
    assert attempts_used(ob.conn, "c1", "exam", EXAM) == 1
    assert attempts_used(ob.conn, "c2", "exam", EXAM) == 0


def _transcript(record_id: str, score: int, max_score: int, passed: bool, key: str = "exams") -> dict[str, object]:
    """The server's transcript as the client reads it: a graded entry names its record."""
    return {"user_id": "u-1", "courses": [{"course_id": "c1", key: [
        {"record_id": record_id, "graded": True, "score": score, "max_score": max_score, "passed": passed},
        {"record_id": "not-ours", "graded": True, "score": 1, "max_score": 1, "passed": True},
        {"lesson_id": None, "graded": False}]}]}


def test_the_servers_grade_stands_over_the_score_worked_out_here(tmp_path: Path) -> None:
    ob = _outbox(tmp_path)
    claimed = submit_attempt(ob, start_attempt(ob.conn, "c1", "exam", EXAM), None,
                             {"quiz_id": "exam", "score": 4, "max_score": 5, "passed": True})
    assert passed_assessments(ob.conn) == {"c1": {"exam"}}
    assert awaiting_grades(ob.conn) == 0  # not acknowledged yet: nothing to ask the server
    ob.mark([Delivery(claimed.id, "acked")])
    assert awaiting_grades(ob.conn) == 1
    (before,) = graded_attempts(ob.conn, "c1")
    assert before.server is None and not before.differs and before.final_passed

    assert store_server_grades(ob.conn, _transcript(claimed.id, 2, 5, False)) == 1  # another record's is passed over
    assert awaiting_grades(ob.conn) == 0
    (after,) = graded_attempts(ob.conn, "c1")
    assert (after.score, after.max_score, after.passed) == (4, 5, True)  # what this PC said, kept
    assert after.server == (2, 5, False) and after.differs and not after.final_passed
    assert passed_assessments(ob.conn) == {}  # the server's "not passed" counts
    # a later transcript that agrees with this PC: no difference left
    store_server_grades(ob.conn, _transcript(claimed.id, 4, 5, True))
    (agreed,) = graded_attempts(ob.conn, "c1")
    assert not agreed.differs and passed_assessments(ob.conn) == {"c1": {"exam"}}


def test_a_malformed_transcript_stores_nothing(tmp_path: Path) -> None:
    ob = _outbox(tmp_path)
    record = submit_attempt(ob, start_attempt(ob.conn, "c1", "q1", QUIZ), "l1", {"quiz_id": "q1", "passed": True})
    for bad in ({}, {"courses": "x"}, {"courses": [{"quizzes": [{"record_id": record.id, "graded": True,
                                                                  "score": -1, "max_score": 1, "passed": True}]}]},
                {"courses": [{"quizzes": [{"record_id": record.id, "graded": True, "score": True, "max_score": 1,
                                           "passed": False}]}]}):
        assert store_server_grades(ob.conn, bad) == 0
    assert graded_attempts(ob.conn, "c1")[0].server is None


def _draw(ob: Outbox, assessment_id: str, kind: str, number: int, seed: int | None = None) -> OpenAttempt:
    """A new attempt as the app opens it: its paper signed with it."""
    return start_attempt(ob.conn, "c1", assessment_id, kind, seed, outbox=ob,
                         lesson_id=None if kind == EXAM else assessment_id, version=1, number=number)


@pytest.mark.parametrize(("steps", "used"), [
    # each step: "draw" (a new attempt, its paper signed), "submit" (the open one), "lose" (the open
    # row deleted from the database), "legacy" (an attempt signed before papers were recorded),
    # "refuse" (the server refused the last record)
    ((), 0),
    (("draw",), 1),
    (("draw", "submit"), 1),
    (("draw", "submit", "draw"), 2),
    (("draw", "lose"), 1),  # the paper drawn is an attempt used, even once the open row is gone
    (("draw", "lose", "draw", "lose", "draw"), 3),
    (("legacy", "legacy"), 2),
    (("legacy", "draw", "submit"), 2),
    (("draw", "refuse"), 1),  # the attempt is still open
    (("draw", "lose", "refuse"), 0),  # a refused paper uses no attempt
    (("draw", "submit", "refuse"), 1),  # a refused submission of a recorded paper: the paper still counts
])
def test_attempts_are_counted_by_the_papers_drawn(tmp_path: Path, steps: tuple[str, ...], used: int) -> None:
    ob = _outbox(tmp_path)
    number, last = 0, None
    for step in steps:
        if step == "draw":
            number += 1
            _draw(ob, "q1", QUIZ, number)
        elif step == "submit":
            found = open_attempt(ob.conn, "c1", "q1")
            assert found is not None
            last = submit_attempt(ob, found, "q1", {"quiz_id": "q1", "seed": found.seed})
        elif step == "lose":
            with ob.conn:
                ob.conn.execute("DELETE FROM open_attempts")
        elif step == "legacy":
            number += 1
            last = submit_attempt(ob, start_attempt(ob.conn, "c1", "q1", QUIZ, 1000 + number), "q1",
                                  {"quiz_id": "q1", "seed": 1000 + number})
        else:
            [latest] = ob.records()[-1:]
            ob.mark([Delivery(latest.id, "rejected", "bad")])
    assert attempts_used(ob.conn, "c1", "q1", QUIZ) == used
    assert attempts_used(ob.conn, "c1", "q2", QUIZ) == 0
    assert last is None or last.type == QUIZ


def test_a_paper_is_signed_with_the_attempt_it_opens(tmp_path: Path) -> None:
    ob = _outbox(tmp_path)
    first = _draw(ob, "exam", EXAM, 1, seed=77)
    again = _draw(ob, "exam", EXAM, 2)  # already open: taken up, no second paper
    assert (again.seed, again.resumes) == (77, 1)
    [paper] = ob.records()
    verify_chain([paper], KEY.public)
    assert (paper.type, paper.course_id, paper.lesson_id, paper.v) == (PAPER_RECORD, "c1", None, V2)
    assert PaperDrawn.from_dict(paper.body) == PaperDrawn("exam", 1, 1, 77) and first.seed == 77
