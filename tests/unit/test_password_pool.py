"""The password pool's places: a sign-in that finds them all taken is turned away before it writes
anything, so a flood of sign-ins never queues for the database's write lock."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from server import admins, auth
from server.password_pool import PasswordPool
from server.storage.engine import sqlite_url
from server.storage.schema import open_database
from server.storage.tables import audit_log, signin_failures
from server.users import add_user
from sync.protocol.errors import AuthError, ServerBusyError


def _counted(conn: sa.Connection) -> tuple[int, int]:
    failures = conn.execute(sa.select(sa.func.count()).select_from(signin_failures)).scalar_one()
    audited = conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
    return failures, audited


def test_a_sign_in_without_a_place_writes_nothing(tmp_path: Path) -> None:
    engine = open_database(sqlite_url(tmp_path / "server.sqlite3"))
    pool = PasswordPool(workers=1, queue=0)
    try:
        with engine.connect() as conn:
            add_user(conn, "zhang", "right-pass", "城关镇")
            before = _counted(conn)
            with pool.place():  # the one place is taken
                with pytest.raises(ServerBusyError) as busy:
                    auth.login(conn, "zhang", "right-pass", address="10.0.0.9", passwords=pool)
                assert (busy.value.retry_after_s or 0) >= 1
                with pytest.raises(ServerBusyError):
                    admins.sign_in(conn, "root", "any-pass", address="10.0.0.9", passwords=pool)
            assert _counted(conn) == before
            # the place free again: a wrong password is counted and audited, a right one signs in
            with pytest.raises(AuthError, match="wrong user name or password"):
                auth.login(conn, "zhang", "wrong-pass", address="10.0.0.9", passwords=pool)
            failures, audited = _counted(conn)
            assert failures > before[0] and audited == before[1] + 1
            user, tokens = auth.login(conn, "zhang", "right-pass", address="10.0.0.9", passwords=pool)
            assert user.username == "zhang" and tokens.access_token
    finally:
        pool.shutdown()
        engine.dispose()
