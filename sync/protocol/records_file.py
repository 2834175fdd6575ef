"""The records export file, for sites with no network at all (format "studydesk-records", 1).

    {"format": "studydesk-records", "version": 1, "exported_at": "...",
     "device": {"device_id", "user_id", "username", "public_key", "enrolled_at"},
     "records": [record, ...],            every record of this profile, chain order
     "sig": "<Ed25519 by the device key over the canonical bytes of everything else>"}

The whole file is signed by the device key it carries, and each record is signed on its own,
so a changed, dropped or added record is caught twice. The server imports it through the same
verified ingest as the API (server/ingest.py); a device the server has never seen is trusted
only when the admin asks for it (``--enrol-devices``) and the user exists there. Written
atomically (sync.storage.files). Must not import Qt, client/ or server/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.protocol.canonical import canonical_bytes, parse_json_object
from sync.protocol.errors import FormatError, StorageError
from sync.protocol.json_limits import JsonLimits
from sync.protocol.keys import PrivateKey, PublicKey
from sync.protocol.records import MAX_BODY_BYTES, Record, utc_now
from sync.storage.files import atomic_write_bytes

FORMAT = "studydesk-records"
VERSION = 1
MAX_FILE_BYTES = 512 * 1024 * 1024
# Real records average about 14 bytes of JSON per value; 8 leaves room for any honest file that fits.
RECORDS_FILE_LIMITS = JsonLimits(max_bytes=MAX_FILE_BYTES, max_values=MAX_FILE_BYTES // 8,
                                 max_string_bytes=MAX_BODY_BYTES)


@dataclass(frozen=True, slots=True)
class RecordsFile:
    device_id: str
    user_id: str
    username: str
    public_key: PublicKey
    enrolled_at: str | None
    records: list[dict[str, Any]]  # raw: each is verified by the importer, one by one
    exported_at: str


def _unsigned(device: dict[str, Any], records: list[dict[str, Any]], exported_at: str) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "exported_at": exported_at, "device": device, "records": records}


def write_records_file(path: Path, *, key: PrivateKey, device_id: str, user_id: str, username: str,
                       enrolled_at: str | None, records: list[Record]) -> int:
    """Write the signed file atomically; returns its size in bytes."""
    device = {"device_id": device_id, "user_id": user_id, "username": username,
              "public_key": key.public.to_text(), "enrolled_at": enrolled_at}
    doc = _unsigned(device, [r.to_dict() for r in records], utc_now())
    doc["sig"] = key.sign(canonical_bytes(doc))
    data = canonical_bytes(doc)
    atomic_write_bytes(path.resolve(), data, mode=0o600)
    return len(data)


def read_records_file(path: Path) -> RecordsFile:
    """Parse and check the file's own signature (records are verified later, each on its own)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FormatError("too_large", f"{path} is larger than any records file")
        data = path.read_bytes()
    except OSError as exc:
        raise StorageError("read_failed", f"cannot read {path}: {exc}") from exc
    doc = parse_json_object(data, "records file", RECORDS_FILE_LIMITS)
    if doc.get("format") != FORMAT:
        raise FormatError("not_records_file", f"{path} is not a StudyDesk records file")
    if doc.get("version") != VERSION:
        raise FormatError("unknown_format", f"records file version {doc.get('version')!r} is not supported")
    device, records, sig = doc.get("device"), doc.get("records"), doc.get("sig")
    if not isinstance(device, dict) or not isinstance(records, list) or not isinstance(sig, str):
        raise FormatError("missing_field", "records file lacks device, records or sig")
    for k in ("device_id", "user_id", "username", "public_key"):
        if not isinstance(device.get(k), str):
            raise FormatError("missing_field", f"records file device lacks {k}")
    key = PublicKey.from_text(device["public_key"])
    key.verify(sig, canonical_bytes(_unsigned(device, records, str(doc.get("exported_at")))))
    enrolled = device.get("enrolled_at")
    return RecordsFile(device["device_id"], device["user_id"], device["username"], key,
                       enrolled if isinstance(enrolled, str) else None, records, str(doc.get("exported_at")))
