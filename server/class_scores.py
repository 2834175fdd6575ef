"""A training class's score per person (培训班成绩): attendance : in-lesson tests : final exam,
weighted by the class's own policy (3:3:4 unless it says otherwise) against its pass line.

The computation is the rules engine's (``sync.protocol.rules.class_score``); this module turns a
class (its code, its REQUIRED courses and its scoring: the class's own, else the site's
``Rules.class_score``), what was published and one person's stored evidence
(``server.outcomes.Evidence``: credited watch time, the server's grades) into its inputs. Over
the class's required courses:

- attendance: the share of their lesson time the person's credited watching covers;
- tests: the mean, over every quiz of those courses, of the person's best counted score in it
  (a quiz not taken counts 0); a quiz is named ``<course>/quiz:<id>`` so that two courses'
  quizzes never merge;
- exam: the mean, over those courses that have a final exam, of the person's best counted exam
  score in each (none taken: 0).

A counted score is the server's grade of an attempt with no reason against it (not
over_attempts, not over_time, not redrawn). A course not published here is left out.
``person_class_score`` is pure over its inputs; ``class_result`` is one person's result in one
class (server.class_report lists a whole class's); ``learner_classes`` reads the person's classes (server.classes) and
``learner_outcomes`` puts them next to the year, ranking and reminders of server.outcomes: the
learner's outcomes answer. Services only; no HTTP here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from server.classes import classes_of, list_classes
from server.org.classes import TrainingClass
from server.outcomes import Evidence, Outcomes, StandingsCache, course_evidence, course_facts, person_outcomes
from server.published import Published
from server.storage.tables import classes
from server.users import User
from sync.protocol.assessment import EXAM_ID
from sync.protocol.manifest import Manifest
from sync.protocol.outcomes import ClassResult, MissingCourse
from sync.protocol.rules import (
    ZERO,
    ClassEvidence,
    ClassFacts,
    ClassScore,
    ClassScoring,
    Rules,
    class_score,
    course_outcome,
)

MAX_CLASSES = 50
"""A learner's answer holds at most this many classes, the latest to start first."""

LatestManifest = Callable[[str], Manifest | None]


def _best(scores: list[tuple[str, Decimal]], name: str) -> Decimal | None:
    found = [value for n, value in scores if n == name]
    return max(found) if found else None


def _class_inputs(class_id: str, manifests: list[Manifest], evidence: Evidence,
                  rules: Rules) -> tuple[ClassFacts, ClassEvidence]:
    """What the rules engine reads of a class of the required courses ``manifests`` and of one
    person's ``evidence`` (each course's evidence worked out once)."""
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
    facts = ClassFacts(class_id, courses, tuple(quizzes), bool(exams))
    return facts, ClassEvidence(evidence_by_course, quizzes, sum(exams, ZERO) / len(exams) if exams else None)


def person_class_score(class_id: str, required_courses: Iterable[str], scoring: ClassScoring, evidence: Evidence,
                       latest: LatestManifest, rules: Rules) -> ClassScore:
    """One person's score in the class ``class_id`` of ``required_courses`` under ``scoring``,
    from their ``evidence`` (its days read by ``rules``); ``latest`` gives each course's newest
    published manifest (None: not published here)."""
    manifests = [m for m in (latest(course_id) for course_id in required_courses) if m is not None]
    return class_score(*_class_inputs(class_id, manifests, evidence, rules), scoring)


def class_result(klass: TrainingClass, evidence: Evidence, engine: Outcomes) -> ClassResult:
    """One person's result in ``klass`` from their ``evidence``: the score under the class's
    scoring (else the site's), and the class's required courses published here that do not count
    yet. The learner's classes (``learner_classes``), the admin web's class page
    (server.class_report) and so its downloads all read this."""
    scoring = klass.scoring or engine.rules.class_score
    manifests = [m for m in map(engine.latest, klass.required_courses()) if m is not None]
    facts, found = _class_inputs(klass.code, manifests, evidence, engine.rules)
    score = class_score(facts, found, scoring)  # the same as person_class_score's
    missing = []
    for manifest, course in zip(manifests, facts.courses, strict=True):
        outcome = course_outcome(course, found.courses[manifest.course_id], engine.rules)
        if not outcome.counts:
            missing.append(MissingCourse(manifest.course_id, manifest.title, outcome.missing))
    return ClassResult(klass.code, klass.name, klass.starts.isoformat(), klass.ends.isoformat(),
                       (scoring.attendance, scoring.tests, scoring.exam), scoring.pass_score,
                       score.attendance, score.tests, score.exam, score.total, score.passed,
                       max(ZERO, scoring.pass_score - score.total), tuple(missing))


def learner_classes(conn: Connection, user: User, engine: Outcomes, evidence: Evidence) -> list[ClassResult]:
    """Each class ``user`` is enrolled in (the latest to start first, at most MAX_CLASSES), with
    their score from ``evidence`` and the required courses that do not count yet: a few statements
    however many classes they are in."""
    found = list_classes(conn, classes.c.code.in_(classes_of(conn, user.username)))
    found.sort(key=lambda k: (k.starts, k.code), reverse=True)
    return [class_result(klass, evidence, engine) for klass in found[:MAX_CLASSES]]


def learner_outcomes(conn: Connection, user: User, published: Published, rules: Rules, as_of: date,
                     standings: StandingsCache) -> dict[str, Any]:
    """The outcomes part of ``user``'s transcript for the year of ``as_of`` (the site's today):
    their courses, year, ranking and reminders (server.outcomes) and their training classes."""
    engine = Outcomes(conn, published, rules)
    evidence = engine.evidence(user)
    return {**person_outcomes(engine, user, as_of, standings, evidence=evidence),
            "classes": [c.to_dict() for c in learner_classes(conn, user, engine, evidence)]}
