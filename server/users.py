"""Server accounts: users (learners) with scrypt password hashes, each in one unit of the
organization (server.units), with a cadre level and the organization's own id for them.

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

from server.org.levels import CadreLevel, parse_level
from server.storage.columns import utc_now_s
from server.storage.engine import transaction
from server.storage.tables import person_year, tokens, units, users
from server.units import unit_for_name
from sync.protocol.errors import AuthError, FormatError
from sync.protocol.work_factor import (
    DEFAULT_COST,
    MAX_COST,
    MAXMEM,
    MIN_COST,
    PASSWORD_COST_ENV,
    P,
    R,
    cost_from_env,
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    username: str
    display_name: str
    unit: str
    """The name of the person's unit (what the app shows)."""
    failed_attempts: int = 0
    locked: bool = False
    active: bool = True
    unit_code: str | None = None
    level: CadreLevel | None = None
    person_id: str | None = None

    @property
    def usable(self) -> bool:
        """May sign in and use its tokens: neither locked nor deactivated."""
        return self.active and not self.locked

    def public(self) -> dict[str, str]:
        return {"user_id": self.user_id, "username": self.username, "display_name": self.display_name,
                "unit": self.unit}


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$digest`` at the cost ``$STUDYDESK_PASSWORD_COST`` sets (default 14;
    FormatError for a bad setting); the string records n, r and p, so a hash made at another cost
    still checks."""
    n = 2 ** cost_from_env(PASSWORD_COST_ENV)
    salt = os.urandom(16)
    digest = _scrypt(password, salt, n)
    b64 = base64.b64encode
    return f"scrypt${n}${R}${P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; False, without running scrypt, for a stored hash
    that is damaged or whose parameters are outside what this product makes (N from 2^MIN_COST to
    2^MAX_COST, r = 8, p = 1)."""
    try:
        scheme, n_text, r_text, p_text, salt, digest = stored.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        if scheme != "scrypt" or n not in _ALLOWED_N or (r, p) != (R, P):
            return False
        got = _scrypt(password, base64.b64decode(salt), n)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def spend_a_check(password: str) -> None:
    """Take the time checking ``password`` against a new hash of this site takes, for a name that
    has no hash: at the cost ``$STUDYDESK_PASSWORD_COST`` sets, or the default one when that
    setting is wrong (a sign-in never fails on it, so it cannot tell names apart)."""
    try:
        cost = cost_from_env(PASSWORD_COST_ENV)
    except FormatError:
        cost = DEFAULT_COST
    _scrypt(password, os.urandom(16), 2**cost)


def _scrypt(password: str, salt: bytes, n: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=R, p=P, dklen=32, maxmem=MAXMEM)


_ALLOWED_N = frozenset(2**cost for cost in range(MIN_COST, MAX_COST + 1))


USER_QUERY = sa.select(users, units.c.name.label("unit_name")).select_from(
    users.outerjoin(units, units.c.code == users.c.unit_code))
"""Every user's row with the name of their unit; add a where clause (or join) for some."""
_USER_BY_NAME = USER_QUERY.where(users.c.username == sa.bindparam("username"))
_USER_BY_ID = USER_QUERY.where(users.c.user_id == sa.bindparam("user_id"))
"""One user's row, built once (each request's signed-in person is read with it): only the value changes."""


def row_user(row: Row[tuple[object, ...]]) -> User:
    r = row._mapping
    level = r["level"]
    return User(r["user_id"], r["username"], r["display_name"], r["unit_name"] or "", r["failed_attempts"],
                bool(r["locked"]), r["deactivated_at"] is None, r["unit_code"],
                CadreLevel(level) if level else None, r["person_id"])


def check_person_id(person_id: str) -> str:
    if not _NAME.match(person_id or ""):
        raise FormatError.worded("bad_person_id", "a person id is 1-64 letters, digits, '.', '_', '@' or '-'")
    return person_id


def validate_username(name: str) -> str:
    if not _NAME.match(name or ""):
        raise FormatError.worded("bad_username", "a user name is 1-64 letters, digits, '.', '_', '@' or '-'")
    return name


def check_new_password(password: str) -> str:
    if len(password) < 6:
        raise FormatError.worded("weak_password", "a password needs at least 6 characters")
    return password


def add_user(
    conn: Connection, username: str, password: str, unit: str, display_name: str | None = None, *,
    level: CadreLevel | str | None = None, person_id: str | None = None,
) -> User:
    """A new account in ``unit``: a unit's code, or the name of one; a name the site does not know
    yet becomes a new unit under the root unit (server.units.unit_for_name), as on a small site
    that keeps no organization tree."""
    hashed = hash_password(check_new_password(password))  # before the write lock: scrypt takes a while
    with transaction(conn):
        return add_user_in(conn, username, password, unit, display_name, level=level, person_id=person_id,
                           password_hash=hashed)


