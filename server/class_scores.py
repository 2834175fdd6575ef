"""A training class's score per person (培训班成绩): attendance : in-lesson tests : final exam,
weighted by the class's own policy (3:3:4 unless it says otherwise) against its pass line.

The computation is the rules engine's (``sync.protocol.rules.class_score``); this module turns a
class (``server.org.classes.TrainingClass``), what was published and one person's stored
evidence (``server.outcomes.Evidence``: credited watch time, the server's grades) into its
inputs. Over the class's REQUIRED courses:

- attendance: the share of their lesson time the person's credited watching covers;
- tests: the mean, over every quiz of those courses, of the person's best counted score in it
  (a quiz not taken counts 0); a quiz is named ``<course>/quiz:<id>`` so that two courses'
  quizzes never merge;
- exam: the mean, over those courses that have a final exam, of the person's best counted exam
  score in each (none taken: 0).

A counted score is the server's grade of an attempt with no reason against it (not
over_attempts, not over_time). A course not published here is left out. Pure over its inputs:
no database, no HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from server.org.classes import ScoringPolicy, TrainingClass
from server.outcomes import Evidence, course_evidence, course_facts
from sync.protocol.assessment import EXAM_ID
from sync.protocol.manifest import Manifest
from sync.protocol.rules import ZERO, ClassEvidence, ClassFacts, ClassScore, ClassScoring, Rules, class_score
from sync.protocol.rules_file import plain

LatestManifest = Callable[[str], Manifest | None]


def scoring(policy: ScoringPolicy) -> ClassScoring:
    """The class's policy as the rules engine's weights and pass line."""
    return ClassScoring(Decimal(policy.attendance), Decimal(policy.tests), Decimal(policy.exam),
                        Decimal(policy.pass_line))


def _best(scores: list[tuple[str, Decimal]], name: str) -> Decimal | None:
    found = [value for n, value in scores if n == name]
    return max(found) if found else None


def person_class_score(training_class: TrainingClass, evidence: Evidence, latest: LatestManifest,
                       rules: Rules) -> ClassScore:
    """One person's score in ``training_class`` from their ``evidence``; ``latest`` gives each
    course's newest published manifest (None: not published here)."""
    manifests = [m for m in (latest(course_id) for course_id in training_class.required_courses()) if m is not None]
    courses = tuple(course_facts(m, True) for m in manifests)
    quizzes: dict[str, Decimal] = {}
    exams: list[Decimal] = []
    evidence_by_course = {}
    for m, course in zip(manifests, courses, strict=True):
        scores = evidence.scores.get(m.course_id, [])
        for quiz in m.quizzes:
            quizzes[f"{m.course_id}/{quiz.name}"] = _best(scores, quiz.name) or ZERO
        if m.exam is not None:
            exams.append(_best(scores, EXAM_ID) or ZERO)
        evidence_by_course[m.course_id] = course_evidence(course, evidence.watch.get(m.course_id, []),
                                                          evidence.passes.get(m.course_id, []), rules)
    facts = ClassFacts(training_class.code, courses, tuple(quizzes), bool(exams))
    found = ClassEvidence(evidence_by_course, quizzes, sum(exams, ZERO) / len(exams) if exams else None)
    return class_score(facts, found, scoring(training_class.policy))


def class_score_dict(training_class: TrainingClass, score: ClassScore) -> dict[str, Any]:
    """The plain form a learner's route answers with (figures as decimal strings, 0..100)."""
    def figure(value: Decimal | None) -> str | None:
        return plain(value) if value is not None else None

    return {"class_code": training_class.code, "name": training_class.name,
            "weights": training_class.policy.weights, "pass_line": training_class.policy.pass_line,
            "attendance": figure(score.attendance), "tests": figure(score.tests), "exam": figure(score.exam),
            "total": plain(score.total), "passed": score.passed}
