"""Export this person's records from their outbox into a records file (sync.protocol.records_file),
for sites with no network at all."""

from __future__ import annotations

from pathlib import Path

from sync.protocol.errors import FormatError
from sync.protocol.keys import PrivateKey
from sync.protocol.records_file import write_records_file
from sync.records.outbox import Outbox


def export_records(outbox: Outbox, path: Path | str, *, username: str = "", enrolled_at: str | None = None) -> int:
    """Write every record of ``outbox``'s profile to ``path``, signed by its device key; returns the count."""
    signer = outbox.signer
    key = getattr(signer, "key", None)
    if not isinstance(key, PrivateKey):
        raise FormatError("bad_key", "this outbox's signer has no device key to sign an export with")
    records = outbox.all_records()
    write_records_file(Path(path), key=key, device_id=signer.device_id, user_id=signer.user_id, username=username,
                       enrolled_at=enrolled_at, records=records)
    return len(records)
