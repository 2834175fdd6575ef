"""The credit rules engine: when a course counts, what it gives, the yearly standing, a class's score.

One pure computation that the server runs authoritatively and the client runs for its offline
estimate, so both give the same answer for the same evidence. Inputs are plain values: a course's
published facts (``CourseFacts``), a person's evidence for it (``CourseEvidence``), and the site's
rules (``Rules``, read from the rules file by ``sync.protocol.rules_file``). Every credit figure
and score is a ``Decimal``, so adding many courses' 0.1s and 0.25s never drifts.

Definitions (the rules file chooses among them):

- **A lesson is done** when its duration is known (above 0), the person has evidence for it, and
  its covered seconds (at most the lesson's duration) reach ``completion_ratio`` x its duration.
- **A course counts** when every condition ``Counting`` switches on holds: every lesson done,
  every required quiz passed, the exam passed if the course has one. It counts on the latest date
  among the conditions that apply (the day the last of them was reached), and for the year of
  that date.
- **What it gives** (``CreditRules.method``): ``course``, the course's own figure; ``tiers``, the
  first tier whose ``min_minutes`` the course's total lesson time reaches, plus ``test_bonus``
  when the course has a required quiz or an exam and all of them were passed; ``per_hour``, one
  unit per ``seconds_per_unit`` of lesson time, rounded down to ``per_hour_step``.
- **A year** per person: required and elective totals of the courses counted in that year, plus
  the elective surplus carried in from the year before when ``carry_over`` is on: the elective
  units that year could have lost and still met its elective and total minimums, capped at
  ``carry_over_cap``; carried units are not carried again. ``met`` when every minimum is reached;
  ``on_track`` when every figure has reached its minimum times the share of the year gone by
  ``as_of``; else ``behind``; ``no_target`` when the level has no minimum at all.
- **A training class's score**, each component 0..100 with one decimal: attendance, the share of
  the class's required course time covered (each lesson counting at most its duration); tests,
  the mean of the person's best score in each of the class's quizzes (one not taken counts 0);
  exam, the person's best exam score (none taken: 0). A component the class does not have (no
  lesson time, no quiz, no exam) is left out and the other weights share its place. The total
  is the weighted mean of the shown components, with one decimal, half up; the person passes at
  ``pass_score`` or more.

Must not import Qt, client/, player/ or server/, nor any other part of sync/ than the protocol.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Literal

CreditMethod = Literal["course", "tiers", "per_hour"]
CreditUnit = Literal["hours", "credits"]  # shown as 学时 or 学分
Standing = Literal["met", "on_track", "behind", "no_target"]
CREDIT_METHODS: tuple[CreditMethod, ...] = ("course", "tiers", "per_hour")
CREDIT_UNITS: tuple[CreditUnit, ...] = ("hours", "credits")
DEFAULT_LEVEL = "default"
ZERO = Decimal(0)
_TENTH = Decimal("0.1")
_HUNDRED = Decimal(100)
_EPSILON_S = 1e-9  # the player's tolerance when it compares covered seconds with a lesson's duration


# -- the rules --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Counting:
    """Which conditions make a course count (at least one is on)."""

    lessons: bool = True
    quizzes: bool = True
    exam: bool = True


@dataclass(frozen=True, slots=True)
class Tier:
    """A course of at least ``min_minutes`` of lesson time gives ``credit``."""

    min_minutes: Decimal
    credit: Decimal


DEFAULT_TIERS = (Tier(Decimal(30), Decimal(1)), Tier(Decimal(15), Decimal("0.5")), Tier(ZERO, Decimal("0.25")))


@dataclass(frozen=True, slots=True)
class CreditRules:
    """How many units a counted course gives; ``tiers`` run from the longest ``min_minutes`` down
    and the last one starts at 0, so every course falls in one."""

    method: CreditMethod = "course"
    unit: CreditUnit = "hours"
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    test_bonus: Decimal = Decimal("0.5")
    seconds_per_unit: int = 3600
    per_hour_step: Decimal = _TENTH


@dataclass(frozen=True, slots=True)
class YearTarget:
    """The minimums of one cadre level for one year; 0 means no minimum."""

    required: Decimal = ZERO
    elective: Decimal = ZERO
    total: Decimal = ZERO

    @property
    def any(self) -> bool:
        return self.required > 0 or self.elective > 0 or self.total > 0


@dataclass(frozen=True, slots=True)
class YearRules:
    """Targets per cadre level (``default`` for any level not listed), the UTC offset that decides
    which day (and so which year) a timestamp falls on, and the elective carry-over."""

    targets: tuple[tuple[str, YearTarget], ...] = ((DEFAULT_LEVEL, YearTarget()),)
    utc_offset_minutes: int = 480
    carry_over: bool = False
    carry_over_cap: Decimal = ZERO

    def target_for(self, level: str | None) -> YearTarget:
        table = dict(self.targets)
        return table.get(level or DEFAULT_LEVEL) or table.get(DEFAULT_LEVEL) or YearTarget()

    def local_time(self, timestamp: str) -> datetime | None:
        """An ISO 8601 timestamp (UTC when it names no offset) on the site's clock; None if unreadable."""
        try:
            moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(timezone(timedelta(minutes=self.utc_offset_minutes)))

    def local_date(self, timestamp: str) -> date | None:
        """The site's calendar day of an ISO 8601 timestamp (UTC when it names no offset); None if unreadable."""
        moment = self.local_time(timestamp)
        return moment.date() if moment is not None else None

    def local_day_text(self, timestamp: str) -> str:
        """The site's day of an ISO 8601 timestamp as people read it (YYYY-MM-DD); an unreadable one as given."""
        day = self.local_date(timestamp)
        return day.isoformat() if day is not None else timestamp


