"""Server accounts: users with scrypt password hashes.

Services only (no HTTP here); the routers and the admin command line call them.
Imports only sync/ formats and server/db.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import sqlite3
import uuid
from dataclasses import dataclass

from server.db import transaction
from sync.protocol.errors import AuthError, FormatError

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    username: str
    display_name: str
    unit: str
    failed_attempts: int = 0
    locked: bool = False
    active: bool = True

    @property
    def usable(self) -> bool:
        """May sign in and use its tokens: neither locked nor deactivated."""
        return self.active and not self.locked

    def public(self) -> dict[str, str]:
        return {"user_id": self.user_id, "username": self.username, "display_name": self.display_name,
                "unit": self.unit}


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=32, maxmem=64 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def _row_user(row: sqlite3.Row) -> User:
    return User(row["user_id"], row["username"], row["display_name"], row["unit"], row["failed_attempts"],
                bool(row["locked"]), row["deactivated_at"] is None)


def validate_username(name: str) -> str:
    if not _NAME.match(name or ""):
        raise FormatError("bad_username", "a user name is 1-64 letters, digits, '.', '_', '@' or '-'")
    return name


def check_new_password(password: str) -> str:
    if len(password) < 6:
        raise FormatError("weak_password", "a password needs at least 6 characters")
    return password


def add_user(
    conn: sqlite3.Connection, username: str, password: str, unit: str, display_name: str | None = None
) -> User:
    validate_username(username)
    check_new_password(password)
    if not unit.strip():
        raise FormatError("bad_unit", "a unit is required")
    user = User(str(uuid.uuid4()), username, (display_name or username).strip(), unit.strip())
    with transaction(conn):
        if conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            raise FormatError("user_exists", f"user {username!r} already exists")
        conn.execute(
            "INSERT INTO users (user_id, username, display_name, unit, password_hash) VALUES (?,?,?,?,?)",
            (user.user_id, user.username, user.display_name, user.unit, hash_password(password)),
        )
    return user


def get_user(conn: sqlite3.Connection, *, username: str | None = None, user_id: str | None = None) -> User | None:
    if username is not None:
        row = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    else:
        row = conn.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
    return _row_user(row) if row else None


def list_users(conn: sqlite3.Connection) -> list[User]:
    return [_row_user(r) for r in conn.execute("SELECT * FROM users ORDER BY unit, username")]


def unlock_user(conn: sqlite3.Connection, username: str) -> User:
    with transaction(conn):
        cur = conn.execute("UPDATE users SET locked = 0, failed_attempts = 0 WHERE username = ?", (username,))
        if cur.rowcount == 0:
            raise FormatError("no_such_user", f"no user {username!r}")
    user = get_user(conn, username=username)
    assert user is not None
    return user


def reset_password(conn: sqlite3.Connection, username: str, password: str) -> User:
    """Give an account a new password; this also unlocks it."""
    check_new_password(password)
    with transaction(conn):
        cur = conn.execute("UPDATE users SET password_hash = ?, locked = 0, failed_attempts = 0 WHERE username = ?",
                           (hash_password(password), username))
        if cur.rowcount == 0:
            raise FormatError("no_such_user", f"no user {username!r}")
    user = get_user(conn, username=username)
    assert user is not None
    return user


def deactivate_user(conn: sqlite3.Connection, username: str) -> User:
    """Stop an account from signing in; its records, devices and assignments stay. Idempotent."""
    with transaction(conn):
        cur = conn.execute("UPDATE users SET deactivated_at = COALESCE(deactivated_at, "
                           "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) WHERE username = ?", (username,))
        if cur.rowcount == 0:
            raise FormatError("no_such_user", f"no user {username!r}")
    user = get_user(conn, username=username)
    assert user is not None
    return user


def authenticate(conn: sqlite3.Connection, username: str, password: str) -> User:
    """Check a password (server.throttle decides beforehand whether it may be checked at all).

    An unknown user name costs the same time and gets the same "wrong_password" answer as a
    wrong password, so the sign-in form does not reveal which accounts exist; a deactivated or
    locked account says so only to someone who gave its right password.
    """
    row = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    if row is None:
        hash_password(password)  # spend the same time as a real check
        raise AuthError("wrong_password", "wrong user name or password")
    if not check_password(password, row["password_hash"]):
        raise AuthError("wrong_password", "wrong user name or password")
    if row["deactivated_at"] is not None:
        raise AuthError("account_deactivated", "this account has been deactivated; ask an admin")
    if row["locked"]:
        raise AuthError("account_locked", "this account is locked; ask an admin")
    return _row_user(row)
