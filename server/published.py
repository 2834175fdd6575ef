"""What this server published: lessons by course, version and id, read from its repository folder.

Credit is computed against these manifests only (never against what a record says about its
lesson). A record that names a version is credited against that version; one that names none
(older clients) against the newest published version that has the lesson. Manifests are the
server's own files; they are parsed with the same strict checks every client runs and cached
per instance (published versions never change). The list of versions is cached too and read
again when a record names a version it does not hold, so a version published meanwhile is found.
``Published.current`` shares one instance between callers while the repository's catalog stays the
same. Imports only sync/ formats.
"""

from __future__ import annotations

import threading
from pathlib import Path

from server.credit import Lesson
from sync.protocol.catalog import manifest_path
from sync.protocol.errors import SyncError
from sync.protocol.manifest import Manifest


class Published:
    def __init__(self, repo_dir: Path) -> None:
        self.repo_dir = repo_dir
        self._manifests: dict[tuple[str, int], Manifest | None] = {}
        self._versions: dict[str, list[int]] = {}
        self._lessons: dict[tuple[str, int, str | None], tuple[Lesson | None, str]] = {}

    @classmethod
    def current(cls, repo_dir: Path) -> Published:
        """What ``repo_dir`` publishes now, shared with the callers before while its catalog is the same
        (so its manifests are read and checked once, not once per caller). Every publication writes its
        manifest first and then re-signs ``catalog.json`` (server.publish), so a catalog unchanged since
        the shared instance was made means that nothing it reads has changed since then. Without a
        readable catalog: an instance of its own."""
        try:
            catalog = (repo_dir / "catalog.json").read_bytes()
        except OSError:
            return cls(repo_dir)
        with _SHARED_LOCK:
            found = _SHARED.get(repo_dir)
            if found is None or found[0] != catalog:
                found = _SHARED[repo_dir] = (catalog, cls(repo_dir))
            return found[1]

    def versions(self, course_id: str, *, fresh: bool = False) -> list[int]:
        if fresh or course_id not in self._versions:
            folder = self.repo_dir / "manifests" / course_id
            found = sorted(int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()) if folder.is_dir() else []
            self._versions[course_id] = found
        return self._versions[course_id]

    def manifest(self, course_id: str, version: int) -> Manifest | None:
        key = (course_id, version)
        if key not in self._manifests:
            try:
                data = (self.repo_dir / manifest_path(course_id, version)).read_bytes()
                self._manifests[key] = Manifest.parse(data)
            except (OSError, SyncError):
                self._manifests[key] = None
        return self._manifests[key]

    def lesson(self, course_id: str | None, version: int | None, lesson_id: str | None) -> tuple[Lesson | None, str]:
        """(the published lesson, "") or (None, the reason code: unknown_course/_version/_lesson).
        The answer for a version that is published is kept (its manifest never changes)."""
        if course_id is None or version is None:
            return self._lesson(course_id, version, lesson_id)
        key = (course_id, version, lesson_id)
        found = self._lessons.get(key)
        if found is None:
            found = self._lesson(course_id, version, lesson_id)
            if found[1] not in ("unknown_course", "unknown_version"):  # those may be published meanwhile
                self._lessons[key] = found
        return found

    def _lesson(self, course_id: str | None, version: int | None,
                lesson_id: str | None) -> tuple[Lesson | None, str]:
        if course_id is None:
            return None, "unknown_course"
        try:
            versions = self.versions(course_id)
            if version is not None and version not in versions:
                versions = self.versions(course_id, fresh=True)
        except SyncError:
            return None, "unknown_course"
        if not versions:
            return None, "unknown_course"
        if version is not None and version not in versions:
            return None, "unknown_version"
        for v in [version] if version is not None else reversed(versions):
            m = self.manifest(course_id, v)
            entry = next((e for e in m.lessons if e.id == lesson_id), None) if m else None
            if m is not None and entry is not None and entry.duration_s > 0:
                return Lesson(entry.duration_s, m.policy.max_rate), ""
        return None, "unknown_lesson"


_SHARED: dict[Path, tuple[bytes, Published]] = {}
"""``Published.current``'s instance of each repository folder, with the catalog it was made under."""
_SHARED_LOCK = threading.Lock()