@dataclass(frozen=True, slots=True)
class ClassScoring:
    """Weights of a class score's components (any non-negative numbers, at least one above 0) and its pass line."""

    attendance: Decimal = Decimal(3)
    tests: Decimal = Decimal(3)
    exam: Decimal = Decimal(4)
    pass_score: Decimal = Decimal(60)


@dataclass(frozen=True, slots=True)
class ReminderRules:
    """When a learner is reminded of an assigned course that does not count yet: from
    ``due_within_days`` days before its due date (and once it is overdue)."""

    due_within_days: int = 7


@dataclass(frozen=True, slots=True)
class Rules:
    """The effective rules of a site."""

    counting: Counting = field(default_factory=Counting)
    credit: CreditRules = field(default_factory=CreditRules)
    year: YearRules = field(default_factory=YearRules)
    class_score: ClassScoring = field(default_factory=ClassScoring)
    reminders: ReminderRules = field(default_factory=ReminderRules)


DEFAULT_RULES = Rules()


# -- courses ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LessonFacts:
    lesson_id: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class CourseFacts:
    """What the published course says, and whether it is required for this person."""

    course_id: str
    lessons: tuple[LessonFacts, ...]
    completion_ratio: float = 1.0
    quizzes: tuple[str, ...] = ()  # the quizzes that must be passed, by name
    has_exam: bool = False
    credit: Decimal = ZERO  # the course's own figure
    required: bool = False

    @property
    def duration_ms(self) -> int:
        return sum(_ms(lesson.duration_s) for lesson in self.lessons)


@dataclass(frozen=True, slots=True)
class LessonEvidence:
    """Covered seconds of one lesson, and ``on``: the day the lesson was done (reached its
    completion ratio), or for a lesson not done yet the day of its latest evidence. Evidence
    added after a lesson was done leaves ``on`` as it was."""

    covered_s: float
    on: date


@dataclass(frozen=True, slots=True)
class CourseEvidence:
    """One person's evidence for one course: lessons by id, quizzes passed (name -> the day first
    passed), the day the exam was first passed."""

    lessons: Mapping[str, LessonEvidence] = field(default_factory=dict)
    quizzes_passed: Mapping[str, date] = field(default_factory=dict)
    exam_passed: date | None = None


@dataclass(frozen=True, slots=True)
class CourseOutcome:
    """What a course gives one person. ``credit`` is 0 unless it ``counts``; ``year`` is None
    while it does not count (or when no condition carried a date)."""

    course_id: str
    required: bool
    lessons_done: bool
    quizzes_passed: int
    quizzes_total: int
    exam_required: bool
    exam_passed: bool
    counts: bool
    credit: Decimal
    counts_on: date | None
    missing: tuple[str, ...]  # of "videos", "quizzes", "exam": what still stands between it and counting

    @property
    def year(self) -> int | None:
        return self.counts_on.year if self.counts and self.counts_on is not None else None


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def covered_seconds(facts: CourseFacts, evidence: CourseEvidence) -> float:
    """Covered seconds over the course's lessons, each lesson counting at most its own duration."""
    total = 0.0
    for lesson in facts.lessons:
        seen = evidence.lessons.get(lesson.lesson_id)
        if seen is not None:
            total += min(max(0.0, seen.covered_s), max(0.0, lesson.duration_s))
    return total


