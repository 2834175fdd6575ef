"""Who has signed in on this PC: the sign-in list and the offline sign-in verifiers.

Kept in ``<data root>/machine.sqlite3`` (shared by everyone on the PC). A row holds the
person's public details, the scrypt salt, cost and verifier (see sync/account/secrets.py: the verifier is a
hash of a separate half of the scrypt output, never the sealing key), and where their sealed
secrets live. The cost (log2 N) is kept so that an offline sign-in derives the same key and
verifier whatever ``$STUDYDESK_KDF_COST`` says later; rows from before it was kept were made at 14.
Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sync.protocol.records import utc_now
from sync.protocol.work_factor import DEFAULT_COST
from sync.storage.sqlite import Migration, Schema, open_sqlite, transaction

MACHINE_DB_NAME = "machine.sqlite3"
schema = Schema("machine", [
    Migration(1, """
    CREATE TABLE known_users (
        user_id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        display_name TEXT NOT NULL,
        unit TEXT NOT NULL,
        server_url TEXT NOT NULL,
        kdf_salt TEXT NOT NULL,
        verifier TEXT NOT NULL,
        secret_backend TEXT NOT NULL,
        last_signed_in TEXT NOT NULL,
        UNIQUE (server_url, username)
    )
    """, legacy_step="known_users.1"),
    # The scrypt cost of each person's key; every row before this was derived at 2^14.
    Migration(2, """
    ALTER TABLE known_users ADD COLUMN kdf_cost INTEGER NOT NULL DEFAULT 14
    """),
])
_COLUMNS = ("user_id", "username", "display_name", "unit", "server_url", "kdf_salt", "verifier", "secret_backend",
            "last_signed_in", "kdf_cost")


@dataclass(frozen=True, slots=True)
class KnownUser:
    user_id: str
    username: str
    display_name: str
    unit: str
    last_signed_in: str
    server_url: str = ""
    kdf_salt: str = ""
    verifier: str = ""
    secret_backend: str = "file"
    kdf_cost: int = DEFAULT_COST


class KnownUsers:
    def __init__(self, data_root: Path) -> None:
        self.path = data_root / MACHINE_DB_NAME

    def _conn(self) -> sqlite3.Connection:
        return open_sqlite(self.path, schema)

    def list(self, server_url: str | None = None) -> list[KnownUser]:
        conn = self._conn()
        try:
            sql = "SELECT * FROM known_users"
            rows = conn.execute(sql + (" WHERE server_url = ?" if server_url else "") + " ORDER BY last_signed_in DESC",
                                (server_url,) if server_url else ()).fetchall()
            return [_row(r) for r in rows]
        finally:
            conn.close()

    def get(self, server_url: str, username: str) -> KnownUser | None:
        return next((u for u in self.list(server_url) if u.username == username), None)

    def remember(self, user: KnownUser) -> KnownUser:
        user_row = (user.user_id, user.username, user.display_name, user.unit, user.server_url, user.kdf_salt,
                    user.verifier, user.secret_backend, utc_now(), user.kdf_cost)
        conn = self._conn()
        try:
            with transaction(conn):
                conn.execute("DELETE FROM known_users WHERE server_url = ? AND username = ? AND user_id != ?",
                             (user.server_url, user.username, user.user_id))
                conn.execute(f"INSERT OR REPLACE INTO known_users ({', '.join(_COLUMNS)}) "
                             f"VALUES ({','.join('?' * len(_COLUMNS))})", user_row)
        finally:
            conn.close()
        return _row(dict(zip(_COLUMNS, user_row, strict=True)))

    def forget(self, server_url: str, username: str) -> KnownUser | None:
        """Take a person off this PC's list (their profile folder is not touched); what was removed."""
        conn = self._conn()
        try:
            with transaction(conn):
                row = conn.execute("SELECT * FROM known_users WHERE server_url = ? AND username = ?",
                                   (server_url, username)).fetchone()
                if row is None:
                    return None
                conn.execute("DELETE FROM known_users WHERE server_url = ? AND username = ?", (server_url, username))
            return _row(row)
        finally:
            conn.close()

    def listed_anywhere(self, user_id: str) -> bool:
        """Whether a person is still on the list for any server (their profile folder is then still in use)."""
        conn = self._conn()
        try:
            return conn.execute("SELECT 1 FROM known_users WHERE user_id = ?", (user_id,)).fetchone() is not None
        finally:
            conn.close()


def _row(r: sqlite3.Row | dict[str, str | int]) -> KnownUser:
    return KnownUser(str(r["user_id"]), str(r["username"]), str(r["display_name"]), str(r["unit"]),
                     str(r["last_signed_in"]), str(r["server_url"]), str(r["kdf_salt"]), str(r["verifier"]),
                     str(r["secret_backend"]), int(r["kdf_cost"]))
