"""The player window's work off the GUI thread: loading a lesson, saving through the outbox,
checking a lesson file VLC could not play.

Loading takes the person's study lock (``sync.account.study_lock``): the window that holds it
earns credit, first signing what a crash left pending, and another window of the same person
plays without credit. The coverage a player relies on (its seek limit) comes from the signed
records (``sync.records.progress.trusted_progress``), never from the editable progress row
alone; the resume position is clipped to it when the course forbids seeking ahead.

Every function here runs on a worker (the SQLite lane or the network lane), never on the GUI
thread, and touches no widget. Must not import windows or widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from client.workers.context import ProfileSession
from sync.content.store import ContentStore
from sync.protocol.manifest import Manifest

if TYPE_CHECKING:
    from sync.account.study_lock import StudyLock
    from sync.records.outbox import Outbox
    from sync.records.progress import LessonProgress


@dataclass
class LessonLoad:
    manifest: Manifest | None
    title: str = ""
    path: Path | None = None
    progress: LessonProgress | None = None
    blob: str = ""  # the lesson file's sha256
    earns_credit: bool = True  # False: another window or app of this person holds the study lock


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


def load_lesson(store: ContentStore, holder: OutboxHolder, course_id: str, lesson_id: str) -> LessonLoad:
    """SQLite lane: the verified lesson file, this person's saved progress (its coverage from
    signed records) and whether this window earns credit (it took the study lock)."""
    from sync.records.progress import sign_pending, trusted_progress

    manifest = store.manifest(course_id)
    entry = next((e for e in manifest.lessons if e.id == lesson_id), None) if manifest else None
    if manifest is None or entry is None:
        return LessonLoad(None)
    earns = holder.take_study_lock()
    outbox = holder.get()
    if earns:  # nobody else earns credit for this person now: what is pending was left by a crash
        sign_pending(outbox, lambda c, _lesson: _max_rate(store, c))
    progress = trusted_progress(outbox, course_id, lesson_id, max_rate=manifest.policy.max_rate)
    if progress is not None and not manifest.policy.seek_ahead:
        furthest = max((end for _, end in progress.covered_segments), default=0.0)
        progress = replace(progress, position_s=min(progress.position_s, furthest))
    return LessonLoad(manifest, entry.title, store.lesson_file(manifest, lesson_id), progress, entry.blob, earns)


def _max_rate(store: ContentStore, course_id: str) -> float | None:
    manifest = store.manifest(course_id)
    return manifest.policy.max_rate if manifest is not None else None


class OutboxHolder:
    """This window's outbox (own connection) and study lock, taken and released on the SQLite
    lane only."""

    def __init__(self, session: ProfileSession) -> None:
        self._session = session
        self._outbox: Outbox | None = None
        self._lock: StudyLock | None = None

    def get(self) -> Outbox:
        if self._outbox is None:
            self._outbox = self._session.outbox()
        return self._outbox

    def take_study_lock(self) -> bool:
        """True when this window holds the person's study lock (and so earns credit)."""
        from sync.account.study_lock import StudyLock

        if self._lock is None:
            self._lock = StudyLock(self._session.profile_dir)
        return self._lock.acquire()

    def close(self) -> None:
        if self._outbox is not None:
            self._outbox.conn.close()
        self._outbox = None
        if self._lock is not None:
            self._lock.release()
