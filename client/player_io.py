"""The player window's work off the GUI thread: loading a lesson, saving through the outbox,
checking a lesson file VLC could not play.

Every function here runs on a worker (the SQLite lane or the network lane), never on the GUI
thread, and touches no widget. Must not import windows or widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from client.workers.context import ProfileSession
from sync.content.store import ContentStore
from sync.protocol.manifest import Manifest

if TYPE_CHECKING:
    from sync.records.outbox import Outbox
    from sync.records.progress import LessonProgress


@dataclass
class LessonLoad:
    manifest: Manifest | None
    title: str = ""
    path: Path | None = None
    progress: LessonProgress | None = None
    blob: str = ""  # the lesson file's sha256


def discard_if_damaged(store: ContentStore, blob: str) -> bool:
    """Worker thread: re-hash a lesson file VLC could not play; remove it when it no longer matches
    its hash (damaged on disk), so that downloading the course fetches it again. True if removed."""
    if not blob or not store.has_blob(blob) or store.verify_blob(blob):
        return False
    with store.blob_lock(blob):
        if store.has_blob(blob) and not store.verify_blob(blob):
            store.blob_path(blob).unlink()
            return True
    return False


def load_lesson(store: ContentStore, session: ProfileSession, course_id: str, lesson_id: str) -> LessonLoad:
    """SQLite lane: the verified lesson file and this person's saved progress."""
    from sync.records.progress import load_progress

    manifest = store.manifest(course_id)
    entry = next((e for e in manifest.lessons if e.id == lesson_id), None) if manifest else None
    if manifest is None or entry is None:
        return LessonLoad(None)
    conn = session.db()
    try:
        progress = load_progress(conn, course_id).get(lesson_id)
    finally:
        conn.close()
    return LessonLoad(manifest, entry.title, store.lesson_file(manifest, lesson_id), progress, entry.blob)


class OutboxHolder:
    """This window's outbox (own connection), created and closed on the SQLite lane only."""

    def __init__(self, session: ProfileSession) -> None:
        self._session = session
        self._outbox: Outbox | None = None

    def get(self) -> Outbox:
        if self._outbox is None:
            self._outbox = self._session.outbox()
        return self._outbox

    def close(self) -> None:
        if self._outbox is not None:
            self._outbox.conn.close()
        self._outbox = None
