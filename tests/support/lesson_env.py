"""Real course content and a real profile for the course page and player window tests.

``make_video`` renders a real H.264 clip with ffmpeg; ``install_course`` signs a manifest (with
sealed quizzes and an exam when given) with a fresh publisher key and places real blobs in a
real ContentStore; ``LocalProfile`` is a person's real profile database and outbox (the same
engines a signed-in UserSession uses: ``open_profile_db``, ``Outbox`` with a device signer),
without a server round trip.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from player.policy import PlayerPolicy
from sync.account.profile_db import open_profile_db
from sync.content.store import ContentStore
from sync.protocol.assessment import Assessment
from sync.protocol.keys import PrivateKey
from sync.protocol.manifest import FileEntry, Manifest
from sync.protocol.records import DeviceSigner
from sync.records.outbox import Outbox


def make_video(path: Path, seconds: float = 6.0, *, faststart: bool = False) -> Path:
    """A small real video (test pattern + tone) of ``seconds``; ``faststart`` puts the index first,
    so that a copy cut short still parses with the full duration (and then ends early)."""
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("ffmpeg is needed to generate test media")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size=320x180:rate=15:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", *(["-movflags", "+faststart"] if faststart else []),
         str(path)],
        check=True, timeout=60,
    )
    return path


@dataclass
class LessonSpec:
    id: str
    title: str
    data: bytes
    duration_s: float
    present: bool = True  # False: the manifest names it but its blob is not in the store


@dataclass
class DocSpec:
    id: str
    title: str
    data: bytes
    filename: str = "handout.pdf"
    mime: str = "application/pdf"


@dataclass
class InstalledCourse:
    store: ContentStore
    manifest: Manifest
    key: PrivateKey
    blob_of: dict[str, str] = field(default_factory=dict)  # entry id -> blob hex


def _place(store: ContentStore, data: bytes, tmp: Path) -> str:
    digest = hashlib.sha256(data).hexdigest()
    staged = tmp / f"{digest}.staged"
    staged.write_bytes(data)
    store.place_blob(digest, staged)
    return digest


def install_course(root: Path, course_id: str, lessons: list[LessonSpec], documents: list[DocSpec] | None = None,
                   policy: PlayerPolicy | None = None, title: str = "学习贯彻党的二十大精神",
                   quizzes: tuple[Assessment, ...] = (), exam: Assessment | None = None) -> InstalledCourse:
    key = PrivateKey.generate()
    store = ContentStore(root / "content", {key.public.key_id: key.public}).ensure()
    staging = root / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    blob_of: dict[str, str] = {}
    entries = []
    for spec in lessons:
        digest = hashlib.sha256(spec.data).hexdigest()
        if spec.present:
            _place(store, spec.data, staging)
        blob_of[spec.id] = digest
        entries.append(FileEntry(spec.id, spec.title, digest, len(spec.data), "video/mp4", f"{spec.id}.mp4",
                                 spec.duration_s))
    docs = []
    for doc in documents or []:
        digest = _place(store, doc.data, staging)
        blob_of[doc.id] = digest
        docs.append(FileEntry(doc.id, doc.title, digest, len(doc.data), doc.mime, doc.filename))
    manifest = Manifest(course_id=course_id, version=1, title=title, description="", category="理论学习",
                        credit_hours=2.0, published_at="2026-11-01T00:00:00Z", policy=policy or PlayerPolicy(),
                        lessons=tuple(entries), documents=tuple(docs), quizzes=quizzes, exam=exam).signed(key)
    store.save_manifest(manifest.to_bytes())
    return InstalledCourse(store, manifest, key, blob_of)


class LocalProfile:
    """One person's real profile database and signed outbox (what UserSession.db()/outbox() give)."""

    def __init__(self, profile_dir: Path, user_id: str = "u-test", device_id: str = "d-test",
                 key: PrivateKey | None = None) -> None:
        self.profile_dir = profile_dir
        self.user_id = user_id
        self.key = key or PrivateKey.generate()
        self.signer = DeviceSigner(device_id, user_id, self.key)

    def db(self) -> sqlite3.Connection:
        return open_profile_db(self.profile_dir)

    def outbox(self, conn: sqlite3.Connection | None = None) -> Outbox:
        return Outbox(conn if conn is not None else self.db(), self.signer)