def lesson_done(lesson: LessonFacts, seen: LessonEvidence | None, completion_ratio: float) -> bool:
    duration = max(0.0, lesson.duration_s)
    if seen is None or duration <= 0:
        return False
    return min(max(0.0, seen.covered_s), duration) >= completion_ratio * duration - _EPSILON_S


def course_outcome(facts: CourseFacts, evidence: CourseEvidence, rules: Rules = DEFAULT_RULES) -> CourseOutcome:
    """Whether ``facts``' course counts for the person with ``evidence``, when, and for how much."""
    dates: list[date] = []
    lessons_done = all(lesson_done(lesson, evidence.lessons.get(lesson.lesson_id), facts.completion_ratio)
                       for lesson in facts.lessons)
    if rules.counting.lessons:
        dates += [evidence.lessons[lesson.lesson_id].on for lesson in facts.lessons
                  if lesson.lesson_id in evidence.lessons]
    passed = [evidence.quizzes_passed[q] for q in facts.quizzes if q in evidence.quizzes_passed]
    quizzes_done = len(passed) == len(facts.quizzes)
    if rules.counting.quizzes:
        dates += passed
    exam_done = not facts.has_exam or evidence.exam_passed is not None
    if rules.counting.exam and facts.has_exam and evidence.exam_passed is not None:
        dates.append(evidence.exam_passed)
    missing = tuple(name for name, done, applies in (
        ("videos", lessons_done, rules.counting.lessons), ("quizzes", quizzes_done, rules.counting.quizzes),
        ("exam", exam_done, rules.counting.exam)) if applies and not done)
    counts = not missing
    return CourseOutcome(
        course_id=facts.course_id, required=facts.required, lessons_done=lessons_done,
        quizzes_passed=len(passed), quizzes_total=len(facts.quizzes), exam_required=facts.has_exam,
        exam_passed=facts.has_exam and evidence.exam_passed is not None, counts=counts,
        credit=course_credit(facts, quizzes_done and exam_done, rules.credit) if counts else ZERO,
        counts_on=max(dates) if counts and dates else None, missing=missing)


def course_credit(facts: CourseFacts, tests_passed: bool, credit: CreditRules) -> Decimal:
    """What the course gives once it counts; ``tests_passed``: its required quizzes and exam all passed."""
    if credit.method == "course":
        return max(ZERO, facts.credit)
    duration_ms = facts.duration_ms
    if credit.method == "per_hour":
        units = Decimal(duration_ms) / (Decimal(credit.seconds_per_unit) * 1000)
        return (units / credit.per_hour_step).to_integral_value(ROUND_DOWN) * credit.per_hour_step
    base = next((t.credit for t in credit.tiers if duration_ms >= t.min_minutes * 60000), ZERO)
    has_tests = bool(facts.quizzes) or facts.has_exam
    return base + (credit.test_bonus if has_tests and tests_passed else ZERO)


# -- a person's year --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class YearSummary:
    """One person's year: units earned, carried in, and the standing against their level's target."""

    year: int
    level: str
    target: YearTarget
    required: Decimal
    elective: Decimal
    carried_in: Decimal
    standing: Standing
    carry_out: Decimal  # what the next year receives (0 when carry-over is off)

    @property
    def elective_with_carry(self) -> Decimal:
        return self.elective + self.carried_in

    @property
    def total(self) -> Decimal:
        return self.required + self.elective + self.carried_in

    @property
    def to_target(self) -> Decimal:
        """The fewest more units that would meet every minimum of the target (0 once met)."""
        t = self.target
        required = max(ZERO, t.required - self.required)
        elective = max(ZERO, t.elective - self.elective_with_carry)
        return max(required + elective, max(ZERO, t.total - self.total))


def year_totals(outcomes: Iterable[CourseOutcome], year: int) -> tuple[Decimal, Decimal]:
    """(required, elective) units of the courses that count in ``year``."""
    required = elective = ZERO
    for outcome in outcomes:
        if outcome.year == year:
            if outcome.required:
                required += outcome.credit
            else:
                elective += outcome.credit
    return required, elective


def elective_surplus(required: Decimal, elective: Decimal, target: YearTarget, cap: Decimal) -> Decimal:
    """The elective units a year could lose and still meet its elective and total minimums, capped."""
    spare = min(elective - target.elective, required + elective - target.total)
    return min(cap, max(ZERO, spare))


