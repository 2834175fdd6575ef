"""Server sign-in: access and refresh tokens, and device enrolment (device key bound to a user).

Tokens are random; only their sha256 is stored. Access tokens are short-lived; a refresh token
is used once and replaced (rotation). Devices: a device id (UUID chosen by the client) is
enrolled to exactly one user with one Ed25519 public key. Services only; no HTTP here.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass

from server.db import schema, transaction
from server.users import User, authenticate, get_user
from sync.protocol.errors import AuthError, FormatError, RejectedError
from sync.protocol.keys import PublicKey

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

schema.step(
    "auth.1",
    """
    CREATE TABLE tokens (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(user_id),
        kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
        expires_at REAL NOT NULL
    );
    CREATE INDEX tokens_user ON tokens(user_id);
    CREATE TABLE devices (
        device_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(user_id),
        public_key TEXT NOT NULL,
        enrolled_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        enrolled_by TEXT NOT NULL DEFAULT 'api'
    );
    CREATE INDEX devices_user ON devices(user_id)
    """,
)


def access_ttl_s() -> float:
    # Overridable for tests that need an access token to expire quickly.
    return float(os.environ.get("STUDYDESK_ACCESS_TTL_S", "900"))


REFRESH_TTL_S = 60 * 60 * 24 * 60
REFRESH_GRACE_S = 60.0


def _h(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: float


def _issue(conn: sqlite3.Connection, user_id: str) -> Tokens:
    now = time.time()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    ttl = access_ttl_s()
    conn.execute("DELETE FROM tokens WHERE user_id = ? AND expires_at < ?", (user_id, now))
    conn.execute("INSERT INTO tokens VALUES (?,?,?,?)", (_h(access), user_id, "access", now + ttl))
    conn.execute("INSERT INTO tokens VALUES (?,?,?,?)", (_h(refresh), user_id, "refresh", now + REFRESH_TTL_S))
    return Tokens(access, refresh, ttl)


def _unusable_code(user: User | None) -> str:
    if user is None:
        return "auth"
    return "account_deactivated" if not user.active else "account_locked"


def login(conn: sqlite3.Connection, username: str, password: str) -> tuple[User, Tokens]:
    user = authenticate(conn, username, password)
    with transaction(conn):
        return user, _issue(conn, user.user_id)


def refresh(conn: sqlite3.Connection, refresh_token: str) -> tuple[User, Tokens]:
    with transaction(conn):
        row = conn.execute(
            "SELECT user_id, expires_at FROM tokens WHERE token_hash = ? AND kind = 'refresh'", (_h(refresh_token),)
        ).fetchone()
        if row is None or row["expires_at"] < time.time():
            raise AuthError("auth", "refresh token is not valid; sign in again")
        # Rotation with a short grace: the old refresh token still works for REFRESH_GRACE_S, so an
        # answer lost on a bad link (new tokens issued, never received) does not sign the person out.
        conn.execute("UPDATE tokens SET expires_at = MIN(expires_at, ?) WHERE token_hash = ?",
                     (time.time() + REFRESH_GRACE_S, _h(refresh_token)))
        user = get_user(conn, user_id=row["user_id"])
        if user is None or not user.usable:
            raise AuthError(_unusable_code(user), "account is not usable")
        return user, _issue(conn, user.user_id)


def user_for_access_token(conn: sqlite3.Connection, token: str) -> User:
    row = conn.execute(
        "SELECT user_id, expires_at FROM tokens WHERE token_hash = ? AND kind = 'access'", (_h(token),)
    ).fetchone()
    if row is None or row["expires_at"] < time.time():
        raise AuthError("token_expired", "access token is missing, unknown or expired")
    user = get_user(conn, user_id=row["user_id"])
    if user is None or not user.usable:
        raise AuthError(_unusable_code(user) if user else "account_locked", "account is locked or deactivated")
    return user


# ----- devices
def enrol_device(conn: sqlite3.Connection, user: User, device_id: str, public_key: str, *, by: str = "api") -> bool:
    """Bind ``device_id`` with ``public_key`` to ``user``. True if new, False if already so enrolled."""
    if not _UUID.match(device_id or ""):
        raise FormatError("bad_id", "device_id must be a lowercase UUID")
    key = PublicKey.from_text(public_key).to_text()
    with transaction(conn):
        row = conn.execute("SELECT user_id, public_key FROM devices WHERE device_id = ?", (device_id,)).fetchone()
        if row is not None:
            if row["user_id"] != user.user_id:
                raise RejectedError("device_taken", "this device id is enrolled to another user")
            if row["public_key"] != key:
                raise RejectedError("device_key_mismatch", "this device id is enrolled with another key")
            return False
        conn.execute("INSERT INTO devices (device_id, user_id, public_key, enrolled_by) VALUES (?,?,?,?)",
                     (device_id, user.user_id, key, by))
        return True


def device_key(conn: sqlite3.Connection, device_id: str) -> tuple[str, PublicKey] | None:
    """(user_id, public key) the device is enrolled to, or None."""
    row = conn.execute("SELECT user_id, public_key FROM devices WHERE device_id = ?", (device_id,)).fetchone()
    return (row["user_id"], PublicKey.from_text(row["public_key"])) if row else None
