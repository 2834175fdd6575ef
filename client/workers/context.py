"""What the shell hands down to every window: built once in client.app, never a global.

``AppContext`` holds what exists before anyone signs in; ``SessionContext`` what exists for
one signed-in person. Windows receive them in their constructors. GUI thread only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from client.i18n import Translator
from client.settings import SettingsFile
from client.tasks import Lanes
from client.theme import Theme
from sync.site.config import SiteConfig

if TYPE_CHECKING:  # the engines load after the first window shows
    from client.workers.downloads import DownloadManager
    from client.workers.sync_worker import SyncController
    from sync.account.auth import AuthService, UserSession
    from sync.content.store import ContentStore
    from sync.records.outbox import Outbox


class ProfileSession(Protocol):
    """What the course page and the player window need of a signed-in person: their profile
    database, signed outbox and profile folder (a ``UserSession`` is one)."""

    @property
    def profile_dir(self) -> Path: ...

    def db(self) -> sqlite3.Connection: ...

    def outbox(self, conn: sqlite3.Connection | None = None) -> Outbox: ...


@dataclass
class AppContext:
    base_site: SiteConfig  # the site file as the installer wrote it
    site: SiteConfig  # with this PC account's safe overrides applied
    data_root: Path
    lanes: Lanes
    translator: Translator
    theme: Theme
    machine_settings: SettingsFile
    auth: AuthService | None = None  # set once the engines loaded (after the first window shows)
    store: ContentStore | None = None  # over <data root>/content, set with ``auth``


@dataclass
class SessionContext:
    """One signed-in person: their UserSession, settings and the per-session engines' adapters."""

    session: UserSession
    site: SiteConfig  # with this person's overrides applied
    settings: SettingsFile
    downloads: DownloadManager | None = None
    sync: SyncController | None = None
    open_course: Callable[[str], None] | None = None
    open_lesson: Callable[[str, str], None] | None = None
    open_assessment: Callable[[str, str], None] | None = None  # course id, quiz id or "exam"
