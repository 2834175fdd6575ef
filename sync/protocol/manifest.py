"""Course manifests and the repository catalog: the signed contract of a course package.

A manifest is a JSON object (format 1) that names a course version, its lessons,
documents, quizzes and final exam, and study policy, and carries an Ed25519 signature over
its canonical bytes without the ``signature`` member. Quizzes and the exam are
``sync.protocol.assessment.Assessment`` in their sealed form: no answer in readable text.
The study policy is ``player.policy.PlayerPolicy``, the class the player's accounting reads,
so a parsed manifest's ``policy`` goes to the player as it is.

Parsing is strict: unknown format versions, missing or mistyped fields, unsafe file names
and bad hashes raise FormatError/UnsafePathError before anything is trusted.
Must not import Qt or anything from client/ or server/; of player/, only its pure kernel.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from player.errors import PolicyError
from player.policy import PlayerPolicy
from sync.protocol.assessment import EXAM, QUIZ, Assessment
from sync.protocol.canonical import canonical_bytes, parse_json_object
from sync.protocol.errors import FormatError, UnsafePathError
from sync.protocol.json_limits import JsonLimits
from sync.protocol.keys import PrivateKey, PublicKey, verify_signed_document

FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
# A lesson or quiz costs a few dozen values; a value takes at least 2 bytes of JSON, usually 10 or more.
MANIFEST_LIMITS = JsonLimits(max_bytes=MAX_MANIFEST_BYTES, max_values=MAX_MANIFEST_BYTES // 8,
                             max_string_bytes=1024 * 1024)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f:*?\"<>|]{1,200}$")


def _req(obj: dict[str, Any], key: str, typ: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise FormatError("missing_field", f"{where}: missing field {key!r}")
    value = obj[key]
    if isinstance(value, bool) and typ in (int, float, (int, float)):
        raise FormatError("bad_field", f"{where}: field {key!r} has the wrong type")
    if not isinstance(value, typ):
        raise FormatError("bad_field", f"{where}: field {key!r} has the wrong type")
    return value


def check_id(value: str, where: str) -> str:
    if not _ID.match(value):
        raise FormatError("bad_id", f"{where}: {value!r} is not a valid id")
    return value


def check_sha256(value: str, where: str) -> str:
    if not _HEX64.match(value):
        raise FormatError("bad_hash", f"{where}: {value!r} is not a sha256 hex digest")
    return value


def check_file_name(value: str, where: str) -> str:
    """A file name from a package: one path component, never '..', never absolute."""
    if not _SAFE_NAME.match(value) or value in (".", "..") or value.strip() != value:
        raise UnsafePathError("unsafe_path", f"{where}: unsafe file name {value!r}")
    return value


def parse_policy(obj: dict[str, Any]) -> PlayerPolicy:
    """A manifest's ``policy`` object as the player's one policy class; a missing, mistyped or
    out-of-range value is FormatError("bad_field") that names it."""
    try:
        return PlayerPolicy.from_dict(obj)
    except PolicyError as exc:
        raise FormatError("bad_field", exc.detail) from exc


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A lesson video or a document: a blob named by its sha256."""

    id: str
    title: str
    blob: str
    size: int
    mime: str
    filename: str
    duration_s: float = 0.0  # lessons only

    @classmethod
    def from_dict(cls, obj: dict[str, Any], where: str) -> FileEntry:
        size = _req(obj, "size", int, where)
        if size < 0:
            raise FormatError("bad_field", f"{where}: negative size")
        duration = obj.get("duration_s", 0.0)
        if not isinstance(duration, int | float) or isinstance(duration, bool) or not 0 <= duration < 1e7:
            raise FormatError("bad_field", f"{where}: duration_s must be a number of seconds >= 0")
        return cls(
            id=check_id(_req(obj, "id", str, where), where),
            title=_req(obj, "title", str, where),
            blob=check_sha256(_req(obj, "blob", str, where), where),
            size=size,
            mime=_req(obj, "mime", str, where),
            filename=check_file_name(_req(obj, "filename", str, where), where),
            duration_s=float(duration),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Manifest:
    course_id: str
    version: int
    title: str
    description: str
    category: str
    credit_hours: float
    published_at: str
    policy: PlayerPolicy
    lessons: tuple[FileEntry, ...]
    documents: tuple[FileEntry, ...] = ()
    quizzes: tuple[Assessment, ...] = ()
    exam: Assessment | None = None
    key_id: str = ""
    signature: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    # -- encoding -----------------------------------------------------------------
    def unsigned_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "course_id": self.course_id,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "category": self.category,
            "credit_hours": self.credit_hours,
            "published_at": self.published_at,
            "policy": self.policy.to_dict(),
            "lessons": [e.to_dict() for e in self.lessons],
            "documents": [e.to_dict() for e in self.documents],
            "quizzes": [q.to_dict() for q in self.quizzes],
            "exam": self.exam.to_dict() if self.exam is not None else None,
        }

    def to_dict(self) -> dict[str, Any]:
        obj = self.unsigned_dict()
        obj["signature"] = {"key_id": self.key_id, "sig": self.signature}
        return obj

    def to_bytes(self) -> bytes:
        return canonical_bytes(self.to_dict())

    def signed(self, key: PrivateKey) -> Manifest:
        from dataclasses import replace

        sig = key.sign(canonical_bytes(self.unsigned_dict()))
        return replace(self, key_id=key.public.key_id, signature=sig)

    def blobs(self) -> dict[str, int]:
        """Every blob this version needs, hash -> size."""
        return {e.blob: e.size for e in (*self.lessons, *self.documents)}

    # -- decoding -----------------------------------------------------------------
    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> Manifest:
        fmt = obj.get("format")
        if fmt != FORMAT_VERSION:
            raise FormatError("unknown_format", f"manifest format {fmt!r} is not supported (expected 1)")
        where = "manifest"
        sig = _req(obj, "signature", dict, where)
        version = _req(obj, "version", int, where)
        if version < 1:
            raise FormatError("bad_field", "manifest: version must be >= 1")
        lessons = tuple(
            FileEntry.from_dict(x, f"lesson {i}") for i, x in enumerate(_req(obj, "lessons", list, where))
        )
        documents = tuple(
            FileEntry.from_dict(x, f"document {i}") for i, x in enumerate(obj.get("documents", []))
        )
        ids = [e.id for e in (*lessons, *documents)]
        if len(set(ids)) != len(ids):
            raise FormatError("bad_field", "manifest: duplicate lesson or document id")
        quizzes, exam = _assessments(obj, {e.id for e in lessons})
        if not isinstance(obj.get("description", ""), str):
            raise FormatError("bad_field", "manifest: description must be text")
        return cls(
            course_id=check_id(_req(obj, "course_id", str, where), where),
            version=version,
            title=_req(obj, "title", str, where),
            description=obj.get("description", ""),
            category=_req(obj, "category", str, where),
            credit_hours=float(_req(obj, "credit_hours", (int, float), where)),
            published_at=_req(obj, "published_at", str, where),
            policy=parse_policy(_req(obj, "policy", dict, where)),
            lessons=lessons,
            documents=documents,
            quizzes=quizzes,
            exam=exam,
            key_id=_req(sig, "key_id", str, "signature"),
            signature=_req(sig, "sig", str, "signature"),
        )

    @classmethod
    def parse(cls, data: bytes) -> Manifest:
        """Parse without checking the signature (the publisher reading its own manifests)."""
        return cls.from_dict(parse_json_object(data, "manifest", MANIFEST_LIMITS))

    @classmethod
    def parse_verified(cls, data: bytes, trusted: dict[str, PublicKey]) -> Manifest:
        """Parse manifest bytes and check the signature against the pinned ``trusted`` keys."""
        obj = parse_json_object(data, "manifest", MANIFEST_LIMITS)
        manifest = cls.from_dict(obj)
        verify_signed_document(obj, manifest.key_id, manifest.signature, trusted, "manifest")
        return manifest


