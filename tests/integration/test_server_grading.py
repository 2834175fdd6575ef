"""The server grades every quiz and exam record itself, through a real server process, on SQLite
and PostgreSQL: a course with a quiz and an exam published with the real publish code, attempts
signed by the learner's own device key into the real outbox and delivered by the real uploader.

A modified client can sign any body, so the attempts here are written as one would: a perfect
score claimed on wrong answers, a fourth attempt at a quiz that allows three, an exam that took
an hour against a 30-minute limit, a quiz that was never published, answers that fit no paper,
a second paper drawn for the same attempt (the open attempt deleted from the PC's database).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.config import ServerConfig
from sync.account.auth import AuthService, UserSession
from sync.protocol.assessment import PAPER_RECORD, QUIZ, Assessment, PaperDrawn, attempt_body, draw_paper
from sync.protocol.manifest import Manifest
from sync.protocol.records import V2
from sync.records.attempts import attempts_used, start_attempt
from sync.site.config import SiteConfig
from tests.support.courses import (
    QUIZ_AND_EXAM,
    QUIZ_AND_EXAM_ANSWERS,
    publish_source,
    random_bytes,
    write_course_source,
)
from tests.support.module_server import BACKENDS, module_server
from tests.support.server_process import ServerProcess, add_user

pytestmark = pytest.mark.databases

COURSE = "graded"


def _publish(server: ServerProcess, root: Path) -> None:
    publish_source(server.data_dir, write_course_source(root / "src", COURSE, [random_bytes(300, 7)],
                                                        assessments=QUIZ_AND_EXAM))


@pytest.fixture(scope="module", params=BACKENDS)
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    with module_server(request, tmp_path_factory, _publish) as proc:
        yield proc


_people = iter(range(1, 10_000))


@pytest.fixture
def learner(server: ServerProcess, tmp_path: Path) -> UserSession:
    name = f"g{next(_people)}"
    add_user(server, name, "pass-word")
    return AuthService(tmp_path / "pc", SiteConfig(server_url=server.url)).sign_in(name, "pass-word")


def _manifest(server: ServerProcess) -> Manifest:
    return Manifest.parse((ServerConfig(server.data_dir).repo_dir / "manifests" / COURSE / "1.json").read_bytes())


def _right(assessment_id: str, question_id: str) -> Any:
    value = QUIZ_AND_EXAM_ANSWERS[assessment_id][question_id]
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return [accepted[0] for accepted in value]
    return list(value) if isinstance(value, tuple) else value


def _wrong(assessment_id: str, question_id: str) -> Any:
    right = _right(assessment_id, question_id)
    if isinstance(right, bool):
        return not right
    if isinstance(right, int):
        return (right + 1) % 3
    if right and isinstance(right[0], str):
        return ["不知道"] * len(right)
    return [2]


def _body(a: Assessment, seed: int, *, right: bool, attempt: int = 1, elapsed_ms: int = 120_000,
          claim_full: bool = False) -> dict[str, Any]:
    paper = draw_paper(a, seed)
    answers = {qid: (_right if right else _wrong)(a.id, qid) for qid in paper.question_ids()}
    body, _grade = attempt_body(a, 1, paper, answers, attempt=attempt, started_at="2026-03-01T08:00:00.000Z",
                                submitted_at="2026-03-01T08:02:00.000Z", elapsed_ms=elapsed_ms)
    out = body.to_dict()
    if claim_full:
        out.update(score=out["max_score"], passed=True)  # what a modified client claims
    return out


def _send(s: UserSession, *attempts: tuple[str, str | None, dict[str, Any]]) -> list[str]:
    ids = [s.outbox().append(kind, COURSE, lesson, body, v=V2).id for kind, lesson, body in attempts]
    assert s.uploader().sync_once().errors == []
    return ids


def _entries(s: UserSession) -> dict[str, dict[str, Any]]:
    [course] = [c for c in s.api.transcript()["courses"] if c["course_id"] == COURSE]
    return {e["record_id"]: e for e in course["quizzes"] + course["exams"]}


def test_a_claimed_full_score_on_wrong_answers_is_graded_zero(server: ServerProcess, learner: UserSession) -> None:
    m = _manifest(server)
    quiz, exam = m.quizzes[0], m.exam
    assert exam is not None
    [forged, honest, forged_exam] = _send(
        learner, ("quiz", "lesson-1", _body(quiz, 11, right=False, claim_full=True)),
        ("quiz", "lesson-1", _body(quiz, 12, right=True, attempt=2)),
        ("exam", None, _body(exam, 13, right=False, claim_full=True)))
    found = _entries(learner)
    assert found[forged] | {"created_at": None} == {
        "record_id": forged, "lesson_id": "lesson-1", "quiz_id": "lesson-1", "created_at": None, "graded": True,
        "score": 0, "max_score": 3, "passed": False, "attempt": 1, "reason": None}
    assert (found[honest]["score"], found[honest]["passed"], found[honest]["attempt"]) == (3, True, 2)
    assert (found[forged_exam]["score"], found[forged_exam]["max_score"], found[forged_exam]["passed"]) == (0, 3, False)
    stored = server.sql("SELECT score, passed, reason FROM attempt_grades ORDER BY rid")
    assert (0, 0, None) in [tuple(row) for row in stored]


def test_an_attempt_beyond_those_allowed_does_not_count(server: ServerProcess, learner: UserSession) -> None:
    quiz = _manifest(server).quizzes[0]
    assert quiz.attempts == 3
    ids = _send(learner, *[("quiz", "lesson-1", _body(quiz, 20 + n, right=n == 3, attempt=n + 1)) for n in range(4)])
    found = _entries(learner)
    assert [(found[i]["attempt"], found[i]["reason"], found[i]["passed"]) for i in ids] == [
        (1, None, False), (2, None, False), (3, None, False), (4, "over_attempts", False)]
    assert found[ids[3]]["score"] == found[ids[3]]["max_score"] == 3  # graded, right, yet one too many
    report = server.cli("records", "flagged", "--user", learner.username).stdout
    assert f"({ids[3]}) {COURSE} quiz lesson-1, attempt 4: over_attempts (more attempts than" in report
    assert report.startswith(f"{learner.username}: 1 flagged")


def test_attempts_are_counted_across_the_persons_pcs(server: ServerProcess, learner: UserSession,
                                                       tmp_path: Path) -> None:
    quiz = _manifest(server).quizzes[0]
    _send(learner, *[("quiz", "lesson-1", _body(quiz, 30 + n, right=False, attempt=n + 1)) for n in range(3)])
    other = AuthService(tmp_path / "pc2", SiteConfig(server_url=server.url)).sign_in(learner.username, "pass-word")
    [late] = _send(other, ("quiz", "lesson-1", _body(quiz, 40, right=True)))
    assert _entries(other)[late]["reason"] == "over_attempts"


def test_an_exam_past_its_time_limit_does_not_count(server: ServerProcess, learner: UserSession) -> None:
    exam = _manifest(server).exam
    assert exam is not None and exam.time_limit_s == 1800
    [late, in_grace] = _send(learner, ("exam", None, _body(exam, 50, right=True, elapsed_ms=3_600_000)),
                             ("exam", None, _body(exam, 51, right=True, elapsed_ms=1_829_000)))
    found = _entries(learner)
    assert (found[late]["score"], found[late]["reason"], found[late]["passed"]) == (3, "over_time", False)
    assert (found[in_grace]["reason"], found[in_grace]["passed"]) == (None, True)


def test_unknown_and_ungradable_attempts_are_stored_and_flagged(server: ServerProcess, learner: UserSession) -> None:
    m = _manifest(server)
    quiz = m.quizzes[0]
    unknown_version = {**_body(quiz, 60, right=True), "version": 9}
    bad_answers = {**_body(quiz, 61, right=True), "answers": {"nope": 1}}
    not_an_attempt = {"quiz_id": "lesson-1", "score": 100, "passed": True}
    exam_as_quiz = {**_body(quiz, 62, right=True), "quiz_id": "exam"}
    ids = _send(learner, ("quiz", "lesson-1", unknown_version), ("quiz", "lesson-1", bad_answers),
                ("quiz", "lesson-1", not_an_attempt), ("quiz", "lesson-1", exam_as_quiz))
    found = _entries(learner)
    assert [(found[i]["reason"], found[i]["passed"], found[i]["score"]) for i in ids] == [
        ("unknown_assessment", False, 0), ("ungradable", False, 0), ("ungradable", False, 0),
        ("unknown_assessment", False, 0)]
    assert learner.outbox().rejected() == []  # stored: nothing honest is refused for good


def _draw(s: UserSession, quiz: Assessment, seed: int, attempt: int) -> None:
    """A ``paper`` record as a PC signs it when it draws a new attempt's paper."""
    s.outbox().append(PAPER_RECORD, COURSE, quiz.lesson, PaperDrawn(quiz.id, 1, attempt, seed).to_dict(), v=V2)