def add_user_in(
    conn: Connection, username: str, password: str, unit: str, display_name: str | None = None, *,
    level: CadreLevel | str | None = None, person_id: str | None = None, password_hash: str | None,
) -> User:
    """``add_user`` inside the caller's write transaction; ``password_hash`` stands in for hashing
    ``password`` again (an import hashes one password for many people)."""
    validate_username(username)
    if password_hash is None:
        check_new_password(password)
    if person_id is not None:
        check_person_id(person_id)
    found_level = parse_level(level) if isinstance(level, str) else level
    if conn.execute(sa.select(1).where(users.c.username == username)).first():
        raise FormatError.worded("user_exists", "user %(user)r already exists", user=username)
    if person_id is not None and conn.execute(sa.select(1).where(users.c.person_id == person_id)).first():
        raise FormatError.worded("person_exists", "person id %(person)r belongs to another account", person=person_id)
    place = unit_for_name(conn, unit)
    user = User(str(uuid.uuid4()), username, (display_name or username).strip(), place.name, unit_code=place.code,
                level=found_level, person_id=person_id)
    conn.execute(users.insert().values(user_id=user.user_id, username=user.username,
                                       display_name=user.display_name, unit_code=place.code,
                                       level=found_level.value if found_level else None, person_id=person_id,
                                       password_hash=password_hash or hash_password(password)))
    return user


def get_user(conn: Connection, *, username: str | None = None, user_id: str | None = None) -> User | None:
    row = (conn.execute(_USER_BY_NAME, {"username": username}) if username is not None
           else conn.execute(_USER_BY_ID, {"user_id": user_id})).first()
    return row_user(row) if row else None


def list_users(conn: Connection) -> list[User]:
    return [row_user(r) for r in conn.execute(USER_QUERY.order_by(units.c.path, users.c.username))]


def _change(conn: Connection, username: str, **values: object) -> User:
    """Set ``values`` on one account; FormatError("no_such_user") when there is none."""
    with transaction(conn):
        done = conn.execute(users.update().where(users.c.username == username).values(**values))
        if done.rowcount == 0:
            raise FormatError.worded("no_such_user", "no user %(user)r", user=username)
    user = get_user(conn, username=username)
    assert user is not None
    return user


def unlock_user(conn: Connection, username: str) -> User:
    return _change(conn, username, locked=0, failed_attempts=0)


def reset_password(conn: Connection, username: str, password: str) -> User:
    """Give an account a new password; this also unlocks it and signs it out everywhere: every
    access and refresh token issued with the old password stops working (someone who learned the
    old one keeps no session), and each of the person's PCs signs in again with the new one."""
    check_new_password(password)
    hashed = hash_password(password)
    with transaction(conn):
        done = conn.execute(users.update().where(users.c.username == username)
                            .values(password_hash=hashed, locked=0, failed_attempts=0))
        if done.rowcount == 0:
            raise FormatError.worded("no_such_user", "no user %(user)r", user=username)
        conn.execute(tokens.delete().where(tokens.c.user_id.in_(
            sa.select(users.c.user_id).where(users.c.username == username).scalar_subquery())))
    user = get_user(conn, username=username)
    assert user is not None
    return user


def deactivate_user(conn: Connection, username: str) -> User:
    """Stop an account from signing in; its records, devices and assignments stay, its stored years
    (server.person_year) no longer count in its units' figures. Idempotent."""
    with transaction(conn):
        done = conn.execute(users.update().where(users.c.username == username)
                            .values(deactivated_at=sa.func.coalesce(users.c.deactivated_at, utc_now_s())))
        if done.rowcount == 0:
            raise FormatError.worded("no_such_user", "no user %(user)r", user=username)
        whose = sa.select(users.c.user_id).where(users.c.username == username).scalar_subquery()
        conn.execute(person_year.update().where(person_year.c.user_id == whose).values(active=0))
    user = get_user(conn, username=username)
    assert user is not None
    return user


def authenticate(conn: Connection, username: str, password: str) -> User:
    """Check a password (server.throttle decides beforehand whether it may be checked at all).

    An unknown user name costs the same time and gets the same "wrong_password" answer as a
    wrong password, so the sign-in form does not reveal which accounts exist; a deactivated or
    locked account says so only to someone who gave its right password.
    """
    row = conn.execute(USER_QUERY.where(users.c.username == username)).first()
    if row is None:
        spend_a_check(password)
        raise AuthError.worded("wrong_password", "wrong user name or password")
    if not check_password(password, row.password_hash):
        raise AuthError.worded("wrong_password", "wrong user name or password")
    if row.deactivated_at is not None:
        raise AuthError.worded("account_deactivated", "this account has been deactivated; ask an admin")
    if row.locked:
        raise AuthError.worded("account_locked", "this account is locked; ask an admin")
    return row_user(row)