def _assessments(obj: dict[str, Any], lesson_ids: set[str]) -> tuple[tuple[Assessment, ...], Assessment | None]:
    """The manifest's sealed quizzes (each of a lesson it lists, ids unique) and exam."""
    raw = obj.get("quizzes", [])
    if not isinstance(raw, list):
        raise FormatError("bad_field", "manifest: quizzes must be a list of objects")
    quizzes = tuple(Assessment.from_dict(q, f"manifest quiz {i}") for i, q in enumerate(raw, start=1))
    for quiz in quizzes:
        if quiz.kind != QUIZ:
            raise FormatError("bad_field", f"manifest: {quiz.describe()} is listed among the quizzes")
        if quiz.lesson is not None and quiz.lesson not in lesson_ids:
            raise FormatError("bad_field", f"manifest: {quiz.describe()} names a lesson the course does not have")
    if len({q.id for q in quizzes}) != len(quizzes):
        raise FormatError("bad_field", "manifest: two quizzes have the same id")
    exam = obj.get("exam")
    if exam is None:
        return quizzes, None
    parsed = Assessment.from_dict(exam, "manifest exam")
    if parsed.kind != EXAM:
        raise FormatError("bad_field", "manifest: the exam is not an exam")
    return quizzes, parsed


def trusted_keys(texts: list[str]) -> dict[str, PublicKey]:
    """Build the key_id -> key map from pinned publisher keys as written in site.toml."""
    keys = [PublicKey.from_text(t) for t in texts]
    return {k.key_id: k for k in keys}
