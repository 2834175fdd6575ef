"""Where the client keeps its files.

    <data root>/content/    verified course content, shared by everyone on this PC
                            (blobs/sha256/<hex>, manifests/<course>/<version>.json, partial/)
    <data root>/profiles/<user>/   one person's database (outbox, progress, cache), settings, keys
    <data root>/machine.sqlite3    which people have used this PC (for the sign-in list)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def default_data_root() -> Path:
    if env := os.environ.get("STUDYDESK_DATA"):
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "StudyDesk"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "studydesk"


def content_dir(root: Path) -> Path:
    return root / "content"


def profiles_dir(root: Path) -> Path:
    return root / "profiles"
