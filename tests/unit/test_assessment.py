"""The quiz and exam model: every question kind, the seeded paper, the sealed key, offline and
authoritative grading, the attempt body."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol.assessment import (
    EXAM,
    FILL,
    MULTIPLE,
    QUIZ,
    REVEAL_ALWAYS,
    REVEAL_FINAL,
    REVEAL_NEVER,
    SINGLE,
    TRUE_FALSE,
    AnswerKey,
    Assessment,
    AttemptBody,
    Question,
    attempt_body,
    draw_paper,
    grade_authoritative,
    grade_offline,
    normalise,
    right_answers,
    seal,
)
from sync.protocol.canonical import canonical_bytes, canonical_bytes_v2
from sync.protocol.errors import FormatError

SALT = bytes(range(32))
COST = 10  # the lowest work factor: these tests hash thousands of guesses

QUESTIONS = (
    Question("s1", SINGLE, "哪一项正确？", ("甲", "乙", "丙", "丁"), points=2),
    Question("m1", MULTIPLE, "哪些正确？", ("A 项", "B 项", "C 项", "D 项", "E 项"), points=3),
    Question("t1", TRUE_FALSE, "地球是圆的。"),
    Question("f1", FILL, "党的____年成立于____。", points=4, blanks=2),
)
RIGHT: dict[str, Any] = {"s1": 1, "m1": [0, 3, 4], "t1": True, "f1": [["1921"], ["上海", "上海市"]]}


def _quiz(**changes: Any) -> Assessment:
    draft = Assessment(QUIZ, "lesson-1", "第一课测验", QUESTIONS, lesson="lesson-1")
    return seal(replace(draft, **changes), RIGHT, SALT, cost=COST)


def _key(assessment: Assessment, version: int = 3) -> AnswerKey:
    return AnswerKey("course", version, {assessment.id: right_answers(assessment, RIGHT)})


ALL_RIGHT: dict[str, Any] = {"s1": 1, "m1": [4, 0, 3], "t1": True, "f1": ["1921", "上海"]}


def test_every_kind_scores_when_right_and_the_paper_sums_the_points() -> None:
    quiz = _quiz()
    paper = draw_paper(quiz, 7)
    grade = grade_offline(quiz, paper, ALL_RIGHT)
    assert (grade.score, grade.max_score, grade.percent, grade.passed) == (10, 10, 100, True)
    assert {r.question_id: r.correct for r in grade.results} == dict.fromkeys(RIGHT, True)


@pytest.mark.parametrize(("question_id", "wrong"), [
    ("s1", 0), ("m1", [0, 3]), ("m1", [0, 1, 3, 4]), ("m1", []), ("t1", False),
    ("f1", ["1921", "北京"]), ("f1", ["1922", "上海"]), ("f1", ["", "上海"]), ("f1", ["1921", "   "]),
])
def test_a_wrong_answer_of_each_kind_scores_nothing(question_id: str, wrong: Any) -> None:
    quiz = _quiz()
    paper = draw_paper(quiz, 7)
    grade = grade_offline(quiz, paper, {**ALL_RIGHT, question_id: wrong})
    result = next(r for r in grade.results if r.question_id == question_id)
    assert not result.correct and result.points == 0
    assert grade.score == 10 - result.max_points


def test_an_unanswered_question_is_wrong_and_the_pass_line_is_exact() -> None:
    quiz = _quiz(pass_score=60)
    paper = draw_paper(quiz, 1)
    only_fill_and_single = grade_offline(quiz, paper, {"f1": ["1921", "上海市"], "s1": 1})
    assert (only_fill_and_single.score, only_fill_and_single.passed) == (6, True)  # 60 % exactly
    assert not grade_offline(quiz, paper, {"f1": ["1921", "上海市"], "t1": True}).passed  # 5 of 10
    assert grade_offline(quiz, paper, {}).score == 0


@pytest.mark.parametrize("typed", [["１９２１", "上海"], [" 1921 ", "上海市 "], ["1921", "\u3000上海\u3000"]])
def test_fill_in_compares_normalised_text(typed: list[str]) -> None:
    quiz = _quiz()
    grade = grade_offline(quiz, draw_paper(quiz, 2), {"f1": typed})
    assert [r.correct for r in grade.results if r.question_id == "f1"] == [True]


def test_normalise_folds_width_case_and_spaces() -> None:
    assert normalise("  ＡＢｃ\u3000 Def\t") == "abc def"
    assert normalise("Straße") == normalise("STRASSE")
    assert normalise("ｶﾀｶﾅ") == "カタカナ"


def test_offline_grade_reveals_choice_answers_but_not_fill_in() -> None:
    quiz = _quiz()
    grade = grade_offline(quiz, draw_paper(quiz, 3), {})
    rights = {r.question_id: r.right for r in grade.results}
    assert rights == {"s1": 1, "m1": (0, 3, 4), "t1": True, "f1": None}


def test_the_server_grade_carries_every_right_answer() -> None:
    quiz = _quiz()
    paper = draw_paper(quiz, 3)
    body, _ = attempt_body(quiz, 3, paper, {}, attempt=1, started_at="s", submitted_at="t", elapsed_ms=1)
    grade = grade_authoritative(_key(quiz), quiz, body)
    assert {r.question_id: r.right for r in grade.results} == {
        "s1": 1, "m1": (0, 3, 4), "t1": True, "f1": (("1921",), ("上海", "上海市"))}


def test_the_sealed_assessment_holds_no_right_answer_text() -> None:
    sealed = canonical_bytes(_quiz().to_dict())
    for text in ("1921", "上海", "上海市"):
        assert text.encode() not in sealed
    assert b'"answer' not in sealed


# -- validation at publish time ------------------------------------------------------------
@pytest.mark.parametrize(("question", "right", "message"), [
    (Question("x", MULTIPLE, "?", ("a", "b", "c")), [1], "multiple choice needs at least two right options"),
    (Question("x", MULTIPLE, "?", ("a", "b", "c")), [1, 5], "a right option names no option"),
    (Question("x", SINGLE, "?", ("a", "b")), 2, "single choice needs exactly one right option"),
    (Question("x", SINGLE, "?", ("a",)), 0, "single choice needs 2 to 10 options"),
    (Question("x", SINGLE, "?", ("a", "Ａ")), 0, "two options read the same"),
    (Question("x", TRUE_FALSE, "?"), 1, "true/false needs answer = true or false"),
    (Question("x", TRUE_FALSE, "?", ("yes", "no")), True, "true_false takes no options"),
    (Question("x", FILL, "__ and __?", blanks=2), [["a"]], "fill-in-the-blank needs one answer per blank (2)"),
    (Question("x", FILL, "____?", blanks=1), [["  "]], "blank 1 has an empty or over-long answer"),
    (Question("x", FILL, "?", blanks=0), [], "fill-in-the-blank needs 1 to 10 blanks"),
    (Question("x", FILL, "＿＿ 与 ____", blanks=1), [["a"]],
     "the text marks 2 blank(s) with ____ but the answer fills 1"),
    (Question("x", SINGLE, " ", ("a", "b")), 0, "text is required"),
    (Question("x", SINGLE, "?", ("a", "b"), points=0), 0, "points must be a whole number from 1 to 100"),
    (Question("x", "essay", "?"), "", "kind must be one of single, multiple, true_false, fill"),
])
def test_a_bad_question_is_named_with_its_fault(question: Question, right: Any, message: str) -> None:
    bank = (Question("ok", TRUE_FALSE, "?"), Question("ok2", TRUE_FALSE, "?"), Question("ok3", TRUE_FALSE, "?"),
            question)
    quiz = Assessment(QUIZ, "q2", "", bank, lesson="l3")
    with pytest.raises(FormatError) as err:
        seal(quiz, {"ok": True, "ok2": True, "ok3": False, "x": right}, SALT, cost=COST)
    assert err.value.detail.startswith(f"quiz q2 of lesson l3, question 4: {message}")


@pytest.mark.parametrize(("changes", "message"), [
    ({"draw": 5}, "draw must be 0 (all) to 4"),
    ({"pass_score": 101}, "pass_score must be a percent"),
    ({"attempts": -1}, "attempts must be 0 (unlimited)"),
    ({"reveal": "sometimes"}, "reveal must be one of never, always, final"),
    ({"questions": ()}, "needs 1 to 200 questions"),
    ({"questions": (*QUESTIONS, QUESTIONS[0])}, "question 5: id 's1' is used twice"),
])
def test_a_bad_assessment_is_named(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(FormatError, match=r"^quiz lesson-1 of lesson lesson-1"):
        _quiz(**changes)
    with pytest.raises(FormatError) as err:
        _quiz(**changes)
    assert message in err.value.detail


def test_an_exam_needs_a_time_limit() -> None:
    exam = Assessment(EXAM, "exam", "结业考试", QUESTIONS)
    with pytest.raises(FormatError, match="the exam: the exam needs a time limit"):
        seal(exam, RIGHT, SALT, cost=COST)
    assert seal(replace(exam, time_limit_s=1800), RIGHT, SALT, cost=COST).name == "exam"


def test_the_sealed_form_round_trips_and_is_parsed_strictly() -> None:
    quiz = _quiz(draw=3, reveal=REVEAL_ALWAYS, attempts=2, time_limit_s=600)
    obj = json.loads(canonical_bytes(quiz.to_dict()))
    assert Assessment.from_dict(obj, "quiz") == quiz
    with pytest.raises(FormatError, match="not sealed"):
        Assessment.from_dict({**obj, "salt": ""}, "quiz")
    with pytest.raises(FormatError, match="seal"):
        Assessment.from_dict({**obj, "questions": [{**obj["questions"][0], "seal": [["answer=1"]]}]}, "quiz")
    with pytest.raises(FormatError, match="unknown fields"):
        Assessment.from_dict({**obj, "questions": [{**obj["questions"][0], "answer": 1}]}, "quiz")
    with pytest.raises(FormatError, match="fields must be exactly"):
        Assessment.from_dict({**obj, "answers": {}}, "quiz")


# -- the paper ------------------------------------------------------------------------------
def _bank(n: int) -> tuple[Question, ...]:
    return tuple(Question(f"q{i}", SINGLE, f"第{i}题", ("a", "b", "c", "d")) for i in range(n))


def _big_quiz(draw: int = 5, shuffle: bool = True) -> Assessment:
    draft = Assessment(QUIZ, "bank", "", _bank(20), draw=draw, shuffle_options=shuffle)
    return seal(draft, {f"q{i}": i % 4 for i in range(20)}, SALT, cost=COST)


def test_the_same_seed_draws_the_same_paper_and_others_differ() -> None:
    quiz = _big_quiz()
    paper = draw_paper(quiz, 2**53 - 1)
    assert paper == draw_paper(quiz, 2**53 - 1)
    assert len(paper.items) == 5 and len(set(paper.question_ids())) == 5
    assert all(sorted(item.option_order) == [0, 1, 2, 3] for item in paper.items)
    others = {draw_paper(quiz, seed).question_ids() for seed in range(30)}
    assert len(others) == 30


def _reference_paper(assessment_id: str, seed: int, bank: int, draw: int, options: int) -> list[tuple[int, list[int]]]:
    """The draw as the module text specifies it, written out independently."""
    words: list[int] = []
    block = 0

    def below(n: int) -> int:
        nonlocal block
        while True:
            if not words:
                prefix = b"studydesk-paper\0"
                digest = hashlib.sha256(prefix + canonical_bytes_v2([assessment_id, seed, block])).digest()
                words.extend(int.from_bytes(digest[i:i + 8], "big") for i in (0, 8, 16, 24))
                block += 1
            word = words.pop(0)
            if word < 2**64 - (2**64 % n):
                return word % n

    def shuffle(m: int) -> list[int]:
        items = list(range(m))
        for i in range(m - 1, 0, -1):
            j = below(i + 1)
            items[i], items[j] = items[j], items[i]
        return items

    chosen = shuffle(bank)[:draw]
    return [(index, shuffle(options)) for index in chosen]


@pytest.mark.parametrize("seed", [0, 42, 2**53 - 1])
def test_the_draw_follows_the_published_algorithm(seed: int) -> None:
    """Another implementation (or the server) re-creates a paper from the module text alone."""
    paper = draw_paper(_big_quiz(), seed)
    expected = _reference_paper("bank", seed, 20, 5, 4)
    assert [(item.question_id, list(item.option_order)) for item in paper.items] == [
        (f"q{index}", order) for index, order in expected]


def test_draw_zero_takes_the_whole_bank_and_options_stay_put_when_asked() -> None:
    quiz = _big_quiz(draw=0, shuffle=False)
    paper = draw_paper(quiz, 5)
    assert sorted(paper.question_ids()) == sorted(q.id for q in quiz.questions)
    assert {item.option_order for item in paper.items} == {(0, 1, 2, 3)}


@pytest.mark.parametrize("seed", [-1, 2**53, True, 1.5])
def test_a_seed_outside_the_integer_range_is_refused(seed: Any) -> None:
    with pytest.raises(FormatError, match="seed"):
        draw_paper(_big_quiz(), seed)


def test_a_paper_that_is_not_its_seeds_paper_is_refused() -> None:
    quiz = _big_quiz()
    paper = draw_paper(quiz, 9)
    forged = replace(paper, items=paper.items[1:] + paper.items[:1])
    with pytest.raises(FormatError, match="not the one its seed draws"):
        grade_offline(quiz, forged, {})


def test_an_answer_to_a_question_not_on_the_paper_is_refused() -> None:
    quiz = _big_quiz()
    paper = draw_paper(quiz, 9)
    missing = next(q.id for q in quiz.questions if q.id not in paper.question_ids())
    with pytest.raises(FormatError, match="not on the paper"):
        grade_offline(quiz, paper, {missing: 0})


# -- attempts: offline and server agree; the claim is never believed ------------------------
answer_values = st.one_of(
    st.integers(0, 4), st.booleans(), st.lists(st.integers(0, 4), unique=True, max_size=5),
    st.lists(st.sampled_from(["1921", "１９２１", "上海", "上海市", " 上海 ", "北京", "", "SHANGHAI"]),
             min_size=2, max_size=2))


def _fits(q: Question, value: Any) -> bool:
    try:
        q.check_answer(value, "")
    except FormatError:
        return False
    return True


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**53 - 1), draw=st.integers(0, 4), pass_score=st.integers(0, 100),
       answers=st.dictionaries(st.sampled_from(["s1", "m1", "t1", "f1"]), answer_values))
def test_offline_and_server_grades_agree(seed: int, draw: int, pass_score: int, answers: dict[str, Any]) -> None:
    quiz = _quiz(draw=draw, pass_score=pass_score)
    paper = draw_paper(quiz, seed)
    answers = {q: a for q, a in answers.items() if q in paper.question_ids() and _fits(quiz.question(q), a)}
    body, offline = attempt_body(quiz, 3, paper, answers, attempt=1, started_at="2026-03-01T08:00:00.000Z",
                                 submitted_at="2026-03-01T08:05:00.000Z", elapsed_ms=300_000)
    recorded = AttemptBody.from_dict(json.loads(canonical_bytes_v2(body.to_dict())))
    server = grade_authoritative(_key(quiz), quiz, recorded)
    assert (server.score, server.max_score, server.passed) == (offline.score, offline.max_score, offline.passed)
    assert [(r.question_id, r.correct) for r in server.results] == [(r.question_id, r.correct) for r in offline.results]
    assert (recorded.score, recorded.passed) == (offline.score, offline.passed)


def test_a_forged_score_or_passed_is_not_believed() -> None:
    quiz = _quiz()
    paper = draw_paper(quiz, 11)
    body, _ = attempt_body(quiz, 3, paper, {"t1": False}, attempt=2, started_at="a", submitted_at="b", elapsed_ms=5)
    forged = AttemptBody.from_dict({**body.to_dict(), "score": 10, "max_score": 10, "passed": True})
    grade = grade_authoritative(_key(quiz), quiz, forged)
    assert (grade.score, grade.passed) == (0, False)


def test_the_server_refuses_an_attempt_for_another_quiz_or_version() -> None:
    quiz = _quiz()
    body, _ = attempt_body(quiz, 3, draw_paper(quiz, 1), {}, attempt=1, started_at="a", submitted_at="b",
                           elapsed_ms=0)
    with pytest.raises(FormatError, match="version 3"):
        grade_authoritative(_key(quiz, version=4), quiz, body)
    with pytest.raises(FormatError, match="not quiz other"):
        grade_authoritative(_key(quiz), replace(quiz, id="other"), body)
    with pytest.raises(FormatError, match="no key"):
        grade_authoritative(AnswerKey("course", 3, {}), quiz, body)


def test_the_answer_key_round_trips() -> None:
    key = _key(_quiz())
    assert AnswerKey.parse(key.to_bytes()) == key


def _body(**changes: Any) -> dict[str, Any]:
    base = {"quiz_id": "lesson-1", "version": 1, "attempt": 1, "seed": 5, "answers": {"s1": 1},
            "started_at": "2026-03-01T08:00:00.000Z", "submitted_at": "2026-03-01T08:05:00.000Z",
            "elapsed_ms": 1000, "score": 2, "max_score": 10, "passed": False}
    return {**base, **changes}


@pytest.mark.parametrize("changes", [
    {"seed": 2**53}, {"seed": 1.0}, {"attempt": 0}, {"version": 0}, {"elapsed_ms": -1}, {"passed": 1},
    {"answers": {"s1": 1.5}}, {"answers": {"s1": ["x" * 201]}}, {"answers": {"s1": ["a"] * 11}},
    {"answers": {"../x": 1}}, {"answers": {f"q{i}": 1 for i in range(201)}}, {"quiz_id": ""},
    {"started_at": "x" * 41}, {"extra": 1},
])
def test_an_attempt_body_out_of_bounds_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(FormatError):
        AttemptBody.from_dict(_body(**changes))


def test_an_attempt_body_is_a_v2_body() -> None:
    body = AttemptBody.from_dict(_body(answers={"s1": 1, "m1": [0, 2], "t1": True, "f1": ["a", "b"]}))
    canonical_bytes_v2(body.to_dict())
    assert body.answers == {"s1": 1, "m1": (0, 2), "t1": True, "f1": ("a", "b")}


@pytest.mark.parametrize(("reveal", "attempts", "passed", "used", "shown"), [
    (REVEAL_NEVER, 0, True, 5, False),
    (REVEAL_ALWAYS, 3, False, 1, True),
    (REVEAL_FINAL, 3, False, 2, False),
    (REVEAL_FINAL, 3, False, 3, True),
    (REVEAL_FINAL, 3, True, 1, True),
    (REVEAL_FINAL, 0, False, 50, False),
])
def test_the_reveal_policy(reveal: str, attempts: int, passed: bool, used: int, shown: bool) -> None:
    assert _quiz(reveal=reveal, attempts=attempts).may_reveal(passed, used) is shown
