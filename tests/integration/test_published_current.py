"""server.published.Published.current: one instance while the catalog stays the same, a new one after publishing."""

from __future__ import annotations

from pathlib import Path

from server.config import ServerConfig
from server.credit import Lesson
from server.published import Published
from tests.support.courses import publish_lessons


def test_a_publication_is_seen_at_once_and_nothing_is_read_again_before(tmp_path: Path) -> None:
    data = tmp_path / "data"
    repo = ServerConfig(data).repo_dir
    assert Published.current(repo) is not Published.current(repo)  # nothing published yet: no catalog to share by
    publish_lessons(data, "course-1", {"lesson-1": 600.0}, max_rate=1.0)
    first = Published.current(repo)
    assert first.lesson("course-1", None, "lesson-1") == (Lesson(600.0, 1.0), "")
    assert first.lesson("course-1", None, "lesson-2") == (None, "unknown_lesson")
    assert Published.current(repo) is first  # the same catalog: what was read is kept
    publish_lessons(data, "course-1", {"lesson-1": 600.0, "lesson-2": 300.0}, max_rate=1.5)
    second = Published.current(repo)
    assert second is not first
    assert second.lesson("course-1", None, "lesson-2") == (Lesson(300.0, 1.5), "")  # the newest version
    assert second.lesson("course-1", 1, "lesson-1") == (Lesson(600.0, 1.0), "")
    assert second.lesson("course-1", 1, "lesson-2") == (None, "unknown_lesson")
    assert Published.current(repo) is second
