"""What the course page shows and opens, gathered off the GUI thread.

``load_course_data`` (SQLite lane) reads the verified manifest and which lesson and document
files are present from the content store, and the person's progress from their profile
database. ``viewer_copy`` (network lane) makes a copy of a verified document under its own
file name for the system viewer. Must not import widgets.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from client.workers.context import ProfileSession
from sync.content.store import ContentStore
from sync.protocol.manifest import FileEntry, Manifest
from sync.records.progress import LessonProgress


@dataclass
class CourseData:
    """What the page shows, gathered on the SQLite lane."""

    manifest: Manifest | None
    playable: set[str] = field(default_factory=set)  # lesson ids whose verified file is present
    documents_present: set[str] = field(default_factory=set)
    progress: dict[str, LessonProgress] = field(default_factory=dict)  # by lesson id


def load_course_data(store: ContentStore, session: ProfileSession, course_id: str) -> CourseData:
    """Worker thread (SQLite lane): manifest, file presence and progress for one course."""
    from sync.records.progress import load_progress

    manifest = store.manifest(course_id)
    if manifest is None:
        return CourseData(None)
    playable = {e.id for e in manifest.lessons if store.lesson_file(manifest, e.id) is not None}
    docs = {e.id for e in manifest.documents if store.document_file(manifest, e.id) is not None}
    conn = session.db()
    try:
        progress = load_progress(conn, course_id)
    finally:
        conn.close()
    return CourseData(manifest, playable, docs, dict(progress))


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
        partial = folder / (target.name + ".part")
        shutil.copyfile(source, partial)
        partial.replace(target)
    return target