def year_summary(outcomes: Iterable[CourseOutcome], year: int, level: str | None, rules: Rules = DEFAULT_RULES,
                 as_of: date | None = None, previous_level: str | None = None) -> YearSummary:
    """The person's ``year`` as of ``as_of`` (default: the year's last day); ``previous_level``
    is their cadre level the year before (default: ``level``), whose target decides the carry-over."""
    outcomes = list(outcomes)
    target = rules.year.target_for(level)
    required, elective = year_totals(outcomes, year)
    carried_in = carry_out = ZERO
    if rules.year.carry_over:
        before = year_totals(outcomes, year - 1)
        carried_in = elective_surplus(*before, rules.year.target_for(previous_level or level),
                                      rules.year.carry_over_cap)
        carry_out = elective_surplus(required, elective, target, rules.year.carry_over_cap)
    figures = (required, elective + carried_in, required + elective + carried_in)
    minimums = (target.required, target.elective, target.total)
    if not target.any:
        standing: Standing = "no_target"
    elif all(f >= m for f, m in zip(figures, minimums, strict=True)):
        standing = "met"
    else:
        share = year_share(year, as_of or date(year, 12, 31))
        on_track = all(f >= m * share for f, m in zip(figures, minimums, strict=True))
        standing = "on_track" if on_track else "behind"
    return YearSummary(year, level or DEFAULT_LEVEL, target, required, elective, carried_in, standing, carry_out)


def year_share(year: int, as_of: date) -> Decimal:
    """The share of ``year`` gone by at the end of ``as_of``, 0..1."""
    if as_of.year < year:
        return ZERO
    if as_of.year > year:
        return Decimal(1)
    days = 366 if calendar.isleap(year) else 365
    return Decimal(as_of.timetuple().tm_yday) / days


# -- training classes -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ClassFacts:
    """A training class: its required courses, its quizzes by name, whether it has a final exam."""

    class_id: str
    courses: tuple[CourseFacts, ...]
    quizzes: tuple[str, ...] = ()
    has_exam: bool = False


@dataclass(frozen=True, slots=True)
class ClassEvidence:
    """One person in a class: evidence per course id, best score per quiz (0..100), best exam score."""

    courses: Mapping[str, CourseEvidence] = field(default_factory=dict)
    quiz_scores: Mapping[str, Decimal] = field(default_factory=dict)
    exam_score: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ClassScore:
    """Components and total 0..100 with one decimal; a component is None when the class has none of it."""

    class_id: str
    attendance: Decimal | None
    tests: Decimal | None
    exam: Decimal | None
    total: Decimal
    passed: bool


def percent(score: float | Decimal, max_score: float | Decimal) -> Decimal:
    """``score`` out of ``max_score`` as 0..100 (0 when ``max_score`` is not above 0)."""
    top = Decimal(str(max_score))
    if top <= 0:
        return ZERO
    return min(_HUNDRED, max(ZERO, Decimal(str(score)) * _HUNDRED / top))


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(_TENTH, ROUND_HALF_UP)


def class_score(facts: ClassFacts, evidence: ClassEvidence, scoring: ClassScoring = DEFAULT_RULES.class_score
                ) -> ClassScore:
    """The person's score in the class under ``scoring``: the class's own, else the site's ``Rules.class_score``."""
    attendance = tests = exam = None
    total_ms = sum(c.duration_ms for c in facts.courses)
    if total_ms > 0:
        covered_ms = sum(_ms(covered_seconds(c, evidence.courses.get(c.course_id, CourseEvidence())))
                         for c in facts.courses)
        attendance = _one_decimal(Decimal(min(covered_ms, total_ms)) * _HUNDRED / total_ms)
    if facts.quizzes:
        best = [min(_HUNDRED, max(ZERO, evidence.quiz_scores.get(q, ZERO))) for q in facts.quizzes]
        tests = _one_decimal(sum(best, ZERO) / len(best))
    if facts.has_exam:
        exam = _one_decimal(min(_HUNDRED, max(ZERO, evidence.exam_score or ZERO)))
    parts = [(w, c) for w, c in ((scoring.attendance, attendance), (scoring.tests, tests), (scoring.exam, exam))
             if c is not None and w > 0]
    weight = sum((w for w, _ in parts), ZERO)
    total = _one_decimal(sum((w * c for w, c in parts), ZERO) / weight) if weight > 0 else ZERO
    return ClassScore(facts.class_id, attendance, tests, exam, total, total >= scoring.pass_score)
