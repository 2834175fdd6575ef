"""The signed catalog format: round trip, signature, key, format version and path rules."""

from __future__ import annotations

import json

import pytest

from sync.protocol.canonical import canonical_bytes
from sync.protocol.catalog import Catalog, CatalogEntry, manifest_path
from sync.protocol.errors import FormatError, IntegrityError, UnsafePathError
from sync.protocol.keys import PrivateKey

KEY = PrivateKey.generate()
TRUSTED = {KEY.public.key_id: KEY.public}


def _catalog() -> Catalog:
    entries = (CatalogEntry("b-course", "乙", 2, manifest_path("b-course", 2), "a" * 64),
               CatalogEntry("a-course", "甲", 1, manifest_path("a-course", 1), "b" * 64))
    return Catalog("2026-01-01T00:00:00Z", entries).signed(KEY)


def test_round_trip_and_entry_lookup() -> None:
    parsed = Catalog.parse_verified(_catalog().to_bytes(), TRUSTED)
    assert [c.id for c in parsed.courses] == ["a-course", "b-course"]  # canonical order
    assert parsed.entry("b-course") == CatalogEntry("b-course", "乙", 2, "manifests/b-course/2.json", "a" * 64)
    assert parsed.entry("missing") is None
    newer = parsed.with_entry(CatalogEntry("b-course", "乙", 3, manifest_path("b-course", 3), "c" * 64), "later")
    assert newer.entry("b-course").version == 3 and len(newer.courses) == 2  # type: ignore[union-attr]


def test_changed_content_fails_the_signature() -> None:
    obj = json.loads(_catalog().to_bytes())
    obj["courses"][0]["version"] = 9
    obj["courses"][0]["manifest"] = manifest_path(obj["courses"][0]["id"], 9)
    with pytest.raises(IntegrityError) as info:
        Catalog.parse_verified(canonical_bytes(obj), TRUSTED)
    assert info.value.code == "bad_signature"


def test_unknown_key_and_unknown_format() -> None:
    other = PrivateKey.generate()
    with pytest.raises(IntegrityError) as info:
        Catalog.parse_verified(Catalog("t").signed(other).to_bytes(), TRUSTED)
    assert info.value.code == "unknown_key"
    obj = json.loads(_catalog().to_bytes())
    obj["format"] = 2
    with pytest.raises(FormatError) as fmt:
        Catalog.parse_verified(canonical_bytes(obj), TRUSTED)
    assert fmt.value.code == "unknown_format"


@pytest.mark.parametrize("path", ["../../etc/passwd", "manifests/a-course/2.json", "/abs/1.json",
                                  "manifests\\a-course\\1.json"])
def test_manifest_path_must_be_the_canonical_one(path: str) -> None:
    obj = json.loads(_catalog().to_bytes())
    obj["courses"][0]["manifest"] = path
    with pytest.raises(UnsafePathError):
        Catalog.from_dict(obj)


@pytest.mark.parametrize("change", [{"version": 0}, {"version": True}, {"sha256": "xyz"}, {"id": "../x"},
                                    {"title": 5}])
def test_bad_entries_are_format_errors(change: dict[str, object]) -> None:
    obj = json.loads(_catalog().to_bytes())
    obj["courses"][0].update(change)
    with pytest.raises(FormatError):
        Catalog.from_dict(obj)


def test_malformed_and_oversized() -> None:
    with pytest.raises(FormatError) as info:
        Catalog.parse_verified(b"[1, 2", TRUSTED)
    assert info.value.code == "malformed_json"
    with pytest.raises(FormatError) as big:
        Catalog.parse_verified(b" " * (9 * 1024 * 1024), TRUSTED)
    assert big.value.code == "too_large"
