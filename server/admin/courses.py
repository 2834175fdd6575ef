"""Courses as the admin web manages them: their use in an admin's view (learners, completion, study
time, quiz pass rate, flagged records), publishing one uploaded as a zip of its source folder
(course.toml and its files, the same as ``studydesk-server publish SRC_DIR``), saying what
changed from the version before, and taking a course off line (out of the signed catalog: no
new downloads; its manifests and blobs stay, so what people already have keeps verifying and
their records keep their credit).

A zip is untrusted: it is unpacked only when every member is a plain file with a relative path
that stays inside the folder, there are at most MAX_MEMBERS of them and they unpack to at most
MAX_UNPACKED_BYTES.

**Completion** is the rules engine's: a learner (someone with a credited watch record of the
course) has completed it when the course counts for them under the site's rules against its
newest published version (server.outcomes, the same reading as their own outcomes); worked out
when read, from their stored evidence. **Quiz pass rate**: of the quizzes of the course that
people attempted (one per person and quiz), the share with an attempt the server graded as
passed and that counts (server.grading; no reason against it). Services only; no HTTP here.
"""

from __future__ import annotations

import stat
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.admin.reports import course_use
from server.config import ServerConfig
from server.outcomes import CourseFold, Evidence, Outcomes, course_evidence, course_facts, evidence_rows
from server.person_year import site_stamp
from server.publish import PublishResult, publish, published_versions, read_course_toml, remove_from_catalog
from server.published import Published
from server.publisher_keys import ensure_key, load_private
from server.site_rules import site_today
from server.storage.tables import attempt_grades, person_course, person_year, record_credit, records, units, users
from server.units import subtree_clause
from sync.protocol.catalog import Catalog, manifest_path
from sync.protocol.errors import FormatError
from sync.protocol.manifest import FileEntry, Manifest
from sync.protocol.rules import Rules, course_outcome

MAX_MEMBERS = 2000
MAX_UNPACKED_BYTES = 4 * 1024**3
CHUNK = 500
"""Learners whose evidence is read at a time."""


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    """added, removed, changed (new content), renamed (new title), or setting (a course field or the policy)"""
    what: str
    """lesson, document, quiz, exam or the field's name"""
    name: str


def _unpack(archive: Path, into: Path) -> Path:
    """The folder holding course.toml, unpacked from ``archive`` under ``into``."""
    try:
        with zipfile.ZipFile(archive) as z:
            members = z.infolist()
            if len(members) > MAX_MEMBERS:
                raise FormatError.worded("bad_zip", "the zip holds more than %(most)s files", most=MAX_MEMBERS)
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise FormatError.worded("bad_zip", "the zip unpacks to more than 4 GiB")
            for m in members:
                path = PurePosixPath(m.filename)
                kind = stat.S_IFMT(m.external_attr >> 16)
                if path.is_absolute() or ".." in path.parts or "\\" in m.filename or kind not in (0, stat.S_IFREG,
                                                                                                   stat.S_IFDIR):
                    raise FormatError.worded("bad_zip", "the zip member %(member)r is not a plain file inside it",
                                             member=m.filename)
            z.extractall(into)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FormatError.worded("bad_zip", "not a readable zip file: %(error)s", error=str(exc)) from None
    found = sorted(into.rglob("course.toml"), key=lambda p: len(p.parts))
    if not found:
        raise FormatError.worded("bad_zip", "the zip holds no course.toml")
    return found[0].parent


def _files(entries: tuple[FileEntry, ...]) -> dict[str, FileEntry]:
    return {e.id: e for e in entries}


