"""Quizzes and the exam through the real publish code and command: the sealed manifest holds no
readable answer, the clear key lands in the server's key folder (never served), the client's
offline grade and the server's grade agree on the published course, and a bad question is named."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import requests

from server.config import ServerConfig
from server.publish import answer_key_path
from sync.protocol.assessment import AnswerKey, AttemptBody, attempt_body, draw_paper, grade_authoritative
from sync.protocol.errors import FormatError
from sync.protocol.manifest import Manifest
from tests.support.courses import (
    QUIZ_AND_EXAM,
    QUIZ_AND_EXAM_ANSWERS,
    publish_source,
    publisher_keys,
    random_bytes,
    write_course_source,
)
from tests.support.server_process import ServerProcess


def _right(assessment_id: str, question_id: str) -> object:
    value = QUIZ_AND_EXAM_ANSWERS[assessment_id][question_id]
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return [accepted[-1] for accepted in value]  # a learner types the last accepted text of each blank
    return list(value) if isinstance(value, tuple) else value


def test_the_manifest_is_sealed_and_the_key_stays_on_the_server(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    src = write_course_source(tmp_path / "src", "sealed", [random_bytes(300, 1)], assessments=QUIZ_AND_EXAM)
    server.cli("keys", "init")
    published = server.cli("publish", str(src))
    assert "1 quizzes, an exam" in published.stdout
    config = ServerConfig(server.data_dir)
    key_file = answer_key_path(config.answer_keys_dir, "sealed", 1)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not key_file.resolve().is_relative_to(config.repo_dir.resolve())
    key = AnswerKey.parse(key_file.read_bytes())
    assert (key.course_id, key.version, key.answers) == ("sealed", 1, QUIZ_AND_EXAM_ANSWERS)

    server.start()
    try:
        data = requests.get(f"{server.url}/repo/manifests/sealed/1.json", timeout=5).content
        for path in ("keys/answers/sealed/1.json", "../keys/answers/sealed/1.json", "..%2Fkeys/answers/sealed/1.json"):
            assert requests.get(f"{server.url}/repo/{path}", timeout=5).status_code == 404
    finally:
        server.stop()
    for texts in ("一九三五", "贵州遵义", "真理", '"answer'):
        assert texts.encode() not in data
    manifest = Manifest.parse_verified(data, publisher_keys(server.data_dir))
    quiz, exam = manifest.quizzes[0], manifest.exam
    assert exam is not None and (quiz.name, quiz.lesson, quiz.attempts, exam.time_limit_s, exam.draw) == (
        "quiz:lesson-1", "lesson-1", 3, 1800, 3)

    # the client grades on the spot from the manifest alone; the server, from its key, agrees
    for assessment in (quiz, exam):
        paper = draw_paper(assessment, 20260301)
        answers = {qid: _right(assessment.id, qid) for qid in paper.question_ids()}
        body, offline = attempt_body(assessment, manifest.version, paper, answers, attempt=1,
                                     started_at="2026-03-01T08:00:00.000Z", submitted_at="2026-03-01T08:04:00.000Z",
                                     elapsed_ms=240_000)
        assert offline.passed and offline.score == offline.max_score
        server_grade = grade_authoritative(key, assessment, AttemptBody.from_dict(body.to_dict()))
        assert (server_grade.score, server_grade.passed) == (offline.score, True)


def test_republishing_the_same_quizzes_changes_nothing(tmp_path: Path) -> None:
    src = write_course_source(tmp_path / "src", "same", [random_bytes(300, 2)], assessments=QUIZ_AND_EXAM)
    first = publish_source(tmp_path / "data", src)
    again = publish_source(tmp_path / "data", src)
    assert again.unchanged and again.manifest == first.manifest


BAD_QUESTIONS = [
    ("multiple", '"A"', 'options = ["a", "b", "c"]',
     "quiz q2 of lesson lesson-3, question 4: multiple choice needs at least two right options"),
    ("single", '"D"', 'options = ["a", "b", "c"]',
     "quiz q2 of lesson lesson-3, question 4: answer 'D' names no option (the options are A to C)"),
    ("single", '"AB"', 'options = ["a", "b", "c"]',
     "quiz q2 of lesson lesson-3, question 4: single choice needs exactly one right option"),
    ("true_false", '"yes"', "", "quiz q2 of lesson lesson-3, question 4: true/false needs answer = true or false"),
    ("fill", '["a", "b"]', "",
     "quiz q2 of lesson lesson-3, question 4: the text marks 1 blank(s) with ____ but the answer fills 2"),
    ("essay", '"x"', "", "quiz q2 of lesson lesson-3, question 4: kind must be one of"),
]


def _bad_quiz(kind: str, answer: str, options: str) -> str:
    good = "\n".join(f'[[quizzes.questions]]\nkind = "true_false"\ntext = "第{i}题"\nanswer = true' for i in (1, 2, 3))
    return (f'[[quizzes]]\nid = "q2"\nlesson = "lesson-3"\n{good}\n[[quizzes.questions]]\nkind = "{kind}"\n'
            f'text = "填空____"\n{options}\nanswer = {answer}\n')


def test_the_publish_command_names_the_bad_question_and_publishes_nothing(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    kind, answer, options, message = BAD_QUESTIONS[0]
    src = write_course_source(tmp_path / "src", "bad", [random_bytes(100, i) for i in range(3)],
                              assessments=_bad_quiz(kind, answer, options))
    server.cli("keys", "init")
    failed = server.cli("publish", str(src), check=False)
    assert failed.returncode == 1 and message in failed.stderr
    config = ServerConfig(server.data_dir)
    assert not (config.repo_dir / "manifests").exists() and not config.answer_keys_dir.exists()


@pytest.mark.parametrize(("kind", "answer", "options", "message"), BAD_QUESTIONS[1:])
def test_publish_names_each_kind_of_bad_question(tmp_path: Path, kind: str, answer: str, options: str,
                                                 message: str) -> None:
    src = write_course_source(tmp_path / "src", "bad", [random_bytes(100, i) for i in range(3)],
                              assessments=_bad_quiz(kind, answer, options))
    with pytest.raises(FormatError) as err:
        publish_source(tmp_path / "data", src)
    assert message in err.value.detail


@pytest.mark.parametrize(("assessments", "message"), [
    ('[[quizzes]]\nlesson = "lesson-9"\n[[quizzes.questions]]\nkind = "true_false"\ntext = "?"\nanswer = true\n',
     "lesson 'lesson-9' is not a lesson of this course"),
    ('[exam]\n[[exam.questions]]\nkind = "true_false"\ntext = "?"\nanswer = true\n', "the exam needs a time limit"),
    ('[exam]\ntime_limit_min = 5\ndraw = 2\n[[exam.questions]]\nkind = "true_false"\ntext = "?"\nanswer = true\n',
     "draw must be 0 (all) to 1"),
    ('[exam]\ntime_limit_min = 5\n[[exam.questions]]\nkind = "true_false"\ntext = "?"\nanswer = true\nhint = "x"\n',
     "the exam, question 1: unknown keys ['hint']"),
    ('[[quizzes]]\nlesson = "lesson-1"\n[[quizzes.questions]]\nkind = "true_false"\ntext = "?"\nanswer = true\n'
     '[[quizzes]]\nlesson = "lesson-1"\n[[quizzes.questions]]\nkind = "true_false"\ntext = "?"\nanswer = true\n',
     "another quiz has the id 'lesson-1'"),
    ('[[quizzes]]\nlesson = "lesson-1"\ncost = 9\n[[quizzes.questions]]\nkind = "true_false"\ntext = "?"\n'
     'answer = true\n',
     "quiz lesson-1 of lesson lesson-1: the scrypt cost must be a whole number from 10 to 16 (log2 of N), not 9"),
    ('[exam]\ntime_limit_min = 5\ncost = 17\n[[exam.questions]]\nkind = "true_false"\ntext = "?"\nanswer = true\n',
     "the exam: the scrypt cost must be a whole number from 10 to 16 (log2 of N), not 17"),
    ('[exam]\ntime_limit_min = 5\ncost = "14"\n[[exam.questions]]\nkind = "true_false"\ntext = "?"\n'
     'answer = true\n', "the exam: the scrypt cost must be a whole number from 10 to 16 (log2 of N), not '14'"),
])
def test_publish_names_a_bad_quiz_or_exam(tmp_path: Path, assessments: str, message: str) -> None:
    src = write_course_source(tmp_path / "src", "bad", [random_bytes(100, 1)], assessments=assessments)
    with pytest.raises(FormatError) as err:
        publish_source(tmp_path / "data", src)
    assert message in err.value.detail


def test_an_assessment_without_a_cost_is_sealed_at_14_and_one_with_a_cost_at_its_own(tmp_path: Path) -> None:
    quiz = ('[[quizzes]]\nlesson = "lesson-1"\n{cost}[[quizzes.questions]]\nkind = "fill"\ntext = "____"\n'
            'answer = "答案"\n')
    for cost, expected in (("", 14), ("cost = 11\n", 11)):
        src = write_course_source(tmp_path / f"src{expected}", "costed", [random_bytes(100, 1)],
                                  assessments=quiz.format(cost=cost))
        (sealed,) = publish_source(tmp_path / f"data{expected}", src).manifest.quizzes
        assert sealed.cost == expected
        paper = draw_paper(sealed, 1)
        _, grade = attempt_body(sealed, 1, paper, {"q1": ["答案"]}, attempt=1, started_at="2026-03-01T08:00:00.000Z",
                                submitted_at="2026-03-01T08:01:00.000Z", elapsed_ms=60_000)
        assert grade.passed  # the learner's text, digested at that cost, matches the seal


def test_assignments_count_only_what_completing_the_course_takes(tmp_path: Path) -> None:
    from server.assignments import published_courses

    optional = ('[[quizzes]]\nlesson = "lesson-2"\nrequired = false\n[[quizzes.questions]]\nkind = "true_false"\n'
                'text = "?"\nanswer = true\n')
    src = write_course_source(tmp_path / "src", "counted", [random_bytes(100, 1), random_bytes(100, 2)],
                              assessments=QUIZ_AND_EXAM + optional)
    publish_source(tmp_path / "data", src)
    info = published_courses(ServerConfig(tmp_path / "data").repo_dir)["counted"]
    assert (info["quizzes"], info["exam"]) == (1, True)


def test_a_course_whose_latest_manifest_has_unsealed_quizzes_is_published_anew(tmp_path: Path) -> None:
    import json

    src = write_course_source(tmp_path / "src", "legacy", [random_bytes(100, 1)], assessments=QUIZ_AND_EXAM)
    first = publish_source(tmp_path / "data", src)
    old = json.loads(first.path.read_bytes())
    old["quizzes"] = [{"lesson": "lesson-1", "questions": [{"id": "q1", "text": "?", "answer": 0}]}]
    first.path.write_text(json.dumps(old), encoding="utf-8")  # as published before quizzes were sealed
    again = publish_source(tmp_path / "data", src)
    assert not again.unchanged and again.manifest.version == 2 and again.manifest.quizzes
