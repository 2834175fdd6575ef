"""Courses as the admin web manages them: publishing one uploaded as a zip of its source folder
(course.toml and its files, the same as ``studydesk-server publish SRC_DIR``), saying what
changed from the version before, and taking a course off line (out of the signed catalog: no
new downloads; its manifests and blobs stay, so what people already have keeps verifying and
their records keep their credit).

A zip is untrusted: it is unpacked only when every member is a plain file with a relative path
that stays inside the folder, there are at most MAX_MEMBERS of them and they unpack to at most
MAX_UNPACKED_BYTES. Services only; no HTTP here.
"""

from __future__ import annotations

import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from server.config import ServerConfig
from server.publish import PublishResult, publish, published_versions, read_course_toml, remove_from_catalog
from server.publisher_keys import ensure_key, load_private
from sync.protocol.catalog import Catalog, manifest_path
from sync.protocol.errors import FormatError
from sync.protocol.manifest import FileEntry, Manifest

MAX_MEMBERS = 2000
MAX_UNPACKED_BYTES = 4 * 1024**3


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
                raise FormatError("bad_zip", f"the zip holds more than {MAX_MEMBERS} files")
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise FormatError("bad_zip", "the zip unpacks to more than 4 GiB")
            for m in members:
                path = PurePosixPath(m.filename)
                kind = stat.S_IFMT(m.external_attr >> 16)
                if path.is_absolute() or ".." in path.parts or "\\" in m.filename or kind not in (0, stat.S_IFREG,
                                                                                                   stat.S_IFDIR):
                    raise FormatError("bad_zip", f"the zip member {m.filename!r} is not a plain file inside it")
            z.extractall(into)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FormatError("bad_zip", f"not a readable zip file: {exc}") from None
    found = sorted(into.rglob("course.toml"), key=lambda p: len(p.parts))
    if not found:
        raise FormatError("bad_zip", "the zip holds no course.toml")
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
