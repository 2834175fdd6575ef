"""The organization on the database, on SQLite and on PostgreSQL: admins (lockout, what each
role sees), units and people (subtrees, moves with history), imports (all or nothing), classes,
and assignments that reach a unit's whole subtree or a class."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server import admins, audit, throttle
from server.admins import AdminRole, AdminSignInError
from server.storage.engine import sqlite_url
from server.storage.schema import open_database
from server.units import add_unit
from server.users import add_user, get_user
from sync.protocol.errors import FormatError

pytestmark = pytest.mark.databases  # each test runs on SQLite and on PostgreSQL

PASSWORD = "pass-word-10"


@pytest.fixture
def conn(database: str | None, tmp_path: Path) -> Iterator[Connection]:
    engine = open_database(database or sqlite_url(tmp_path / "server.sqlite3"))
    try:
        with engine.connect() as c:
            yield c
    finally:
        engine.dispose()


def _province(conn: Connection) -> None:
    """50 (province) > 5001 (city) > 500101 (district) > 50010101 (township); 5002 a sibling city."""
    add_unit(conn, "50", "重庆市")
    add_unit(conn, "5001", "万州区", "50")
    add_unit(conn, "500101", "城关镇", "5001")
    add_unit(conn, "50010101", "财政所", "500101")
    add_unit(conn, "5002", "涪陵区", "50")


def test_five_wrong_admin_passwords_lock_the_account_until_unlocked(conn: Connection,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "ACCOUNT_FREE_FAILURES", 100)  # the lock, not the throttle's wait, is tested
    monkeypatch.setitem(throttle._FREE, "account", 100)
    admins.create_admin(conn, "boss", PASSWORD, AdminRole.SYSTEM, display_name="管理员")
    with pytest.raises(FormatError) as short:
        admins.create_admin(conn, "weak", "short-pw", AdminRole.SYSTEM)
    assert short.value.code == "weak_password"
    assert admins.sign_in(conn, "boss", PASSWORD, address="10.0.0.1").name == "boss"
    codes = []
    for _ in range(admins.LOCK_AFTER):
        with pytest.raises(AdminSignInError) as wrong:
            admins.sign_in(conn, "boss", "wrong-password", address="10.0.0.1")
        codes.append(wrong.value.code)
    assert codes == ["bad_credentials"] * (admins.LOCK_AFTER - 1) + ["locked"]
    with pytest.raises(AdminSignInError) as locked:  # even the right password, until the lock ends
        admins.sign_in(conn, "boss", PASSWORD)
    assert locked.value.code == "locked" and locked.value.retry_after_s is not None
    assert locked.value.retry_after_s > admins.LOCK_S - 60
    stored = admins.get_admin(conn, "boss")
    assert stored is not None and stored.locked()
    with pytest.raises(AdminSignInError) as unknown:  # an unknown name is answered like a wrong password
        admins.sign_in(conn, "nobody", PASSWORD)
    assert unknown.value.code == "bad_credentials"

    admins.unlock_admin(conn, "boss")
    assert admins.sign_in(conn, "boss", PASSWORD).role is AdminRole.SYSTEM
    admins.deactivate_admin(conn, "boss")
    with pytest.raises(AdminSignInError) as inactive:
        admins.sign_in(conn, "boss", PASSWORD)
    assert inactive.value.code == "inactive"
    results = [e.result for e in audit.entries(conn, user="boss") if e.action == "admin_sign_in"]
    assert results == ["ok", *codes, "locked", "ok", "inactive"]


def test_admin_sign_in_is_throttled_like_the_learners(conn: Connection) -> None:
    admins.create_admin(conn, "boss", PASSWORD, "system")
    for _ in range(throttle.ACCOUNT_FREE_FAILURES):
        with pytest.raises(AdminSignInError):
            admins.sign_in(conn, "boss", "wrong-password")
    failures = sa.text("SELECT failures FROM signin_failures WHERE scope = 'account' AND key = :key")
    assert conn.execute(failures, {"key": "admin:boss"}).scalar() == throttle.ACCOUNT_FREE_FAILURES
    assert conn.execute(failures, {"key": "boss"}).scalar() is None  # not the learner of that name
    assert throttle.delay_s(throttle.ACCOUNT_FREE_FAILURES, throttle.ACCOUNT_FREE_FAILURES) > 0  # the next waits
    admins.set_password(conn, "boss", "another-password")  # a new password ends the wait too
    assert conn.execute(failures, {"key": "admin:boss"}).scalar() is None
    assert admins.sign_in(conn, "boss", "another-password").name == "boss"


def test_a_unit_admin_sees_their_subtree_and_not_a_sibling(conn: Connection) -> None:
    _province(conn)
    near = add_user(conn, "li", PASSWORD, "50010101", "李四", level="乡科级", person_id="P-1")
    far = add_user(conn, "wang", PASSWORD, "5002", "王五", level="staff")
    assert (near.unit, near.unit_code, near.level and near.level.value) == ("财政所", "50010101", "section")
    city = admins.create_admin(conn, "wanzhou", PASSWORD, AdminRole.UNIT, units=["5001"])
    boss = admins.create_admin(conn, "boss", PASSWORD, AdminRole.SYSTEM)
    assert admins.visible_unit_paths(conn, boss) is None
    assert admins.visible_unit_paths(conn, city) == ["50/5001/"]
    assert admins.can_see_unit(conn, city, "50010101") and admins.can_see_unit(conn, city, "5001")
    assert not admins.can_see_unit(conn, city, "5002") and not admins.can_see_unit(conn, city, "50")
    assert admins.can_see_person(conn, city, near.user_id)
    assert not admins.can_see_person(conn, city, far.user_id)
    assert admins.can_see_person(conn, boss, far.user_id)
    with pytest.raises(FormatError) as no_unit:
        admins.create_admin(conn, "bad", PASSWORD, AdminRole.UNIT)
    assert no_unit.value.code == "bad_grant"
    with pytest.raises(FormatError) as unknown:
        admins.create_admin(conn, "bad", PASSWORD, AdminRole.UNIT, units=["9999"])
    assert unknown.value.code == "no_such_unit"
    user = get_user(conn, username="li")
    assert user is not None and user.person_id == "P-1" and user.public()["unit"] == "财政所"
    rows = conn.execute(sa.text("SELECT COUNT(*) FROM admin_grants")).scalar_one()
    assert rows == 1
