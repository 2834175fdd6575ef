"""Where the client keeps its files.

    <data root>/content/    verified course content, shared by everyone on this PC
                            (blobs/sha256/<hex>, manifests/<course>/<version>.json, partial/)
    <data root>/profiles/<user>/   one person's database (outbox, progress, cache), settings, keys
    <data root>/machine.sqlite3    which people have used this PC (for the sign-in list)
"""

from __future__ import annotations

from pathlib import Path

from sync.storage.folders import data_dir


def default_data_root() -> Path:
    """$STUDYDESK_DATA, else this PC account's data folder (sync.storage.folders)."""
    return data_dir("STUDYDESK_DATA")


def content_dir(root: Path) -> Path:
    return root / "content"


def profiles_dir(root: Path) -> Path:
    return root / "profiles"
