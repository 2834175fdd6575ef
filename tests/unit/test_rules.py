"""The credit rules engine with exact figures: when a course counts, what it gives under each
method (the issue's tiers: >= 30 min 1, 15-30 min 0.5, < 15 min 0.25, +0.5 for its test; 1 hour =
1 unit), the year it counts for, the yearly standing against 必修 40 / 选修 10 and 50 学时 targets
with the elective carry-over, and a training class's 3:3:4 score. Properties: adding evidence
never lowers credit, and every total is the sum of its parts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol.rules import (
    DEFAULT_RULES,
    ClassEvidence,
    ClassFacts,
    ClassScoring,
    Counting,
    CourseEvidence,
    CourseFacts,
    CourseOutcome,
    CreditMethod,
    CreditRules,
    LessonEvidence,
    LessonFacts,
    Rules,
    YearRules,
    YearTarget,
    class_score,
    course_outcome,
    lesson_done,
    percent,
    year_summary,
)

DAY = date(2026, 5, 10)


def _course(*minutes: float, quizzes: tuple[str, ...] = (), exam: bool = False, credit: str = "0",
            required: bool = True, ratio: float = 0.9, course_id: str = "c") -> CourseFacts:
    lessons = tuple(LessonFacts(f"l{i}", m * 60) for i, m in enumerate(minutes, start=1))
    return CourseFacts(course_id, lessons, ratio, quizzes, exam, D(credit), required)


def _all_watched(facts: CourseFacts, on: date = DAY, *, quizzes: bool = True, exam: bool = True) -> CourseEvidence:
    return CourseEvidence({lesson.lesson_id: LessonEvidence(lesson.duration_s, on) for lesson in facts.lessons},
                          {q: on for q in facts.quizzes} if quizzes else {},
                          on if exam and facts.has_exam else None)


def _rules(method: CreditMethod) -> Rules:
    return replace(DEFAULT_RULES, credit=replace(DEFAULT_RULES.credit, method=method))


# -- what a course gives ----------------------------------------------------------------------

@pytest.mark.parametrize(("minutes", "tests", "credit"), [
    pytest.param((45,), True, "1.5", id="45 min with its test passed: 1 + 0.5"),
    pytest.param((20, 10), False, "1", id="30 min in two lessons, no test: 1"),
    pytest.param((30,), False, "1", id="exactly 30 min: 1"),
    pytest.param((29.99,), False, "0.5", id="just under 30 min: 0.5"),
    pytest.param((15,), True, "1", id="exactly 15 min with its test: 0.5 + 0.5"),
    pytest.param((14.99,), False, "0.25", id="just under 15 min: 0.25"),
    pytest.param((5,), True, "0.75", id="5 min with its test: 0.25 + 0.5"),
])
def test_duration_tiers_and_the_test_bonus(minutes: tuple[float, ...], tests: bool, credit: str) -> None:
    facts = _course(*minutes, quizzes=("quiz:a",) if tests else ())
    outcome = course_outcome(facts, _all_watched(facts), _rules("tiers"))
    assert outcome.counts and outcome.credit == D(credit)


def test_the_tier_bonus_needs_every_test_passed_when_quizzes_do_not_decide_counting() -> None:
    facts = _course(40, quizzes=("quiz:a", "quiz:b"), exam=True)
    rules = replace(_rules("tiers"), counting=Counting(lessons=True, quizzes=False, exam=False))
    evidence = _all_watched(facts, quizzes=False, exam=False)
    assert course_outcome(facts, evidence, rules).credit == D(1)  # counts on its lessons, no bonus
    evidence = replace(evidence, quizzes_passed={"quiz:a": DAY, "quiz:b": DAY})
    assert course_outcome(facts, evidence, rules).credit == D(1)  # the exam is a test too
    assert course_outcome(facts, replace(evidence, exam_passed=DAY), rules).credit == D("1.5")


@pytest.mark.parametrize(("minutes", "step", "credit"), [
    pytest.param((60,), "0.1", "1", id="1 hour: 1 unit"),
    pytest.param((45, 45), "0.1", "1.5", id="90 min: 1.5"),
    pytest.param((50,), "0.1", "0.8", id="50 min: 0.833.. rounded down to 0.8"),
    pytest.param((50,), "0.5", "0.5", id="50 min in half units: 0.5"),
    pytest.param((50,), "0.01", "0.83", id="50 min in hundredths: 0.83"),
    pytest.param((10,), "1", "0", id="10 min in whole units: 0"),
])
def test_one_hour_one_unit(minutes: tuple[float, ...], step: str, credit: str) -> None:
    facts = _course(*minutes)
    rules = replace(DEFAULT_RULES, credit=CreditRules(method="per_hour", per_hour_step=D(step)))
    assert course_outcome(facts, _all_watched(facts), rules).credit == D(credit)


def test_the_course_own_figure_and_sums_that_do_not_drift() -> None:
    courses = [_course(10, credit="0.1", course_id=f"c{i}") for i in range(10)] + [_course(10, credit="0.2")]
    outcomes = [course_outcome(c, _all_watched(c)) for c in courses]
    assert [o.credit for o in outcomes[:2]] == [D("0.1"), D("0.1")]
    assert year_summary(outcomes, 2026, None).required == D("1.2")  # 0.1 x 10 + 0.2, exactly
    assert year_summary(outcomes[-2:], 2026, None).required == D("0.3")  # 0.1 + 0.2 as floats is 0.30000000000000004


# -- when a course counts ---------------------------------------------------------------------

def test_every_lesson_must_reach_its_completion_ratio() -> None:
    facts = _course(10, 5, ratio=0.9)  # 600 s and 300 s
    watched = {"l1": LessonEvidence(540, DAY), "l2": LessonEvidence(269.9, DAY)}
    outcome = course_outcome(facts, CourseEvidence(watched))
    assert (outcome.lessons_done, outcome.counts, outcome.missing, outcome.credit) == (False, False, ("videos",), D(0))
    # watching the first lesson past its length does not make up for the second
    outcome = course_outcome(facts, CourseEvidence({"l1": LessonEvidence(900, DAY), "l2": LessonEvidence(250, DAY)}))
    assert not outcome.lessons_done
    outcome = course_outcome(facts, CourseEvidence({**watched, "l2": LessonEvidence(270, DAY)}))
    assert outcome.counts and outcome.counts_on == DAY and outcome.year == 2026


def test_a_lesson_of_no_known_duration_cannot_be_done() -> None:
    facts = _course(0)
    assert course_outcome(facts, CourseEvidence({"l1": LessonEvidence(50, DAY)})).missing == ("videos",)


def test_quizzes_and_exam_and_which_conditions_apply() -> None:
    facts = _course(10, quizzes=("quiz:a", "quiz:b"), exam=True, credit="2")
    watched = _all_watched(facts, quizzes=False, exam=False)
    outcome = course_outcome(facts, watched)
    assert (outcome.counts, outcome.missing, outcome.quizzes_passed, outcome.quizzes_total) == (
        False, ("quizzes", "exam"), 0, 2)
    one = replace(watched, quizzes_passed={"quiz:a": DAY})
    assert course_outcome(facts, one).missing == ("quizzes", "exam")
    both = replace(one, quizzes_passed={"quiz:a": DAY, "quiz:b": date(2026, 6, 1)})
    assert course_outcome(facts, both).missing == ("exam",)
    done = course_outcome(facts, replace(both, exam_passed=date(2026, 7, 2)))
    assert (done.counts, done.credit, done.counts_on) == (True, D(2), date(2026, 7, 2))  # the last condition's day
    only_lessons = replace(DEFAULT_RULES, counting=Counting(lessons=True, quizzes=False, exam=False))
    assert course_outcome(facts, watched, only_lessons).counts
    only_exam = replace(DEFAULT_RULES, counting=Counting(lessons=False, quizzes=False, exam=True))
    late_exam = CourseEvidence(exam_passed=date(2027, 1, 3))
    outcome = course_outcome(facts, late_exam, only_exam)
    assert (outcome.counts, outcome.year) == (True, 2027)


def test_the_year_is_the_site_calendar_day_of_the_last_condition() -> None:
    year = YearRules()  # +08:00 by default
    assert year.local_date("2025-12-31T15:59:59Z") == date(2025, 12, 31)
    assert year.local_date("2025-12-31T16:00:00Z") == date(2026, 1, 1)
    assert year.local_date("2026-01-01T00:30:00") == date(2026, 1, 1)  # no offset: UTC
    assert replace(year, utc_offset_minutes=0).local_date("2025-12-31T16:00:00Z") == date(2025, 12, 31)
    assert year.local_date("yesterday") is None


# -- a person's year --------------------------------------------------------------------------

def _outcome(credit: str, required: bool, on: date, course_id: str = "c") -> CourseOutcome:
    return CourseOutcome(course_id, required, True, 0, 0, False, False, True, D(credit), on, ())


CADRE = YearRules(targets=(("default", YearTarget(total=D(50))),
                           ("county", YearTarget(required=D(40), elective=D(10)))))


def test_required_and_elective_minimums_per_cadre_level() -> None:
    rules = replace(DEFAULT_RULES, year=CADRE)
    year = [_outcome("40.5", True, date(2026, 3, 1)), _outcome("12", False, date(2026, 9, 1)),
            _outcome("7", False, date(2025, 12, 31))]  # last year: not counted
    county = year_summary(year, 2026, "county", rules)
    assert (county.required, county.elective, county.total, county.standing) == (D("40.5"), D(12), D("52.5"), "met")
    # an unknown level gets the default: 50 学时 in all
    assert year_summary(year, 2026, "no-such-level", rules).standing == "met"
    short = year_summary(year[:1], 2026, "county", rules)
    assert (short.standing, short.total) == ("behind", D("40.5"))  # 选修 0 of 10 at the year's end
    assert year_summary(year, 2026, None).standing == "no_target"


@pytest.mark.parametrize(("level", "required", "elective", "to_target"), [
    ("county", "30", "4", "16"),  # 10 required and 6 elective still missing
    ("county", "45", "4", "6"),  # required over its minimum does not make up for elective
    ("county", "40", "10", "0"),
    ("default", "30", "4", "16"),  # a total of 50
    ("default", "60", "0", "0"),
])
def test_what_is_still_needed_for_the_target(level: str, required: str, elective: str, to_target: str) -> None:
    rules = replace(DEFAULT_RULES, year=CADRE)
    year = [_outcome(required, True, date(2026, 3, 1)), _outcome(elective, False, date(2026, 4, 1))]
    assert year_summary(year, 2026, level, rules).to_target == D(to_target)


def test_on_track_against_the_share_of_the_year_gone_by() -> None:
    rules = replace(DEFAULT_RULES, year=CADRE)
    july = date(2026, 7, 1)  # day 182 of 365: a minimum of 40 asks 19.95 by then, 10 asks 4.99
    ahead = [_outcome("20", True, date(2026, 2, 1)), _outcome("5", False, date(2026, 3, 1))]
    assert year_summary(ahead, 2026, "county", rules, july).standing == "on_track"
    behind = [_outcome("19.5", True, date(2026, 2, 1)), _outcome("5", False, date(2026, 3, 1))]
    assert year_summary(behind, 2026, "county", rules, july).standing == "behind"
    assert year_summary(behind, 2026, "county", rules, date(2026, 1, 1)).standing == "on_track"


def test_elective_surplus_carries_into_the_next_year_capped() -> None:
    rules = replace(DEFAULT_RULES, year=replace(CADRE, carry_over=True, carry_over_cap=D(5)))
    history = [_outcome("40", True, date(2025, 5, 1)), _outcome("12", False, date(2025, 6, 1)),
               _outcome("40", True, date(2026, 5, 1)), _outcome("8.5", False, date(2026, 6, 1))]
    y2025 = year_summary(history, 2025, "county", rules)
    assert (y2025.carried_in, y2025.carry_out) == (D(0), D(2))  # 12 - 10
    y2026 = year_summary(history, 2026, "county", rules)
    assert (y2026.elective, y2026.carried_in, y2026.elective_with_carry, y2026.standing) == (
        D("8.5"), D(2), D("10.5"), "met")
    assert y2026.carry_out == 0  # carried units are not carried again
    flood = [*history[:1], _outcome("30", False, date(2025, 6, 1)), *history[2:]]
    assert year_summary(flood, 2026, "county", rules).carried_in == D(5)  # 20 over, capped at 5
    # against a total minimum only, surplus is what the total did not need
    total_only = replace(rules, year=replace(rules.year, targets=(("default", YearTarget(total=D(50))),)))
    assert year_summary(history, 2026, None, total_only).carried_in == D(2)  # 52 - 50
    assert year_summary(history, 2026, None, replace(rules, year=CADRE)).carried_in == 0  # carry-over off


# -- training classes -------------------------------------------------------------------------

CLASS = ClassFacts("class-1", (_course(30, 30, course_id="a"), _course(40, course_id="b")), ("q1", "q2", "q3"), True)


def test_class_score_three_three_four() -> None:
    # 100 min of required course time: 60 of a (a lesson watched past its end counts 30), 20 of b
    evidence = ClassEvidence(
        {"a": CourseEvidence({"l1": LessonEvidence(2400, DAY), "l2": LessonEvidence(1800, DAY)}),
         "b": CourseEvidence({"l1": LessonEvidence(1200, DAY)})},
        {"q1": D(90), "q2": D(70)}, D(85))  # q3 never taken: 0
    score = class_score(CLASS, evidence)
    assert (score.attendance, score.tests, score.exam) == (D(80), D("53.3"), D(85))
    assert (score.total, score.passed) == (D("74.0"), True)  # (3 x 80 + 3 x 53.3 + 4 x 85) / 10 = 73.99
    no_quizzes = class_score(replace(CLASS, quizzes=()), evidence)
    assert (no_quizzes.tests, no_quizzes.total) == (None, D("82.9"))  # (3 x 80 + 4 x 85) / 7
    strict = class_score(CLASS, evidence, ClassScoring(D(1), D(1), D(1), D(75)))
    assert (strict.total, strict.passed) == (D("72.8"), False)  # (80 + 53.3 + 85) / 3 = 72.77
    nothing = class_score(CLASS, ClassEvidence())
    zero = D(0)
    assert (nothing.attendance, nothing.tests, nothing.exam, nothing.total, nothing.passed) == (
        zero, zero, zero, zero, False)


def test_percent() -> None:
    assert percent(7, 8) == D("87.5") and percent(3, 0) == 0 and percent(12, 10) == 100


# -- properties -------------------------------------------------------------------------------

_minutes = st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=4)
_days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
_rules_st = st.builds(
    Rules,
    counting=st.builds(Counting, st.booleans(), st.booleans(), st.booleans()).filter(
        lambda c: c.lessons or c.quizzes or c.exam),
    credit=st.builds(CreditRules, method=st.sampled_from(["course", "tiers", "per_hour"]),
                     per_hour_step=st.sampled_from([D("0.1"), D("0.25"), D(1)])),
)


@st.composite
def _course_and_evidence(draw: st.DrawFn) -> tuple[CourseFacts, CourseEvidence, CourseEvidence]:
    facts = _course(*draw(_minutes), quizzes=tuple(f"q{i}" for i in range(draw(st.integers(0, 3)))),
                    exam=draw(st.booleans()), credit=str(draw(st.integers(0, 40)) / 10),
                    ratio=draw(st.sampled_from([0.5, 0.9, 1.0])))
    lessons = {}
    more_lessons = {}
    for lesson in facts.lessons:
        if draw(st.booleans()):
            covered = draw(st.floats(0, lesson.duration_s + 60))
            lessons[lesson.lesson_id] = LessonEvidence(covered, draw(_days))
        extra = draw(st.floats(0, lesson.duration_s + 60))
        before = lessons.get(lesson.lesson_id)
        if before is None:
            more_lessons[lesson.lesson_id] = LessonEvidence(extra, draw(_days))
        else:  # more of the same lesson; a lesson already done keeps the day it was done
            done = lesson_done(lesson, before, facts.completion_ratio)
            more_lessons[lesson.lesson_id] = LessonEvidence(before.covered_s + extra,
                                                            before.on if done else max(before.on, draw(_days)))
    quizzes = {q: draw(_days) for q in facts.quizzes if draw(st.booleans())}
    more_quizzes = {**{q: draw(_days) for q in facts.quizzes}, **quizzes}
    exam = draw(st.none() | _days)
    more_exam = exam or draw(_days)
    return facts, CourseEvidence(lessons, quizzes, exam), CourseEvidence(more_lessons, more_quizzes, more_exam)


@settings(max_examples=300, deadline=None)
@given(_course_and_evidence(), _rules_st)
def test_adding_evidence_never_lowers_credit(case: tuple[CourseFacts, CourseEvidence, CourseEvidence],
                                             rules: Rules) -> None:
    facts, evidence, more = case
    before, after = course_outcome(facts, evidence, rules), course_outcome(facts, more, rules)
    assert after.credit >= before.credit and (after.counts or not before.counts)
    if before.counts:
        assert after.year == before.year  # what was counted stays in its year
        assert len(after.missing) == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400).map(lambda n: D(n) / 4), st.booleans(), _days), max_size=12),
       st.sampled_from([2025, 2026]), st.booleans(), st.integers(0, 20))
def test_year_totals_are_the_sum_of_their_parts(courses: list[tuple[D, bool, date]], year: int, carry: bool,
                                                cap: int) -> None:
    outcomes = [_outcome(str(c), r, d, f"c{i}") for i, (c, r, d) in enumerate(courses)]
    rules = replace(DEFAULT_RULES, year=replace(CADRE, carry_over=carry, carry_over_cap=D(cap)))
    s = year_summary(outcomes, year, "county", rules)
    assert s.required == sum((c for c, r, d in courses if r and d.year == year), D(0))
    assert s.elective == sum((c for c, r, d in courses if not r and d.year == year), D(0))
    assert s.total == s.required + s.elective + s.carried_in
    assert 0 <= s.carried_in <= cap and (carry or s.carried_in == 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 100), max_size=3), st.integers(0, 100) | st.none(), st.integers(0, 7200),
       st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 5)))
def test_a_class_total_lies_between_its_components(quiz_scores: list[int], exam: int | None, watched_s: int,
                                                   weights: tuple[int, int, int]) -> None:
    facts = replace(CLASS, quizzes=tuple(f"q{i}" for i in range(len(quiz_scores))))
    evidence = ClassEvidence({"b": CourseEvidence({"l1": LessonEvidence(watched_s, DAY)})},
                             {f"q{i}": D(s) for i, s in enumerate(quiz_scores)}, None if exam is None else D(exam))
    score = class_score(facts, evidence, ClassScoring(D(weights[0]), D(weights[1]), D(weights[2]), D(60)))
    parts = [p for p in (score.attendance, score.tests, score.exam) if p is not None]
    assert min(parts) <= score.total <= max(parts)
    assert score.passed == (score.total >= 60)
