"""Verified ingest of progress records (API batches and imported files share this path).

For each record: validate its shape, check that its device is enrolled to its user (and,
through the API, that the signed-in user is that user), verify the Ed25519 signature, then
check the chain per device+user (seq exactly one past the stored head, prev equal to the
head's hash). A record is stored once: the same id with the same bytes is a duplicate (acked
again, so replays are safe); the same id with other bytes is refused. The whole batch is
committed before any answer leaves, so an ack always means "on disk".

Reasons (stable codes): bad_record / missing_field / bad_field / bad_id (malformed),
id_conflict (same id, other content), unknown_device, foreign_record (device enrolled to
another user), foreign_user (not the signed-in user's record), bad_signature (tampered),
seq_conflict (seq already taken: replay of other content or reordered chain),
gap (an earlier seq is missing: deleted or withheld record), broken_chain (prev does not match).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from server.auth import device_key, enrol_device
from server.db import schema, transaction
from server.users import get_user
from sync.protocol.canonical import sha256_hex
from sync.protocol.errors import RejectedError, SyncError
from sync.protocol.keys import PublicKey
from sync.protocol.records import Record, RecordVerifier
from sync.protocol.records_file import RecordsFile
from sync.storage.record_table import chain_head, insert_sql, record_table_sql, record_values

schema.step(
    "records.1",
    record_table_sql(
        "records",
        extra_columns=("source TEXT NOT NULL",
                       "received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"),
    )
    + ";\nCREATE INDEX records_user_course ON records(user_id, course_id)",
)

REASON_TEXT = {
    "id_conflict": "a different record with this id is already stored",
    "unknown_device": "the device that signed this record is not enrolled",
    "foreign_record": "the device is enrolled to another user",
    "foreign_user": "the record belongs to another user than the one signed in",
    "bad_signature": "the signature does not match: the record was tampered with",
    "seq_conflict": "another record already holds this sequence number (replayed or reordered)",
    "gap": "an earlier record of this chain is missing (deleted or withheld)",
    "broken_chain": "the record does not link to the previous record (reordered or forged)",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str | None
    status: str  # stored, duplicate, rejected
    reason: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.reason:
            d["reason"] = self.reason
            d["detail"] = self.detail or REASON_TEXT.get(self.reason, self.reason)
        return d


class _Chains:
    """Per-batch caches of device keys and chain heads."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.keys: dict[str, tuple[str, RecordVerifier] | None] = {}
        self.heads: dict[tuple[str, str], tuple[int, str]] = {}

    def device(self, device_id: str) -> tuple[str, RecordVerifier] | None:
        if device_id not in self.keys:
            row = self.conn.execute("SELECT user_id, public_key FROM devices WHERE device_id = ?",
                                    (device_id,)).fetchone()
            self.keys[device_id] = (row[0], RecordVerifier(PublicKey.from_text(row[1]))) if row else None
        return self.keys[device_id]

    def head(self, device_id: str, user_id: str) -> tuple[int, str]:
        k = (device_id, user_id)
        if k not in self.heads:
            self.heads[k] = chain_head(self.conn, "records", device_id, user_id)
        return self.heads[k]


def _check(chains: _Chains, r: Record, signing: bytes, as_user_id: str | None) -> str | None:
    """The reason to refuse ``r``, or None when it is the next valid record of its chain."""
    dev = chains.device(r.device_id)
    if dev is None:
        return "unknown_device"
    if dev[0] != r.user_id:
        return "foreign_record"
    if as_user_id is not None and r.user_id != as_user_id:
        return "foreign_user"
    if not dev[1].verify(r, signing):
        return "bad_signature"
    seq, head_hash = chains.head(r.device_id, r.user_id)
    if r.seq <= seq:
        return "seq_conflict"
    if r.seq > seq + 1:
        return "gap"
    if r.prev != head_hash:
        return "broken_chain"
    return None


def _insert(conn: sqlite3.Connection, r: Record, digest: str, source: str) -> None:
    conn.execute(insert_sql("records", ("source",)), (*record_values(r, digest), source))


