"""The local content store on real files: verified placement, per-lesson availability, removal."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from player.policy import PlayerPolicy
from sync.content.cancel import CancelEvent
from sync.content.ratelimit import TokenBucket
from sync.content.sources import FolderSource
from sync.content.store import ContentStore
from sync.protocol.errors import FormatError, IntegrityError, UnsafePathError
from sync.protocol.keys import PrivateKey
from sync.protocol.manifest import FileEntry, Manifest
from sync.storage.files import atomic_write_bytes

KEY = PrivateKey.generate()
TRUSTED = {KEY.public.key_id: KEY.public}


def _entry(eid: str, data: bytes) -> FileEntry:
    return FileEntry(eid, eid, hashlib.sha256(data).hexdigest(), len(data), "video/mp4", f"{eid}.mp4", 1.0)


def _manifest(course: str, version: int, *blobs: bytes) -> Manifest:
    lessons = tuple(_entry(f"lesson-{i}", b) for i, b in enumerate(blobs, start=1))
    return Manifest(course, version, "课程", "", "测试", 1.0, "2026-01-01T00:00:00Z", PlayerPolicy(),
                    lessons).signed(KEY)


def _place(store: ContentStore, data: bytes, tmp: Path) -> str:
    digest = hashlib.sha256(data).hexdigest()
    f = tmp / f"incoming-{digest[:8]}"
    f.write_bytes(data)
    store.place_blob(digest, f)
    return digest


def test_lessons_become_available_one_by_one(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "content", TRUSTED).ensure()
    m = store.save_manifest(_manifest("c", 1, b"one", b"two!").to_bytes())
    assert store.installed_courses() == [m]
    assert store.lesson_file(m, "lesson-1") is None and store.course_state(m) == (0, 7)
    _place(store, b"one", tmp_path)
    assert store.lesson_file(m, "lesson-1") == store.blob_path(m.lessons[0].blob)
    assert store.lesson_file(m, "lesson-2") is None and store.lesson_file(m, "nope") is None
    part, _ = store.partial_paths(m.lessons[1].blob)
    part.write_bytes(b"tw")
    assert store.course_state(m) == (5, 7)
    assert store.missing_blobs(m) == {m.lessons[1].blob: 4}
    with pytest.raises(IntegrityError):
        store.blob_path(m.lessons[1].blob)


def test_latest_version_and_tampered_copies(tmp_path: Path) -> None:
    store = ContentStore(tmp_path, TRUSTED).ensure()
    store.save_manifest(_manifest("c", 1, b"a").to_bytes())
    store.save_manifest(_manifest("c", 2, b"b").to_bytes())
    assert store.manifest("c").version == 2  # type: ignore[union-attr]
    v2 = tmp_path / "manifests" / "c" / "2.json"
    v2.write_bytes(v2.read_bytes().replace("课程".encode(), "假的".encode()))
    assert store.manifest("c").version == 1  # type: ignore[union-attr]  # the tampered copy is not trusted
    assert store.manifest("c", 2) is None
    other = ContentStore(tmp_path, {})  # no pinned key: nothing is trusted
    assert other.manifest("c") is None and other.installed_courses() == []
    with pytest.raises(IntegrityError):
        other.save_manifest(_manifest("d", 1, b"x").to_bytes())


def test_remove_course_keeps_blobs_shared_with_other_courses(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "content", TRUSTED).ensure()
    a = store.save_manifest(_manifest("a", 1, b"shared", b"only-a").to_bytes())
    b = store.save_manifest(_manifest("b", 1, b"shared").to_bytes())
    for data in (b"shared", b"only-a"):
        _place(store, data, tmp_path)
    store.remove_course("a")
    assert store.manifest("a") is None
    assert store.has_blob(b.lessons[0].blob) and not store.has_blob(a.lessons[1].blob)
    assert store.verify_blob(b.lessons[0].blob)


def test_atomic_write_and_bad_names(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.json"
    atomic_write_bytes(target, b"1")
    atomic_write_bytes(target, b"2")
    assert target.read_bytes() == b"2" and [p.name for p in target.parent.iterdir()] == ["file.json"]
    store = ContentStore(tmp_path / "content", TRUSTED)
    with pytest.raises(FormatError):
        store.has_blob("../../etc/passwd")
    source = FolderSource(tmp_path / "content")
    for path in ("../x", "/etc/passwd", "blobs\\sha256\\x", "blobs/../../x"):
        with pytest.raises(UnsafePathError):
            source.fetch(path, 100, CancelEvent())


def test_token_bucket_waits_only_beyond_its_burst() -> None:
    now = [0.0]
    bucket = TokenBucket(1000, burst_bytes=500, clock=lambda: now[0])
    bucket.acquire(500)  # the burst is free
    assert bucket._tokens == 0
    now[0] += 0.25
    bucket.acquire(250)  # refilled at 1000 B/s
    assert bucket._tokens == 0
    assert TokenBucket(0).unlimited
