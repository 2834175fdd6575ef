"""A training class's report (培训班成绩): for each person the class reaches now, how many of its
required courses they completed and their class score (attendance : tests : exam under the
class's scoring, else the site's ``Rules.class_score``), and the class's totals.

Each person's result is server.class_scores.class_result, the same the learner's own answer
gives; the admin web's class page and its XLSX/CSV downloads read one ``ClassReport``, so a
download says what the page says and the page what the learner sees; its list of classes reads
``class_list``, the same reports of many classes at once. The figures come from what
this server published and what it stored and graded; nothing a client claims is read. Services
only; no HTTP here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.class_scores import class_result
from server.classes import members_of, require_class
from server.org.classes import TrainingClass
from server.outcomes import Evidence, Outcomes, evidence_rows
from server.published import Published
from server.storage.tables import units, users
from server.units import subtree_clause, unit_names
from sync.protocol.outcomes import ClassResult
from sync.protocol.rules import ClassScoring, Rules

CHUNK = 500
"""People per query when reading the classes' people and their evidence (no IN list longer than this)."""


@dataclass(frozen=True, slots=True)
class MemberResult:
    """One person in a class: who, where, and their result."""

    user_id: str
    username: str
    name: str
    unit_code: str | None
    unit_name: str
    result: ClassResult
    courses_done: int
    """Of the class's required courses published here, how many count as completed for this person."""


@dataclass(frozen=True, slots=True)
class ClassReport:
    klass: TrainingClass
    scoring: ClassScoring
    """The scoring in force: the class's own, else the site's."""
    required_courses: tuple[str, ...]
    """The class's required courses published here (the ones its score and progress read)."""
    members: tuple[MemberResult, ...]

    @property
    def enrolled(self) -> int:
        return len(self.members)

    @property
    def passed(self) -> int:
        return sum(1 for m in self.members if m.result.passed)

    @property
    def completed(self) -> int:
        """People who completed every required course (none published: nobody)."""
        need = len(self.required_courses)
        return sum(1 for m in self.members if need and m.courses_done == need)

    def share(self, count: int) -> float:
        """``count`` as a percentage of the people enrolled, one decimal (0 when nobody is)."""
        return round(100.0 * count / self.enrolled, 1) if self.enrolled else 0.0


def class_report(conn: Connection, code: str, published: Published, rules: Rules, *,
                 within: Iterable[str] | None = None) -> ClassReport:
    """The report of class ``code`` (FormatError "no_such_class"). ``within``: only the people
    whose unit lies in one of these unit paths' subtrees (an admin who sees part of the class);
    None: everyone the class reaches. People in name order, then account."""
    return class_reports(conn, [require_class(conn, code)], published, rules, within=within)[0]


def class_reports(conn: Connection, klasses: Sequence[TrainingClass], published: Published, rules: Rules, *,
                  within: Iterable[str] | None = None) -> list[ClassReport]:
    """``class_report`` of each of ``klasses``, in their order: a few statements however many
    classes there are (who they reach, then their people and evidence CHUNK people at a time,
    each person read once however many of the classes they are in)."""
    engine = Outcomes(conn, published, rules)
    required = {k.code: tuple(c for c in k.required_courses() if engine.latest(c) is not None) for k in klasses}
    reached = members_of(conn, [k.code for k in klasses])
    classes_of: dict[str, list[TrainingClass]] = {}
    for klass in klasses:
        for username in reached[klass.code]:
            classes_of.setdefault(username, []).append(klass)
    people = _people(conn, sorted(classes_of), within)
    course_ids = sorted({c for courses in required.values() for c in courses})
    out: dict[str, list[MemberResult]] = {k.code: [] for k in klasses}
    for start in range(0, len(people), CHUNK):
        chunk = people[start:start + CHUNK]
        found = evidence_rows(conn, [p[0] for p in chunk], course_ids=course_ids) if course_ids else {}
        for user_id, username, name, unit_code, unit_name in chunk:
            for klass in classes_of[username]:
                result = class_result(klass, found.get(user_id, Evidence()), engine)
                out[klass.code].append(MemberResult(user_id, username, name, unit_code, unit_name, result,
                                                    len(required[klass.code]) - len(result.missing)))
    return [ClassReport(k, k.scoring or rules.class_score, required[k.code], tuple(out[k.code])) for k in klasses]


def class_list(conn: Connection, klasses: Sequence[TrainingClass], published: Published, rules: Rules, *,
               within: Iterable[str] | None = None) -> list[tuple[ClassReport, str | None]]:
    """``class_reports`` of ``klasses``, each with the name of the unit that organises the class
    (``owner_names``): the admin web's list of classes, a few statements however many."""
    reports = class_reports(conn, klasses, published, rules, within=within)
    return list(zip(reports, owner_names(conn, klasses), strict=True))


def owner_names(conn: Connection, klasses: Iterable[TrainingClass]) -> list[str | None]:
    """The name of the unit that organises each class (its code if the unit is gone; None: the whole
    site), in one statement."""
    owners = [k.owner_unit for k in klasses]
    names = unit_names(conn, (code for code in owners if code is not None))
    return [None if code is None else names.get(code, code) for code in owners]


def _people(conn: Connection, usernames: list[str],
            within: Iterable[str] | None) -> list[tuple[str, str, str, str | None, str]]:
    """(user id, account, name, unit code, unit name) of ``usernames``, in name order."""
    paths = None if within is None else list(within)
    if not usernames or paths == []:
        return []
    u = users.c
    query = (sa.select(u.user_id, u.username, u.display_name, u.unit_code, units.c.name)
             .select_from(users.outerjoin(units, units.c.code == u.unit_code)))
    if paths is not None:
        query = query.where(sa.or_(*(subtree_clause(units.c.path, p) for p in paths)))
    rows = [(r[0], r[1], r[2] or r[1], r[3], r[4] or "")
            for start in range(0, len(usernames), CHUNK)
            for r in conn.execute(query.where(u.username.in_(usernames[start:start + CHUNK])))]
    return sorted(rows, key=lambda r: (r[2], r[1]))


def score_bands(report: ClassReport) -> list[tuple[str, int]]:
    """How many people scored in each band: under the pass line, then from the pass line in bands
    of ten up to 100 (e.g. <60, 60–69, 70–79, 80–89, 90–100), as (label, count)."""
    line = report.scoring.pass_score
    starts = [line, *(Decimal(t) for t in range(10, 100, 10) if t > line)]
    ends = [*starts[1:], Decimal(101)]
    labels = [f"<{_plain(line)}", *(f"{_plain(a)}–{_plain(b - 1)}" for a, b in zip(starts, ends, strict=True))]
    counts = [0] * len(labels)
    for m in report.members:
        total = m.result.total
        band = 0 if total < line else 1 + max(i for i, a in enumerate(starts) if total >= a)
        counts[band] += 1
    return list(zip(labels, counts, strict=True))


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
