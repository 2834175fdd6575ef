"""Server accounts: users with scrypt password hashes.

Services only (no HTTP here); the routers and the admin command line call them, each with a
SQLAlchemy connection. Imports only sync/ formats and server/storage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from server.storage.columns import utc_now_s
from server.storage.engine import transaction
from server.storage.tables import users
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


def _row_user(row: Row[tuple[object, ...]]) -> User:
    r = row._mapping
    return User(r["user_id"], r["username"], r["display_name"], r["unit"], r["failed_attempts"], bool(r["locked"]),
                r["deactivated_at"] is None)


def validate_username(name: str) -> str:
    if not _NAME.match(name or ""):
        raise FormatError("bad_username", "a user name is 1-64 letters, digits, '.', '_', '@' or '-'")
    return name


def check_new_password(password: str) -> str:
    if len(password) < 6:
        raise FormatError("weak_password", "a password needs at least 6 characters")
    return password


def add_user(
    conn: Connection, username: str, password: str, unit: str, display_name: str | None = None
) -> User:
    validate_username(username)
    check_new_password(password)
    if not unit.strip():
        raise FormatError("bad_unit", "a unit is required")
    user = User(str(uuid.uuid4()), username, (display_name or username).strip(), unit.strip())
    with transaction(conn):
        if conn.execute(sa.select(1).where(users.c.username == username)).first():
            raise FormatError("user_exists", f"user {username!r} already exists")
        conn.execute(users.insert().values(user_id=user.user_id, username=user.username,
                                           display_name=user.display_name, unit=user.unit,
                                           password_hash=hash_password(password)))
    return user


def get_user(conn: Connection, *, username: str | None = None, user_id: str | None = None) -> User | None:
    where = users.c.username == username if username is not None else users.c.user_id == user_id
    row = conn.execute(sa.select(users).where(where)).first()
    return _row_user(row) if row else None


def list_users(conn: Connection) -> list[User]:
    return [_row_user(r) for r in conn.execute(sa.select(users).order_by(users.c.unit, users.c.username))]


def _change(conn: Connection, username: str, **values: object) -> User:
    """Set ``values`` on one account; FormatError("no_such_user") when there is none."""
    with transaction(conn):
        done = conn.execute(users.update().where(users.c.username == username).values(**values))
        if done.rowcount == 0:
            raise FormatError("no_such_user", f"no user {username!r}")
    user = get_user(conn, username=username)
    assert user is not None
    return user


def unlock_user(conn: Connection, username: str) -> User:
    return _change(conn, username, locked=0, failed_attempts=0)


def reset_password(conn: Connection, username: str, password: str) -> User:
    """Give an account a new password; this also unlocks it."""
    check_new_password(password)
    return _change(conn, username, password_hash=hash_password(password), locked=0, failed_attempts=0)


def deactivate_user(conn: Connection, username: str) -> User:
    """Stop an account from signing in; its records, devices and assignments stay. Idempotent."""
    return _change(conn, username, deactivated_at=sa.func.coalesce(users.c.deactivated_at, utc_now_s()))


def authenticate(conn: Connection, username: str, password: str) -> User:
    """Check a password (server.throttle decides beforehand whether it may be checked at all).

    An unknown user name costs the same time and gets the same "wrong_password" answer as a
    wrong password, so the sign-in form does not reveal which accounts exist; a deactivated or
    locked account says so only to someone who gave its right password.
    """
    row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None:
        hash_password(password)  # spend the same time as a real check
        raise AuthError("wrong_password", "wrong user name or password")
    if not check_password(password, row.password_hash):
        raise AuthError("wrong_password", "wrong user name or password")
    if row.deactivated_at is not None:
        raise AuthError("account_deactivated", "this account has been deactivated; ask an admin")
    if row.locked:
        raise AuthError("account_locked", "this account is locked; ask an admin")
    return _row_user(row)
