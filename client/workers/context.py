"""What the shell hands down to every window: built once in client.app, never a global.

``AppContext`` holds what exists before anyone signs in; ``SessionContext`` what exists for
one signed-in person. Windows receive them in their constructors. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.i18n import Translator
from client.settings import SettingsFile
from client.tasks import Lanes
from client.theme import Theme
from sync.site.config import SiteConfig


@dataclass
class AppContext:
    base_site: SiteConfig  # the site file as the installer wrote it
    site: SiteConfig  # with this PC account's safe overrides applied
    data_root: Path
    lanes: Lanes
    translator: Translator
    theme: Theme
    machine_settings: SettingsFile
    auth: Any = None  # sync.account.auth.AuthService, when that engine is installed
    store: Any = None  # sync.content.store.ContentStore over <data root>/content


@dataclass
class SessionContext:
    """One signed-in person: their UserSession, settings and the per-session engines' adapters."""

    session: Any  # sync.account.auth.UserSession
    site: SiteConfig  # with this person's overrides applied
    settings: SettingsFile
    downloads: Any = None  # client.workers.downloads.DownloadManager
    sync: Any = None  # client.workers.sync_worker.SyncController
    open_course: Callable[[str], None] | None = None
    open_lesson: Callable[[str, str], None] | None = None
