"""Server sign-in: access and refresh tokens, and device enrolment (device key bound to a user).

Tokens are random; only their sha256 is stored. Access tokens are short-lived. A refresh token
is used once and replaced by a new one of the same family (every token issued since one
sign-in). Presenting a used refresh token again means someone kept a copy: the whole family
is revoked (access tokens too) and the audit log says so. One exception keeps a lost answer
from signing a person out: within REFRESH_GRACE_S of its use, a refresh token may be presented
once more while its successor has never been used; the successor is then superseded (using
it later counts as reuse) and a new one issued.

Sign-in is throttled (server.throttle) and its password check runs in the bounded password
pool. Devices: a device id (UUID chosen by the client) is enrolled to exactly one user with
one Ed25519 public key, at most ``max_devices`` per person through the API. Services only;
no HTTP here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server import audit, throttle
from server.password_pool import PasswordPool
from server.storage.engine import is_busy, transaction
from server.storage.tables import devices, tokens
from server.users import User, authenticate, get_user
from sync.protocol.errors import AuthError, FormatError, RejectedError, SyncError
from sync.protocol.keys import PublicKey

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def access_ttl_s() -> float:
    # Overridable for tests that need an access token to expire quickly.
    return float(os.environ.get("STUDYDESK_ACCESS_TTL_S", "900"))


REFRESH_TTL_S = 60 * 60 * 24 * 60
REFRESH_GRACE_S = 60.0
USED_REFRESH_KEPT_S = 7 * 24 * 3600.0
"""How long a used refresh token is remembered, to recognise it if it comes back."""


def _h(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: float


def _issue(conn: Connection, user_id: str, family: str | None = None) -> tuple[Tokens, str]:
    """A new access and refresh token (in ``family``, else a new one); and the refresh token's hash."""
    now = time.time()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    ttl = access_ttl_s()
    family = family or secrets.token_hex(16)
    conn.execute(tokens.delete().where(tokens.c.user_id == user_id, tokens.c.expires_at < now))
    conn.execute(tokens.insert(), [
        {"token_hash": _h(access), "user_id": user_id, "kind": "access", "expires_at": now + ttl, "family": family,
         "issued_with": _h(refresh)},
        {"token_hash": _h(refresh), "user_id": user_id, "kind": "refresh", "expires_at": now + REFRESH_TTL_S,
         "family": family, "issued_with": None},
    ])
    return Tokens(access, refresh, ttl), _h(refresh)


def _unusable_code(user: User | None) -> str:
    if user is None:
        return "auth"
    return "account_deactivated" if not user.active else "account_locked"


def login(conn: Connection, username: str, password: str, *, address: str = "",
          passwords: PasswordPool | None = None) -> tuple[User, Tokens]:
    """Sign in: refused while a throttle's wait runs (429, read only); then a place in ``passwords``
    (503 at once, nothing written, when all are taken); then the attempt counted and the password
    checked on the pool's threads."""
    throttle.refuse_while_waiting(conn, username, address)
    with passwords.place() if passwords else contextlib.nullcontext():
        return _login(conn, username, password, address, passwords)


def _login(conn: Connection, username: str, password: str, address: str,
           passwords: PasswordPool | None) -> tuple[User, Tokens]:
    attempt = throttle.admit(conn, username, address)
    try:
        user = passwords.run(authenticate, conn, username, password) if passwords else authenticate(
            conn, username, password)
    except AuthError as exc:
        wait = throttle.delay_s(attempt.failures, throttle.ACCOUNT_FREE_FAILURES)
        detail = (audit.said_n("%(n)d failure in a row; next try in %(seconds)d s",
                               "%(n)d failures in a row; next try in %(seconds)d s", attempt.failures,
                               seconds=round(wait)) if wait else
                  audit.said_n("%(n)d failure in a row", "%(n)d failures in a row", attempt.failures))
        with transaction(conn):
            audit.record(conn, actor=username, action="sign_in", address=address, result=exc.code, detail=detail)
        raise
    except Exception as exc:
        _not_checked(conn, attempt, exc)
        raise
    try:
        with transaction(conn):
            throttle.succeeded(conn, attempt)
            audit.record(conn, actor=username, action="sign_in", address=address, result="ok")
            return user, _issue(conn, user.user_id)[0]
    except Exception as exc:
        _not_checked(conn, attempt, exc)
        raise


def _not_checked(conn: Connection, attempt: throttle.Attempt, exc: Exception) -> None:
    """A sign-in that ended in neither a right nor a wrong password (the database stayed busy)
    counts against no one: under load the same person tries again, and
    each try left counted would make the next wait longer for the person and the address."""
    if is_busy(exc):
        with contextlib.suppress(SyncError, sa.exc.DBAPIError, sa.exc.TimeoutError):
            throttle.not_checked(conn, attempt)


def _revoke_family(conn: Connection, user_id: str, family: str, address: str) -> None:
    conn.execute(tokens.delete().where(tokens.c.family == family))
    user = get_user(conn, user_id=user_id)
    audit.record(conn, actor=user.username if user else user_id, action="refresh", address=address,
                 result="token_reused",
                 detail=audit.said("a used refresh token came back: every token of its sign-in revoked"))