def changes(before: Manifest | None, after: Manifest) -> list[Change]:
    """What ``after`` changes from ``before`` (None: a new course, every part added)."""
    out: list[Change] = []
    for what, field in (("lesson", "lessons"), ("document", "documents")):
        old = _files(getattr(before, field)) if before else {}
        new = _files(getattr(after, field))
        for key, entry in new.items():
            if key not in old:
                out.append(Change("added", what, entry.title))
            elif old[key].blob != entry.blob:
                out.append(Change("changed", what, entry.title))
            elif old[key].title != entry.title:
                out.append(Change("renamed", what, entry.title))
        out += [Change("removed", what, entry.title) for key, entry in old.items() if key not in new]
    old_q = {q.id: q for q in before.quizzes} if before else {}
    new_q = {q.id: q for q in after.quizzes}
    out += [Change("added" if k not in old_q else "changed", "quiz", k) for k, q in new_q.items()
            if k not in old_q or old_q[k] != q]
    out += [Change("removed", "quiz", k) for k in old_q if k not in new_q]
    if (before.exam if before else None) != after.exam:
        out.append(Change("removed" if after.exam is None else "changed" if before and before.exam else "added",
                          "exam", "exam"))
    if before is not None:
        for name in ("title", "description", "category", "credit_hours", "policy"):
            if getattr(before, name) != getattr(after, name):
                out.append(Change("setting", name, str(getattr(after, name)) if name != "policy" else ""))
    return out


def latest_manifest(repo_dir: Path, course_id: str) -> Manifest | None:
    versions = published_versions(repo_dir, course_id)
    if not versions:
        return None
    try:
        return Manifest.parse((repo_dir / manifest_path(course_id, max(versions))).read_bytes())
    except (OSError, FormatError):
        return None


def publish_zip(config: ServerConfig, archive: Path) -> tuple[PublishResult, list[Change]]:
    """Publish the course in ``archive``; the result and what changed from its latest version."""
    with tempfile.TemporaryDirectory(prefix="publish-zip-", dir=config.data_dir) as tmp:
        src = _unpack(archive, Path(tmp))
        course_id = str(read_course_toml(src).get("id", ""))
        before = latest_manifest(config.repo_dir, course_id) if course_id else None
        ensure_key(config.keys_dir)
        result = publish(src, config.repo_dir, load_private(config.keys_dir), config.answer_keys_dir)
    return result, ([] if result.unchanged else changes(before, result.manifest))


def catalog(config: ServerConfig) -> Catalog | None:
    path = config.repo_dir / "catalog.json"
    return Catalog.parse(path.read_bytes()) if path.is_file() else None


def take_off_line(config: ServerConfig, course_id: str) -> bool:
    """Remove the course from the signed catalog; False when it was not in it."""
    return remove_from_catalog(config.repo_dir, load_private(config.keys_dir), course_id)


@dataclass(frozen=True, slots=True)
class CourseFigures:
    """One course's use among the people of an admin's view."""

    course_id: str
    learners: int
    """People with a credited watch record of the course."""
    completed: int
    """Of them, those for whom the course counts (the rules engine)."""
    study_hours: float
    flagged: int
    """Watch records of the course whose credit was (partly) set aside."""
    quizzes_taken: int
    """(person, quiz) pairs with at least one graded attempt."""
    quizzes_passed: int
    """Of them, those with an attempt that counts as passed."""

    @property
    def completion_share(self) -> float | None:
        return round(100.0 * self.completed / self.learners, 1) if self.learners else None

    @property
    def hours_per_learner(self) -> float:
        return round(self.study_hours / self.learners, 2) if self.learners else 0.0

    @property
    def quiz_pass_share(self) -> float | None:
        return round(100.0 * self.quizzes_passed / self.quizzes_taken, 1) if self.quizzes_taken else None


def _within(query: sa.Select[Any], user_id: sa.ColumnElement[str],
            unit_paths: Sequence[str] | None) -> sa.Select[Any]:
    """``query`` kept to the people under ``unit_paths`` (None: everyone)."""
    if unit_paths is None:
        return query
    return (query.join(users, users.c.user_id == user_id).join(units, units.c.code == users.c.unit_code)
            .where(sa.or_(sa.false(), *(subtree_clause(units.c.path, p) for p in unit_paths))))


def _learners(conn: Connection, unit_paths: Sequence[str] | None) -> dict[str, list[str]]:
    """course -> the people with a credited watch record of it (the learners course_use counts)."""
    r = records.c
    query = _within(sa.select(r.course_id, r.user_id).distinct().select_from(records)
                    .join(record_credit, record_credit.c.rid == r.rid)
                    .where(r.course_id.is_not(None), r.type == "watch"), r.user_id, unit_paths)
    out: dict[str, list[str]] = defaultdict(list)
    for course_id, user_id in conn.execute(query):
        out[str(course_id)].append(str(user_id))
    return out


