"""What the course page shows and opens, gathered off the GUI thread.

``load_course_data`` (SQLite lane) reads the verified manifest, which lesson and document
files are present and how many bytes are on this PC from the content store, and the person's
progress, passed quizzes and exam, the attempts used at each (with this PC's and the server's
grades) and what still stands before the exam, and the course's assignment (its title and
download size before the manifest is here) from their profile database. ``viewer_copy`` (network lane)
makes a copy of a verified document under its own file name for the system viewer. Must not import widgets.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from client.workers.context import ProfileSession
from sync.account.assignments import Assignment
from sync.content.store import ContentStore
from sync.protocol.errors import IntegrityError
from sync.protocol.manifest import FileEntry, Manifest
from sync.records.attempts import GradedAttempt
from sync.records.progress import LessonProgress
from sync.storage.files import atomic_copy_verified


@dataclass
class CourseData:
    """What the page shows, gathered on the SQLite lane."""

    manifest: Manifest | None
    playable: set[str] = field(default_factory=set)  # lesson ids whose verified file is present
    documents_present: set[str] = field(default_factory=set)
    progress: dict[str, LessonProgress] = field(default_factory=dict)  # by lesson id
    bytes_present: int = 0
    bytes_total: int = 0  # without a manifest: the size the server reported, 0 if unknown
    passed: set[str] = field(default_factory=set)  # "exam", "quiz:<name>" (sync.records.my_courses.quiz_names)
    assignment: Assignment | None = None
    attempts_used: dict[str, int] = field(default_factory=dict)  # by quiz or exam id, an open attempt counted
    exam_interrupted: bool = False  # an exam attempt is open (a crash or a close left it)
    exam_missing: list[tuple[str, str]] = field(default_factory=list)  # sync.records.attempts.exam_missing
    graded: list[GradedAttempt] = field(default_factory=list)  # submitted attempts, this PC's and the server's grade


def load_course_data(store: ContentStore, session: ProfileSession, course_id: str) -> CourseData:
    """Worker thread (SQLite lane): manifest, file presence, progress and results for one course."""
    from sync.account.assignments import AssignmentCache
    from sync.records.attempts import attempts_used, exam_missing, graded_attempts, open_attempt
    from sync.records.outbox import passed_assessments
    from sync.records.progress import load_progress

    manifest = store.manifest(course_id)
    conn = session.db()
    try:
        progress = load_progress(conn, course_id)
        passed = passed_assessments(conn).get(course_id, set())
        assignment = AssignmentCache(conn).get(course_id)
        tests = (*manifest.quizzes, *((manifest.exam,) if manifest.exam else ())) if manifest else ()
        used = {a.id: attempts_used(conn, course_id, a.id, a.kind) for a in tests}
        interrupted = manifest is not None and manifest.exam is not None and \
            open_attempt(conn, course_id, manifest.exam.id) is not None
        graded = graded_attempts(conn, course_id)
    finally:
        conn.close()
    if manifest is None:
        size = (assignment.size_bytes or 0) if assignment is not None else 0
        return CourseData(None, bytes_total=size, passed=passed, assignment=assignment)
    playable = {e.id for e in manifest.lessons if store.lesson_file(manifest, e.id) is not None}
    docs = {e.id for e in manifest.documents if store.document_file(manifest, e.id) is not None}
    present, total = store.course_state(manifest)
    return CourseData(manifest, playable, docs, dict(progress), present, total, passed, assignment, used,
                      interrupted, exam_missing(manifest, progress, passed), graded)


def viewer_copy(store: ContentStore, manifest: Manifest, entry: FileEntry) -> Path:
    """Worker thread: a copy of a verified document under its own file name, for the system viewer.

    The store names blobs by hash (no extension); viewers pick a program by extension. The
    name comes from the signed manifest and was checked as one safe path component.
    """
    source = store.document_file(manifest, entry.id)
    if source is None:
        raise FileNotFoundError(entry.filename)
    folder = Path(tempfile.gettempdir()) / "studydesk-documents" / entry.blob[:16]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / Path(entry.filename).name
    if not (target.is_file() and target.stat().st_size == source.stat().st_size):
        damaged = IntegrityError("hash_mismatch", f"{entry.filename} is damaged on this PC")
        atomic_copy_verified(source, target, entry.blob, damaged, mode=0o600)
    return target
