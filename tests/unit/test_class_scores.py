"""Training-class scores over plain inputs: a class (its required courses and scoring), the
published courses and one person's evidence as the server stores it; the rules engine weighs
attendance : tests : exam by the class's own scoring."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from player.policy import PlayerPolicy
from server.class_scores import person_class_score
from server.outcomes import Evidence
from sync.protocol.manifest import FileEntry, Manifest
from sync.protocol.rules import DEFAULT_RULES, ClassScore, ClassScoring
from tests.support.assessments import exam, quiz

STAMP = "2026-05-01T08:00:00Z"


def _lesson(lesson_id: str, duration_s: float) -> FileEntry:
    return FileEntry(lesson_id, lesson_id, hashlib.sha256(lesson_id.encode()).hexdigest(), 10, "video/mp4",
                     f"{lesson_id}.mp4", duration_s)


PUBLISHED = {
    "a": Manifest("a", 1, "党史", "", "", 2.0, STAMP, PlayerPolicy(), (_lesson("l1", 600), _lesson("l2", 400)),
                  quizzes=(quiz("l1"),), exam=exam()),
    "b": Manifest("b", 1, "法治", "", "", 1.0, STAMP, PlayerPolicy(), (_lesson("x", 1000),)),
    "c": Manifest("c", 1, "选学", "", "", 1.0, STAMP, PlayerPolicy(), (_lesson("y", 100),), quizzes=(quiz("y"),)),
}


def _score(*required: str, scoring: ClassScoring = DEFAULT_RULES.class_score,
           evidence: Evidence | None = None) -> ClassScore:
    return person_class_score("qn-2026", required, scoring, _evidence() if evidence is None else evidence,
                              PUBLISHED.get, DEFAULT_RULES)


def _evidence() -> Evidence:
    found = Evidence()
    found.watch["a"].append((STAMP, "l1", [(0.0, 600.0)]))
    found.watch["b"].append((STAMP, "x", [(0.0, 300.0)]))
    found.watch["b"].append((STAMP, "x", [(200.0, 500.0)]))  # watched again in part: counted once
    found.scores["a"] += [("quiz:l1", Decimal(50)), ("quiz:l1", Decimal(100)), ("exam", Decimal(80))]
    found.scores["c"] += [("quiz:y", Decimal(0))]
    return found


def test_a_class_score_weighs_attendance_tests_and_exam_of_its_required_courses() -> None:
    score = _score("a", "b", "gone")  # c is elective in the class: not among its required courses
    # attendance (600 + 500) / 2000 s; tests: the best of quiz l1; exam: the best exam
    assert (score.attendance, score.tests, score.exam) == (Decimal("55.0"), Decimal("100.0"), Decimal("80.0"))
    assert score.total == Decimal("78.5") and score.passed  # (3*55 + 3*100 + 4*80) / 10


def test_the_class_policy_sets_the_weights_and_the_pass_line() -> None:
    score = _score("a", "b", scoring=ClassScoring(Decimal(1), Decimal(1), Decimal(2), Decimal(85)))
    assert score.total == Decimal("78.8") and not score.passed  # (55 + 100 + 160) / 4, half up, < 85


def test_what_a_class_lacks_leaves_its_weight_to_the_rest_and_nothing_taken_counts_zero() -> None:
    score = _score("b")
    assert (score.attendance, score.tests, score.exam, score.total) == (Decimal("50.0"), None, None, Decimal("50.0"))
    nobody = _score("a", evidence=Evidence())
    assert (nobody.attendance, nobody.tests, nobody.exam, nobody.total, nobody.passed) == (
        Decimal("0.0"), Decimal("0.0"), Decimal("0.0"), Decimal("0.0"), False)