def test_a_second_paper_drawn_for_the_same_attempt_does_not_count(server: ServerProcess, learner: UserSession) -> None:
    # a modified client (or one whose open attempt was deleted before papers were counted) draws
    # paper 1, does not like it, draws again for the same attempt number and submits the second
    quiz = _manifest(server).quizzes[0]
    _draw(learner, quiz, 70, 1)
    _draw(learner, quiz, 71, 1)
    [redrawn] = _send(learner, ("quiz", "lesson-1", _body(quiz, 71, right=True, attempt=1)))
    found = _entries(learner)[redrawn]
    assert (found["score"], found["max_score"], found["passed"], found["reason"]) == (3, 3, False, "redrawn")
    report = server.cli("records", "flagged", "--user", learner.username).stdout
    assert f"({redrawn}) {COURSE} quiz lesson-1, attempt 2: redrawn (another paper was drawn" in report
    # the first paper submitted afterwards is refused as well: it was thrown away for the second
    [first] = _send(learner, ("quiz", "lesson-1", _body(quiz, 70, right=True, attempt=1)))
    assert _entries(learner)[first]["reason"] == "redrawn"


def test_deleting_the_open_attempt_to_redraw_uses_up_the_attempts(server: ServerProcess,
                                                                  learner: UserSession) -> None:
    # the real client code: each new attempt signs its paper before it is shown; the learner
    # deletes the open attempt from the PC's database after each draw to get another paper
    quiz = _manifest(server).quizzes[0]
    ob = learner.outbox()
    seeds = []
    for _ in range(quiz.attempts):
        used = attempts_used(ob.conn, COURSE, quiz.id, QUIZ)
        assert quiz.attempts_left(used) != 0
        drawn = start_attempt(ob.conn, COURSE, quiz.id, QUIZ, outbox=ob, lesson_id=quiz.lesson, version=1,
                              number=used + 1)
        seeds.append(drawn.seed)
        ob.conn.execute("DELETE FROM open_attempts")
        ob.conn.commit()
    assert attempts_used(ob.conn, COURSE, quiz.id, QUIZ) == 3
    assert quiz.attempts_left(3) == 0  # the app offers no fourth paper
    # the last paper drawn is still attempt 3: submitting it is an honest, graded last attempt
    # and a brand-new paper claiming attempt 3 is refused
    forged = _body(quiz, 99, right=True, attempt=3)
    honest = _body(quiz, seeds[2], right=True, attempt=3)
    [forged_id, honest_id] = _send(learner, ("quiz", "lesson-1", forged), ("quiz", "lesson-1", honest))
    found = _entries(learner)
    assert (found[forged_id]["reason"], found[forged_id]["passed"]) == ("redrawn", False)
    assert (found[honest_id]["attempt"], found[honest_id]["reason"], found[honest_id]["passed"]) == (3, None, True)


def test_a_paper_never_submitted_is_an_attempt_used(server: ServerProcess, learner: UserSession) -> None:
    quiz = _manifest(server).quizzes[0]
    for n in range(3):
        _draw(learner, quiz, 80 + n, n + 1)
    [fourth] = _send(learner, ("quiz", "lesson-1", _body(quiz, 90, right=True, attempt=4)))
    found = _entries(learner)[fourth]
    assert (found["attempt"], found["reason"], found["passed"]) == (4, "over_attempts", False)