def refresh(conn: Connection, refresh_token: str, *, address: str = "") -> tuple[User, Tokens]:
    reused = False
    t = tokens.c
    with transaction(conn):
        now = time.time()
        row = conn.execute(
            sa.select(t.user_id, t.expires_at, t.family, t.used_at, t.successor, t.grace_used)
            .where(t.token_hash == _h(refresh_token), t.kind == "refresh")
        ).first()
        if row is None or row.expires_at < now:
            raise AuthError("auth", "refresh token is not valid; sign in again")
        family = row.family or _h(refresh_token)
        if row.used_at is not None:
            successor = conn.execute(sa.select(t.used_at).where(t.token_hash == row.successor)).first() \
                if row.successor else None
            lost_answer = (successor is not None and successor.used_at is None and not row.grace_used
                           and now - row.used_at <= REFRESH_GRACE_S)
            if not lost_answer:
                _revoke_family(conn, row.user_id, family, address)
                reused = True
            else:  # the successor never reached its holder: supersede it, so it can only count as reuse now
                conn.execute(tokens.delete().where(t.kind == "access", t.issued_with == row.successor))
                conn.execute(tokens.update().where(t.token_hash == row.successor).values(used_at=now, successor=None))
        if not reused:
            user = get_user(conn, user_id=row.user_id)
            if user is None or not user.usable:
                raise AuthError(_unusable_code(user), "account is not usable")
            tokens_, new_hash = _issue(conn, user.user_id, family)
            kept_until = now + USED_REFRESH_KEPT_S
            conn.execute(tokens.update().where(t.token_hash == _h(refresh_token)).values(
                used_at=sa.func.coalesce(t.used_at, now), successor=new_hash,
                grace_used=sa.case((t.used_at.is_not(None), 1), else_=0),
                expires_at=sa.case((t.expires_at < kept_until, t.expires_at), else_=kept_until)))
            return user, tokens_
    raise AuthError("token_reused", "this refresh token was already used; every session of this sign-in has "
                                    "been ended for safety: sign in again")


_ACCESS_TOKEN = sa.select(tokens.c.user_id, tokens.c.expires_at).where(
    tokens.c.token_hash == sa.bindparam("token_hash"), tokens.c.kind == "access")
"""Built once: every signed-in request reads its token with it."""


def user_for_access_token(conn: Connection, token: str) -> User:
    row = conn.execute(_ACCESS_TOKEN, {"token_hash": _h(token)}).first()
    if row is None or row.expires_at < time.time():
        raise AuthError("token_expired", "access token is missing, unknown or expired")
    user = get_user(conn, user_id=row.user_id)
    if user is None or not user.usable:
        raise AuthError(_unusable_code(user) if user else "account_locked", "account is locked or deactivated")
    return user


# ----- devices
ENROLLED_BY = {"api": audit.said("enrolled by the learner's app"),
               "import": audit.said("enrolled from an imported records file")}
"""The audit detail of a device enrolment, by who enrolled it (``enrol_device``'s ``by``)."""


def enrol_device(conn: Connection, user: User, device_id: str, public_key: str, *, by: str = "api",
                 max_devices: int | None = None, address: str = "") -> bool:
    """Bind ``device_id`` with ``public_key`` to ``user``. True if new, False if already so enrolled.

    With ``max_devices``, a person who already has that many devices gets no more."""
    if not _UUID.match(device_id or ""):
        raise FormatError("bad_id", "device_id must be a lowercase UUID")
    key = PublicKey.from_text(public_key).to_text()
    refused = False
    with transaction(conn):
        row = conn.execute(sa.select(devices.c.user_id, devices.c.public_key)
                           .where(devices.c.device_id == device_id)).first()
        if row is not None:
            if row.user_id != user.user_id:
                raise RejectedError("device_taken", "this device id is enrolled to another user")
            if row.public_key != key:
                raise RejectedError("device_key_mismatch", "this device id is enrolled with another key")
            return False
        count = conn.execute(sa.select(sa.func.count()).select_from(devices)
                             .where(devices.c.user_id == user.user_id)).scalar_one()
        if max_devices is not None and count >= max_devices:
            audit.record(conn, actor=user.username, action="enrol_device", target=device_id, address=address,
                         result="too_many_devices",
                         detail=audit.said_n("%(n)d device, at most %(most)d", "%(n)d devices, at most %(most)d",
                                             count, most=max_devices))
            refused = True
        else:
            conn.execute(devices.insert().values(device_id=device_id, user_id=user.user_id, public_key=key,
                                                 enrolled_by=by))
            audit.record(conn, actor=user.username, action="enrol_device", target=device_id, address=address,
                         result="ok", detail=ENROLLED_BY.get(by) or audit.said("by %(by)s", by=by))
    if refused:
        raise RejectedError("too_many_devices", f"this person already has {max_devices} devices enrolled, the most "
                                                "allowed; ask an admin")
    return True


def device_key(conn: Connection, device_id: str) -> tuple[str, PublicKey] | None:
    """(user_id, public key) the device is enrolled to, or None."""
    row = conn.execute(sa.select(devices.c.user_id, devices.c.public_key)
                       .where(devices.c.device_id == device_id)).first()
    return (row.user_id, PublicKey.from_text(row.public_key)) if row else None
