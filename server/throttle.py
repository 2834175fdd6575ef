"""Sign-in throttling: a wait that grows with failures, per account name and per address.

Every sign-in attempt is counted as a failure up front, in one write transaction (one writer
at a time, server.storage.engine), before its password is checked: however many guesses arrive at once, each one
sees all those before it. A name with ``n`` counted failures may try again only
``delay_s(n)`` after the last try: at once for the first ACCOUNT_FREE_FAILURES, then after
1, 2, 4, 8 ... seconds, at most MAX_DELAY_S; an address likewise after ADDRESS_FREE_FAILURES
(several people may share one address). Until then the server answers 429 with Retry-After
without checking the password, so a right password inside a flood of guesses gains nothing.

No one can lock an account this way: its owner signs in once the wait has passed, and the
wait only grows with passwords actually checked. Names that exist and names that do not are
counted and answered alike, so the answers reveal no names. A right password clears the
name's count and takes back its own count from the address; an attempt whose password was
never checked (the server was busy) takes back both. A count left alone for FORGET_AFTER_S
starts again from zero, and ``studydesk-server user unlock NAME`` clears one at once.
Services only; no HTTP here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.storage.engine import transaction
from server.storage.tables import signin_failures
from sync.protocol.errors import ServerBusyError

ACCOUNT_FREE_FAILURES = 3
ADDRESS_FREE_FAILURES = 30
MAX_DELAY_S = 15 * 60.0
FORGET_AFTER_S = 24 * 3600.0


_FREE = {"account": ACCOUNT_FREE_FAILURES, "address": ADDRESS_FREE_FAILURES}


def delay_s(failures: int, free: int) -> float:
    """How long after the last try the next one may come, with ``failures`` counted."""
    if failures < free:
        return 0.0
    return min(2.0 ** min(failures - free, 30), MAX_DELAY_S)


@dataclass(frozen=True, slots=True)
class Attempt:
    username: str
    address: str
    failures: int
    """The name's count, this attempt included."""


class TooManyAttempts(ServerBusyError):
    """Answered 429 with Retry-After."""

    def __init__(self, wait_s: float) -> None:
        super().__init__("too_many_attempts", "too many failed sign-ins for this name or from this address; "
                         "wait before trying again", retry_after_s=wait_s)


_COUNT = sa.text(
    "INSERT INTO signin_failures (scope, key, failures, last_at) VALUES (:scope, :key, 1, :now) "
    "ON CONFLICT (scope, key) DO UPDATE SET "
    "failures = CASE WHEN excluded.last_at - signin_failures.last_at > :forget THEN 1 "
    "ELSE signin_failures.failures + 1 END, "
    "last_at = excluded.last_at")
"""Count one failure for (scope, key); a count left alone for FORGET_AFTER_S starts again at 1
(SQLite and PostgreSQL both read this upsert alike)."""


def _wait_s(conn: Connection, username: str, address: str, now: float) -> float:
    f = signin_failures.c
    wait = 0.0
    for row in conn.execute(sa.select(f.scope, f.failures, f.last_at).where(
            sa.or_(sa.and_(f.scope == "account", f.key == username), sa.and_(f.scope == "address", f.key == address)))):
        if now - row.last_at <= FORGET_AFTER_S:
            wait = max(wait, row.last_at + delay_s(row.failures, _FREE[row.scope]) - now)
    return wait


def refuse_while_waiting(conn: Connection, username: str, address: str) -> None:
    """TooManyAttempts while a wait runs for the name or the address. Read only: a flood of refused
    tries takes no write lock."""
    if (wait := _wait_s(conn, username, address, time.time())) > 0:
        raise TooManyAttempts(wait)


def admit(conn: Connection, username: str, address: str) -> Attempt:
    """Count this attempt, or raise TooManyAttempts (nothing counted) while a wait is running (read
    again inside the write transaction: parallel guesses each see the ones before). Callers call
    ``refuse_while_waiting`` first, before they take a password place, so a flood of refused tries
    takes neither a place nor the write lock."""
    with transaction(conn):
        now = time.time()
        if (wait := _wait_s(conn, username, address, now)) > 0:
            raise TooManyAttempts(wait)
        for scope, key in (("account", username), ("address", address)):
            conn.execute(_COUNT, {"scope": scope, "key": key, "now": now, "forget": FORGET_AFTER_S})
        failures = conn.execute(sa.select(signin_failures.c.failures).where(
            signin_failures.c.scope == "account", signin_failures.c.key == username)).scalar_one()
    return Attempt(username, address, int(failures))


def _take_back(conn: Connection, scope: str, key: str) -> None:
    f = signin_failures.c
    conn.execute(signin_failures.update().where(f.scope == scope, f.key == key)
                 .values(failures=sa.case((f.failures > 0, f.failures - 1), else_=0)))


def succeeded(conn: Connection, attempt: Attempt) -> None:
    """The password was right (call inside the caller's transaction)."""
    f = signin_failures.c
    conn.execute(signin_failures.delete().where(f.scope == "account", f.key == attempt.username))
    _take_back(conn, "address", attempt.address)


def not_checked(conn: Connection, attempt: Attempt) -> None:
    """The password was never checked: this attempt counts against no one."""
    with transaction(conn):
        _take_back(conn, "account", attempt.username)
        _take_back(conn, "address", attempt.address)


def clear(conn: Connection, username: str) -> bool:
    """Forget a name's failures (an admin's unlock). True if there were any."""
    f = signin_failures.c
    with transaction(conn):
        done = conn.execute(signin_failures.delete().where(f.scope == "account", f.key == username))
    return done.rowcount > 0
