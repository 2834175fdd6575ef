"""Where the server keeps its data: one folder holding the course repository, the key folder (the
publisher key, the answer keys of quizzes and exams) and, by default, the SQLite database; or a
PostgreSQL database named by its URL (``--database`` or $STUDYDESK_DATABASE_URL). The embedded
default needs no set-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sync.protocol.errors import FormatError
from sync.storage import folders


def default_database_url() -> str | None:
    """$STUDYDESK_DATABASE_URL, else None (the SQLite file in the data folder)."""
    return os.environ.get("STUDYDESK_DATABASE_URL") or None


def default_data_dir() -> Path:
    """$STUDYDESK_SERVER_DATA, else ``studydesk-server`` in the user data folder (sync.storage.folders)."""
    return folders.data_dir("STUDYDESK_SERVER_DATA", "-server")


DEFAULT_MAX_DEVICES = 10
DEFAULT_API_SLOTS = 32
"""API requests served at once; below the 40 worker threads that run the routes."""
DEFAULT_UPLOAD_SLOTS = 2
"""Record batches one worker parses and ingests at once: two, so that one batch's Python runs
while the other waits on the database. Ingest is CPU work in one Python process (and on SQLite
one writer at a time): more at once only makes each wait longer, so the rest are answered 503
with Retry-After and come back, and a served upload is answered quickly."""
HEADER_TIMEOUT_S = 10.0
"""Seconds a connection has to send its request headers (server.connections)."""


@dataclass(frozen=True, slots=True)
class ServerConfig:
    data_dir: Path
    max_devices: int = DEFAULT_MAX_DEVICES
    """Devices one person may enrol through the API (an admin's records import is not counted against it)."""
    api_slots: int = DEFAULT_API_SLOTS
    """API requests served at once; more wait briefly, then get 503 with Retry-After."""
    upload_slots: int = DEFAULT_UPLOAD_SLOTS
    """Record batches parsed and ingested at once (within ``api_slots``); more wait briefly, then 503."""
    database_url: str | None = None
    """The database; None for the SQLite file in the data folder (``db_path``)."""

    @property
    def db_path(self) -> Path:
        """The SQLite database file when the site uses the embedded default."""
        return self.data_dir / "server.sqlite3"

    @property
    def url(self) -> str:
        """The database URL (SQLAlchemy's form)."""
        return self.database_url or f"sqlite:///{self.db_path}"

    @property
    def uses_sqlite_file(self) -> bool:
        """Whether the database is the SQLite file in the data folder."""
        return self.database_url is None or self.url == f"sqlite:///{self.db_path}"

    @property
    def repo_dir(self) -> Path:
        """The static course repository: catalog.json, manifests/, blobs/sha256/."""
        return self.data_dir / "repo"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def answer_keys_dir(self) -> Path:
        """The clear answer keys of published quizzes and exams: in the key folder, never served."""
        return self.keys_dir / "answers"

    def existing(self) -> ServerConfig:
        """This folder when it is a server's data folder; else FormatError("no_server_data").

        Commands that only read or change what is there use this, so a mistyped --data never
        creates a folder that then looks like a server without users or courses. A server's
        folder has its database, or at least the repository folder made when it first started.
        """
        if not (self.uses_sqlite_file and self.db_path.is_file()) and not self.repo_dir.is_dir():
            raise FormatError("no_server_data", f"{self.data_dir} is not a StudyDesk server data folder (no "
                              f"{self.db_path.name}); check --data or STUDYDESK_SERVER_DATA")
        return self

    def ensure(self) -> ServerConfig:
        for d in (self.data_dir, self.repo_dir, self.keys_dir):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(self.keys_dir, 0o700)
        return self
