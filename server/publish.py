"""``publish``: turn a course source folder into a signed version in the static repository.

A source folder holds ``course.toml`` next to its files::

    id = "party-theory-2026"        # required
    version = "auto"                # or a whole number above every published one
    title = "..."; description = "..."; category = "..."; credit_hours = 2.0
    [policy]                        # any of player.policy.PlayerPolicy's keys; the rest take defaults
    [[lessons]]  file = "01.mp4"  title = "..."  (id, duration_s optional: ffprobe measures it)
    [[documents]] file = "notes.pdf" title = "..."  (id optional)
    [[quizzes]] / [exam]            # questions and answers: see server.assessment_source

Each file is hashed into ``blobs/sha256/<hex>`` (temp file + fsync + rename, so a crash
never leaves half a blob); a file already there is shared, not copied again. Quizzes and the
exam go into the manifest sealed (no answer readable); their clear answer key goes to
``answer_key_path`` in the server's key folder, which is never served. Then the key, the
signed manifest and the re-signed catalog are written atomically, in that order, under a
lock, so readers always see a catalog that points at complete versions, and every served
manifest has its key.
Imports only sync/ formats.
"""

from __future__ import annotations

import contextlib
import fcntl
import mimetypes
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from player.policy import PlayerPolicy
from server.assessment_source import CourseAssessments, read_assessments
from sync.protocol.canonical import sha256_hex
from sync.protocol.catalog import Catalog, CatalogEntry, manifest_path
from sync.protocol.errors import FormatError, StorageError, UnsafePathError
from sync.protocol.keys import PrivateKey
from sync.protocol.manifest import FileEntry, Manifest, check_file_name, check_id, parse_policy
from sync.storage.files import atomic_copy_verified, atomic_write_bytes, file_sha256

mimetypes.add_type("video/mp4", ".mp4")
mimetypes.add_type("application/pdf", ".pdf")


@dataclass(frozen=True, slots=True)
class PublishResult:
    manifest: Manifest
    path: Path
    new_blobs: int
    shared_blobs: int
    new_bytes: int
    unchanged: bool = False


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_course_toml(src_dir: Path) -> dict[str, Any]:
    path = src_dir / "course.toml"
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise FormatError.worded("no_course_file", "%(file)s does not exist", file=str(path)) from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormatError.worded("malformed_toml", "%(file)s is not valid TOML: %(error)s",
                                 file=str(path), error=str(exc)) from exc


def source_file(src_dir: Path, name: Any, where: str) -> Path:
    """A file named in course.toml: relative, inside the source folder, a regular file."""
    if not isinstance(name, str) or not name or "\\" in name or Path(name).is_absolute():
        raise UnsafePathError.worded("unsafe_path", "%(where)s: file %(name)r must be a relative path inside the "
                                     "folder", where=where, name=name)
    path = (src_dir / name).resolve()
    if not path.is_relative_to(src_dir.resolve()):
        raise UnsafePathError.worded("unsafe_path", "%(where)s: file %(name)r is outside the course folder",
                                     where=where, name=name)
    if not path.is_file():
        raise FormatError.worded("missing_file", "%(where)s: file %(name)r does not exist", where=where, name=name)
    return path


def probe_duration_s(path: Path) -> float:
    """The media duration measured by ffprobe."""
    cmd = ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", str(path)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout.strip()
        return round(float(out), 3)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise FormatError.worded("no_duration", "cannot measure %(file)s (install ffprobe or give duration_s)",
                                 file=str(path.name)) from exc


def store_blob(repo_dir: Path, path: Path) -> tuple[str, int, bool]:
    """Put ``path`` into the blob store; returns (sha256, size, newly stored?)."""
    digest = file_sha256(path)
    blobs = repo_dir / "blobs" / "sha256"
    dest = blobs / digest
    if dest.is_file() and dest.stat().st_size == path.stat().st_size:
        return digest, dest.stat().st_size, False
    changed = StorageError.worded("changed_while_publishing", "%(file)s changed while it was being published",
                                  file=str(path.name))
    atomic_copy_verified(path, dest, digest, changed)
    return digest, dest.stat().st_size, True


def published_versions(repo_dir: Path, course_id: str) -> list[int]:
    folder = repo_dir / "manifests" / course_id
    return sorted(int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()) if folder.is_dir() else []