def _folded(conn: Connection, ids: Sequence[str], published: Published, rules: Rules,
            versions: dict[str, int]) -> dict[str, dict[str, str]]:
    """person -> course -> the evidence folded at ingest (``person_course``) that still holds: kept
    against the course's newest version, and the person's stored year of the site's year worked out
    under today's rules and publications (else evidence may have come or counted otherwise since)."""
    pc, p = person_course.c, person_year.c
    stamp, year = site_stamp(rules, published.repo_dir), site_today(rules).year
    query = (sa.select(pc.user_id, pc.course_id, pc.version, pc.state)
             .join(person_year, sa.and_(p.user_id == pc.user_id, p.year == year))
             .where(pc.user_id.in_(list(ids)), p.stamp == stamp))
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for user_id, course_id, version, state in conn.execute(query):
        if versions.get(course_id) == int(version):
            out[user_id][course_id] = state
    return out


def _completed(conn: Connection, learners: dict[str, list[str]], published: Published,
               rules: Rules) -> dict[str, int]:
    """course -> how many of its learners it counts for, a chunk of people at a time: from the
    evidence folded per person and course at ingest (server.person_year), and from the stored
    records only for the folds missing or no longer current."""
    engine = Outcomes(conn, published, rules)
    latest = {c: m for c in learners if (m := engine.latest(c)) is not None}
    facts = {c: course_facts(m, False) for c, m in latest.items()}
    versions = {c: m.version for c, m in latest.items()}
    by_person: dict[str, list[str]] = defaultdict(list)
    for course_id, people in learners.items():
        if course_id in facts:
            for user_id in people:
                by_person[user_id].append(course_id)
    done: dict[str, int] = defaultdict(int)
    ids = sorted(by_person)
    for k in range(0, len(ids), CHUNK):
        chunk = ids[k:k + CHUNK]
        folded = _folded(conn, chunk, published, rules, versions)
        missing = sorted(u for u in chunk if any(c not in folded.get(u, {}) for c in by_person[u]))
        evidence = evidence_rows(conn, missing) if missing else {}
        for user_id in chunk:
            kept = folded.get(user_id, {})
            found = evidence.get(user_id, Evidence())
            for course_id in by_person[user_id]:
                course = facts[course_id]
                if course_id in kept:
                    shown = CourseFold.from_text(course, rules, kept[course_id]).evidence()
                else:
                    shown = course_evidence(course, found.watch.get(course_id, []),
                                            found.passes.get(course_id, []), rules)
                done[course_id] += course_outcome(course, shown, rules).counts
    return done


def _quizzes(conn: Connection, unit_paths: Sequence[str] | None) -> dict[str, tuple[int, int]]:
    """course -> (quizzes taken, of them passed), one per person and quiz."""
    g = attempt_grades.c
    counts = sa.case((sa.and_(g.passed == 1, g.reason.is_(None)), 1), else_=0)
    pairs = _within(sa.select(g.course_id.label("course_id"), sa.func.max(counts).label("passed"))
                    .select_from(attempt_grades)
                    .where(g.kind == "quiz", g.course_id.is_not(None), g.assessment_id.is_not(None))
                    .group_by(g.course_id, g.user_id, g.assessment_id), g.user_id, unit_paths).subquery()
    query = sa.select(pairs.c.course_id, sa.func.count(), sa.func.sum(pairs.c.passed)).group_by(pairs.c.course_id)
    return {str(course): (int(n), int(passed or 0)) for course, n, passed in conn.execute(query)}


def course_figures(conn: Connection, published: Published, rules: Rules,
                   unit_paths: Sequence[str] | None) -> dict[str, CourseFigures]:
    """Per course, among the people under ``unit_paths`` (None: everyone): learners, how many
    completed it, their study hours, flagged records, quizzes taken and passed."""
    use = course_use(conn, unit_paths)
    learners = _learners(conn, unit_paths)
    done = _completed(conn, learners, published, rules)
    quizzes = _quizzes(conn, unit_paths)
    out = {}
    for course_id in sorted(set(use) | set(quizzes)):
        u = use.get(course_id)
        taken, passed = quizzes.get(course_id, (0, 0))
        out[course_id] = CourseFigures(course_id, u.learners if u else 0, done.get(course_id, 0),
                                       u.study_hours if u else 0.0, u.flagged if u else 0, taken, passed)
    return out
