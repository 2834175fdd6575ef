"""The certificate issuer's revocation list as this PC keeps it: fetched from the server at sync
(``GET /api/certificates/revoked``), checked against the pinned publisher keys, and cached in
the person's profile folder so a certificate can be verified offline. A list older than the
one cached is never taken (an old list replayed cannot bring a revoked certificate back).
Pure Python, no Qt.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

from sync.net.api_client import ApiClient
from sync.protocol.certificates import Revocations
from sync.protocol.errors import SyncError
from sync.protocol.keys import PublicKey
from sync.storage.files import atomic_write_bytes

FOLDER = "certificates"
FILE = "revocations.json"
REFRESH_AFTER_S = 3600.0


def folder(profile_dir: Path) -> Path:
    """Where a person's certificates and the cached revocation list live."""
    return profile_dir / FOLDER


def cached(profile_dir: Path, trusted: Mapping[str, PublicKey]) -> Revocations | None:
    """The cached list, when there is one that the pinned keys sign; else None."""
    try:
        return Revocations.parse_verified((folder(profile_dir) / FILE).read_bytes(), trusted)
    except (OSError, SyncError):
        return None


def newest_cached(data_root: Path, trusted: Mapping[str, PublicKey]) -> Revocations | None:
    """The newest list any person on this PC has cached (for verifying before anyone signs in)."""
    found = [r for p in sorted((data_root / "profiles").glob("*")) if (r := cached(p, trusted)) is not None]
    return max(found, key=lambda r: r.issued_at, default=None)


def refresh(api: ApiClient, trusted: Mapping[str, PublicKey], profile_dir: Path, *,
            max_age_s: float = REFRESH_AFTER_S) -> Revocations | None:
    """Fetch the list when the cached one is older than ``max_age_s``, check it and keep it if it
    is not older than the cached one; the list in use either way. Raises the SyncError of a
    failed fetch or a list that does not verify (the cached one stays)."""
    path = folder(profile_dir) / FILE
    old = cached(profile_dir, trusted)
    try:
        if old is not None and time.time() - os.stat(path).st_mtime < max_age_s:
            return old
    except OSError:
        pass
    data = api.revocation_list()
    if data is None:
        return old
    new = Revocations.parse_verified(data, trusted)
    if old is not None and new.issued_at < old.issued_at:
        return old
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
    return new