@contextlib.contextmanager
def repo_lock(repo_dir: Path) -> Iterator[None]:
    repo_dir.mkdir(parents=True, exist_ok=True)
    with open(repo_dir / ".publish.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class _Builder:
    """Collects blobs and entries for one publish run."""

    def __init__(self, src_dir: Path, repo_dir: Path) -> None:
        self.src_dir, self.repo_dir = src_dir, repo_dir
        self.new_blobs = self.shared_blobs = self.new_bytes = 0

    def entries(self, items: Any, kind: str) -> tuple[FileEntry, ...]:
        if items is None:
            return ()
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise FormatError.worded("bad_field", "course.toml: [[%(kind)ss]] must be a list of tables", kind=kind)
        return tuple(self.entry(x, kind, i) for i, x in enumerate(items))

    def entry(self, item: dict[str, Any], kind: str, i: int) -> FileEntry:
        where = f"{kind} {i + 1}"
        path = source_file(self.src_dir, item.get("file"), where)
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            raise FormatError.worded("missing_field", "%(where)s: a title is required", where=where)
        digest, size, new = store_blob(self.repo_dir, path)
        self.new_blobs += new
        self.shared_blobs += not new
        self.new_bytes += size if new else 0
        duration = item.get("duration_s")
        if kind == "lesson" and duration is None:
            duration = probe_duration_s(path)
        if duration is not None and (not isinstance(duration, int | float) or isinstance(duration, bool)):
            raise FormatError.worded("bad_field", "%(where)s: duration_s must be a number", where=where)
        return FileEntry(
            id=check_id(str(item.get("id") or f"{kind}-{i + 1}"), where),
            title=title.strip(),
            blob=digest,
            size=size,
            mime=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            filename=check_file_name(path.name, where),
            duration_s=float(duration or 0.0),
        )


def _policy(raw: Any) -> PlayerPolicy:
    if raw is None:
        return PlayerPolicy()
    if not isinstance(raw, dict):
        raise FormatError.worded("bad_field", "course.toml: [policy] must be a table")
    unknown = set(raw) - set(PlayerPolicy().to_dict())
    if unknown:
        raise FormatError.worded("bad_field", "course.toml: unknown policy keys %(keys)s", keys=str(sorted(unknown)))
    return parse_policy({**PlayerPolicy().to_dict(), **raw})


def _version(doc: dict[str, Any], existing: list[int]) -> int:
    wanted = doc.get("version", "auto")
    if wanted == "auto":
        return (max(existing) if existing else 0) + 1
    if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 1:
        raise FormatError("bad_field", 'course.toml: version must be "auto" or a whole number >= 1')
    if existing and wanted <= max(existing):
        raise FormatError.worded("version_exists", "version %(wanted)s is not above the published %(published)s",
                                 wanted=wanted, published=max(existing))
    return wanted


def _text(doc: dict[str, Any], key: str, required: bool = True) -> str:
    value = doc.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise FormatError.worded("missing_field", "course.toml: %(key)s must be given as text", key=key)
    return value.strip()


def build_manifest(src_dir: Path, repo_dir: Path, existing: list[int],
                   key: PrivateKey) -> tuple[Manifest, _Builder, CourseAssessments]:
    """The unsigned manifest of ``src_dir`` (its files stored as blobs), and its sealed
    assessments with their clear key (sealed with salts derived from ``key``)."""
    doc = read_course_toml(src_dir)
    course_id = check_id(_text(doc, "id"), "course.toml")
    credit = doc.get("credit_hours", 0)
    if not isinstance(credit, int | float) or isinstance(credit, bool) or credit < 0:
        raise FormatError.worded("bad_field", "course.toml: credit_hours must be a number >= 0")
    exam = doc.get("exam")
    quizzes = doc.get("quizzes", [])
    if (exam is not None and not isinstance(exam, dict)) or not isinstance(quizzes, list):
        raise FormatError.worded("bad_field", "course.toml: [exam] must be a table and [[quizzes]] a list of tables")
    builder = _Builder(src_dir, repo_dir)
    lessons = builder.entries(doc.get("lessons"), "lesson")
    if not lessons:
        raise FormatError.worded("missing_field", "course.toml: a course needs at least one [[lessons]] entry")
    assessments = read_assessments(doc, course_id, {e.id for e in lessons}, key)
    manifest = Manifest(
        course_id=course_id, version=_version(doc, existing), title=_text(doc, "title"),
        description=_text(doc, "description", required=False), category=_text(doc, "category"),
        credit_hours=float(credit), published_at=_now(), policy=_policy(doc.get("policy")),
        lessons=lessons, documents=builder.entries(doc.get("documents"), "document"),
        quizzes=assessments.quizzes, exam=assessments.exam,
    )
    return manifest, builder, assessments


def _readable(path: Path) -> Manifest | None:
    """The published manifest at ``path``; None when this version of the format no longer reads
    it (say, quizzes written before they were sealed), so the course is published anew."""
    try:
        return Manifest.parse(path.read_bytes())
    except FormatError:
        return None


def _same_content(a: Manifest, b: Manifest) -> bool:
    def strip(m: Manifest) -> dict[str, Any]:
        return {k: v for k, v in m.unsigned_dict().items() if k not in ("version", "published_at")}

    return strip(a) == strip(b)


def answer_key_path(answer_keys_dir: Path, course_id: str, version: int) -> Path:
    """Where the clear answer key of a published course version lives on the server."""
    return answer_keys_dir / check_id(course_id, "answer key") / f"{version}.json"


def publish(src_dir: Path, repo_dir: Path, key: PrivateKey, answer_keys_dir: Path) -> PublishResult:
    """Publish ``src_dir`` as a new version (or report it unchanged) and re-sign the catalog;
    the clear answer key of its quizzes and exam goes under ``answer_keys_dir``, outside
    ``repo_dir``."""
    if answer_keys_dir.resolve().is_relative_to(repo_dir.resolve()):
        raise StorageError.worded("key_in_repo", "%(keys)s is inside the served repository %(repository)s",
                                  keys=str(answer_keys_dir), repository=str(repo_dir))
    with repo_lock(repo_dir):
        doc = read_course_toml(src_dir)
        course_id = check_id(_text(doc, "id"), "course.toml")
        existing = published_versions(repo_dir, course_id)
        manifest, b, assessments = build_manifest(src_dir, repo_dir, existing, key)
        if existing and doc.get("version", "auto") == "auto":
            latest_path = repo_dir / manifest_path(course_id, max(existing))
            latest = _readable(latest_path)
            if latest is not None and _same_content(latest, manifest):
                return PublishResult(latest, latest_path, 0, b.shared_blobs, 0, unchanged=True)
        signed = manifest.signed(key)
        data = signed.to_bytes()
        Manifest.parse(data)  # the same strict checks every client runs
        if not assessments.empty:
            atomic_write_bytes(answer_key_path(answer_keys_dir, course_id, signed.version),
                               assessments.key(course_id, signed.version).to_bytes(), mode=0o600)
        path = repo_dir / manifest_path(course_id, signed.version)
        atomic_write_bytes(path, data)
        write_catalog(repo_dir, key, CatalogEntry(course_id, signed.title, signed.version,
                                                  manifest_path(course_id, signed.version), sha256_hex(data)))
        return PublishResult(signed, path, b.new_blobs, b.shared_blobs, b.new_bytes)


def write_catalog(repo_dir: Path, key: PrivateKey, entry: CatalogEntry | None = None) -> Catalog:
    """Re-sign ``catalog.json`` with ``entry`` added or replaced (the caller holds the repo lock)."""
    path = repo_dir / "catalog.json"
    current = Catalog.parse(path.read_bytes()) if path.is_file() else Catalog(generated_at=_now())
    updated = current.with_entry(entry, _now()) if entry else replace(current, generated_at=_now())
    signed = updated.signed(key)
    atomic_write_bytes(path, signed.to_bytes())
    return signed



def remove_from_catalog(repo_dir: Path, key: PrivateKey, course_id: str) -> bool:
    """Take a course off line: re-sign ``catalog.json`` without it (no new downloads). Its manifests
    and blobs stay, so copies already downloaded keep verifying. False when it was not listed."""
    with repo_lock(repo_dir):
        path = repo_dir / "catalog.json"
        current = Catalog.parse(path.read_bytes()) if path.is_file() else None
        if current is None or current.entry(course_id) is None:
            return False
        rest = tuple(c for c in current.courses if c.id != course_id)
        atomic_write_bytes(path, replace(current, courses=rest, generated_at=_now()).signed(key).to_bytes())
    return True
