"""The demo runner: server child process, key, published demo course, site file, download."""

from __future__ import annotations

from pathlib import Path

from client.demo import DEMO_COURSE_ID, download_demo_course, prepare
from sync.content.store import ContentStore
from sync.site.config import load_site
from tests.support.server_process import free_port


def test_demo_prepares_server_site_and_downloads_the_course(tmp_path: Path) -> None:
    env = prepare(root=tmp_path / "demo", port=free_port())
    try:
        site = load_site(env.site_path)
        assert site.server_url == env.server_url and site.publisher_keys == (env.public_key,)
        assert download_demo_course(env) == 0
        store = ContentStore(env.client_data / "content", site.trusted_keys())
        manifest = store.manifest(DEMO_COURSE_ID)
        assert manifest is not None and len(manifest.lessons) == 3
        assert all(store.lesson_file(manifest, lesson.id) for lesson in manifest.lessons)
        assert store.document_file(manifest, "handout") is not None
    finally:
        env.stop()
    assert env.process.poll() is not None
    again = prepare(root=tmp_path / "demo", port=free_port())  # a second run reuses key and course
    try:
        assert again.public_key == env.public_key
        assert [p.name for p in (again.server_data / "repo" / "manifests" / DEMO_COURSE_ID).iterdir()] == ["1.json"]
    finally:
        again.stop()
