"""The repository catalog (``catalog.json``, format 1): the signed list of published courses.

Each entry names a course, its title, its latest version, the path of that version's
manifest inside the repository and the sha256 of the manifest's bytes, so a client that
trusts the catalog's signature also pins the exact manifest it fetches next. The manifest
path is not free text: it must be exactly ``manifests/<id>/<version>.json``, so a catalog
can never point a client outside the repository.
Must not import Qt or anything from client/ or server/.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sync.protocol.canonical import canonical_bytes, parse_json_object
from sync.protocol.errors import FormatError, UnsafePathError
from sync.protocol.json_limits import JsonLimits
from sync.protocol.keys import PrivateKey, PublicKey, verify_signed_document
from sync.protocol.manifest import check_id, check_sha256

FORMAT_VERSION = 1
MAX_CATALOG_BYTES = 8 * 1024 * 1024
# A course entry is five short fields, about 200 bytes of JSON.
CATALOG_LIMITS = JsonLimits(max_bytes=MAX_CATALOG_BYTES, max_values=MAX_CATALOG_BYTES // 8, max_string_bytes=64 * 1024)


def manifest_path(course_id: str, version: int) -> str:
    """Where a manifest lives inside a repository (also the path used in the client store)."""
    return f"manifests/{check_id(course_id, 'course')}/{int(version)}.json"


def blob_path(hex_digest: str) -> str:
    return f"blobs/sha256/{check_sha256(hex_digest, 'blob')}"


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    id: str
    title: str
    version: int
    manifest: str
    sha256: str

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> CatalogEntry:
        if not isinstance(obj, dict):
            raise FormatError("bad_field", f"{where}: must be an object")
        course_id = obj.get("id")
        version = obj.get("version")
        title = obj.get("title")
        path = obj.get("manifest")
        digest = obj.get("sha256")
        if not isinstance(course_id, str) or not isinstance(title, str) or not isinstance(path, str):
            raise FormatError("bad_field", f"{where}: id, title and manifest must be text")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise FormatError("bad_field", f"{where}: version must be a whole number >= 1")
        if not isinstance(digest, str):
            raise FormatError("bad_field", f"{where}: sha256 must be text")
        check_id(course_id, where)
        if path != manifest_path(course_id, version):
            raise UnsafePathError("unsafe_path", f"{where}: manifest path {path!r} is not where it must be")
        return cls(course_id, title, version, path, check_sha256(digest, where))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "version": self.version, "manifest": self.manifest,
                "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class Catalog:
    generated_at: str
    courses: tuple[CatalogEntry, ...] = ()
    key_id: str = ""
    signature: str = ""

    def unsigned_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "generated_at": self.generated_at,
            "courses": [c.to_dict() for c in sorted(self.courses, key=lambda c: c.id)],
        }

    def to_bytes(self) -> bytes:
        obj = self.unsigned_dict()
        obj["signature"] = {"key_id": self.key_id, "sig": self.signature}
        return canonical_bytes(obj)

    def signed(self, key: PrivateKey) -> Catalog:
        sig = key.sign(canonical_bytes(self.unsigned_dict()))
        return replace(self, key_id=key.public.key_id, signature=sig)

    def entry(self, course_id: str) -> CatalogEntry | None:
        return next((c for c in self.courses if c.id == course_id), None)

    def with_entry(self, entry: CatalogEntry, generated_at: str) -> Catalog:
        """A new (unsigned) catalog with ``entry`` replacing any entry of the same course."""
        rest = tuple(c for c in self.courses if c.id != entry.id)
        return Catalog(generated_at=generated_at, courses=(*rest, entry))

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> Catalog:
        fmt = obj.get("format")
        if fmt != FORMAT_VERSION:
            raise FormatError("unknown_format", f"catalog format {fmt!r} is not supported (expected 1)")
        courses = obj.get("courses")
        sig = obj.get("signature")
        generated = obj.get("generated_at", "")
        if not isinstance(courses, list) or not isinstance(sig, dict) or not isinstance(generated, str):
            raise FormatError("missing_field", "catalog: courses, generated_at or signature missing")
        entries = tuple(CatalogEntry.from_dict(c, f"catalog course {i}") for i, c in enumerate(courses))
        if len({e.id for e in entries}) != len(entries):
            raise FormatError("bad_field", "catalog: a course is listed twice")
        key_id, signature = sig.get("key_id"), sig.get("sig")
        if not isinstance(key_id, str) or not isinstance(signature, str):
            raise FormatError("bad_field", "catalog: signature must have key_id and sig")
        return cls(generated_at=generated, courses=entries, key_id=key_id, signature=signature)

    @classmethod
    def parse(cls, data: bytes) -> Catalog:
        """Parse without checking the signature (the publisher rewriting its own catalog)."""
        return cls.from_dict(parse_json_object(data, "catalog", CATALOG_LIMITS))

    @classmethod
    def parse_verified(cls, data: bytes, trusted: dict[str, PublicKey]) -> Catalog:
        obj = parse_json_object(data, "catalog", CATALOG_LIMITS)
        catalog = cls.from_dict(obj)
        verify_signed_document(obj, catalog.key_id, catalog.signature, trusted, "catalog")
        return catalog
