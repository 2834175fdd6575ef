"""Per-user settings: the safe overrides of the site file (sync.site.config.USER_OVERRIDABLE).

Two small JSON files, each written atomically:
    <default data root>/settings.json      this PC account's choices before anyone signs in:
                                           the data folder, and the last language and text size
    <profile dir>/settings.json            one person's language, text size, bandwidth cap,
                                           download windows (and server, if the site allows it)
Keys the site does not let users change are dropped on load and on save; values are checked
by SiteConfig.with_user_overrides, so a bad value is refused with a clear FormatError and the
file on disk is left as it was. Must not import Qt.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sync.protocol.errors import FormatError
from sync.site.config import USER_OVERRIDABLE, SiteConfig
from sync.storage.files import atomic_write_bytes

SETTINGS_NAME = "settings.json"


def allowed_keys(site: SiteConfig) -> frozenset[str]:
    return USER_OVERRIDABLE | ({"server_url", "ca_bundle"} if site.allow_user_server else frozenset())


class SettingsFile:
    """A JSON object of overrides on disk. Read/write from a worker (or at start-up, before the window)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, site: SiteConfig) -> dict[str, Any]:
        """The stored overrides that are allowed and valid; a damaged file counts as empty."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict):
            return {}
        keys = allowed_keys(site)
        good: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in keys:
                continue
            try:
                site.with_user_overrides({key: value})
            except (FormatError, TypeError, ValueError):
                continue
            good[key] = value
        return good

    def save(self, site: SiteConfig, changes: dict[str, Any]) -> dict[str, Any]:
        """Merge ``changes`` into the file after checking them; returns the stored overrides."""
        keys = allowed_keys(site)
        refused = sorted(set(changes) - keys)
        if refused:
            raise FormatError("site_invalid", f"these settings are fixed by the site: {', '.join(refused)}")
        merged = {**self.load(site), **changes}
        merged = {k: v for k, v in merged.items() if v is not None}
        site.with_user_overrides(merged)  # raises FormatError on a bad value
        atomic_write_bytes(self.path, json.dumps(merged, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"))
        return merged


def effective_site(site: SiteConfig, *layers: dict[str, Any]) -> SiteConfig:
    """The site file with the given override layers applied in order (later wins)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer)
    return site.with_user_overrides(merged) if merged else site


def machine_settings(default_root: Path) -> SettingsFile:
    return SettingsFile(default_root / SETTINGS_NAME)


def profile_settings(profile_dir: Path) -> SettingsFile:
    return SettingsFile(profile_dir / SETTINGS_NAME)