def _parse(raw: list[Any]) -> tuple[list[Outcome | None], list[tuple[int, Record]]]:
    results: list[Outcome | None] = [None] * len(raw)
    parsed: list[tuple[int, Record]] = []
    for i, item in enumerate(raw):
        try:
            parsed.append((i, Record.from_dict(item)))
        except SyncError as exc:
            rid = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
            results[i] = Outcome(rid, "rejected", exc.code, exc.detail)
    # chain order, so a batch may list its records in any order
    parsed.sort(key=lambda p: (p[1].device_id, p[1].user_id, p[1].seq))
    return results, parsed


def _stored(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        marks = ",".join("?" * len(chunk))
        for rid, digest, sig in conn.execute(f"SELECT id, hash, sig FROM records WHERE id IN ({marks})", chunk):
            out[rid] = (digest, sig)
    return out


def ingest(conn: sqlite3.Connection, raw: list[Any], *, as_user_id: str | None, source: str = "api") -> list[Outcome]:
    """Verify and store ``raw`` records; one Outcome per input item, in input order."""
    results, parsed = _parse(raw)
    with transaction(conn):
        chains = _Chains(conn)
        # (hash of the signed bytes, sig) identifies a record's content: equal means the same record
        seen = _stored(conn, [r.id for _, r in parsed])
        for i, r in parsed:
            signing = r.signing_bytes()
            digest = sha256_hex(signing)
            stored = seen.get(r.id)
            if stored is not None:
                if stored != (digest, r.sig):
                    results[i] = Outcome(r.id, "rejected", "id_conflict")
                elif as_user_id is not None and r.user_id != as_user_id:
                    results[i] = Outcome(r.id, "rejected", "foreign_user")
                else:
                    results[i] = Outcome(r.id, "duplicate")
                continue
            reason = _check(chains, r, signing, as_user_id)
            if reason:
                results[i] = Outcome(r.id, "rejected", reason)
                continue
            _insert(conn, r, digest, source)
            chains.heads[(r.device_id, r.user_id)] = (r.seq, digest)
            seen[r.id] = (digest, r.sig)
            results[i] = Outcome(r.id, "stored")
    return [o if o is not None else Outcome(None, "rejected", "bad_record") for o in results]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    stored: int
    duplicate: int
    rejected: dict[str, int]
    enrolled: bool

    def lines(self) -> list[str]:
        out = [f"stored {self.stored}, already there {self.duplicate}, rejected {sum(self.rejected.values())}"]
        out += [f"  rejected {n}: {reason} ({REASON_TEXT.get(reason, reason)})" for reason, n in self.rejected.items()]
        if self.enrolled:
            out.append("  the device was enrolled from the key in the file (--enrol-devices)")
        return out


def import_records(conn: sqlite3.Connection, rf: RecordsFile, *, enrol_devices: bool) -> ImportSummary:
    """Import a verified records file (its own signature already checked by read_records_file).

    Rule for devices: if the file's device is enrolled, the key in the file must be the enrolled
    key for the same user. If it is not enrolled, the import is refused unless the admin passes
    ``enrol_devices`` AND the file's user exists here with the same user name; then the key in the
    file is enrolled for that user (trust on first use, on the admin's word). A file that names
    no user name (exported from the window) can only be imported for an already enrolled device.
    """
    user = get_user(conn, user_id=rf.user_id)
    if user is None or (rf.username and user.username != rf.username):
        raise RejectedError("unknown_user", f"user {rf.username!r} ({rf.user_id}) does not exist on this server")
    known = device_key(conn, rf.device_id)
    enrolled = False
    if known is None:
        if enrol_devices and user.username != rf.username:
            raise RejectedError("unknown_user", "to enrol a device from a file, the file must name its user")
        if not enrol_devices:
            raise RejectedError("unknown_device", f"device {rf.device_id} was never enrolled on this server; "
                                                  "re-run with --enrol-devices to trust the key in the file")
        enrolled = enrol_device(conn, user, rf.device_id, rf.public_key.to_text(), by="import")
    elif known[0] != user.user_id or known[1] != rf.public_key:
        raise RejectedError("device_key_mismatch", "the file's device key is not the one enrolled for this user")
    outcomes = ingest(conn, rf.records, as_user_id=user.user_id, source="import")
    rejected: dict[str, int] = {}
    for o in outcomes:
        if o.status == "rejected":
            rejected[o.reason or "rejected"] = rejected.get(o.reason or "rejected", 0) + 1
    return ImportSummary(sum(o.status == "stored" for o in outcomes), sum(o.status == "duplicate" for o in outcomes),
                         rejected, enrolled)
