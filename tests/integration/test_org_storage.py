"""The organization's tables on SQLite and PostgreSQL: revision 0002 turns the flat unit names of
a site into units under a root (people, unit assignments and all), unit paths answer subtrees as
one range, and a site's units (which refer to each other) copy into another database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from server.assignments import assignments_for
from server.storage.copy import copy_database
from server.storage.engine import create, sqlite_url, transaction
from server.storage.schema import alembic_config, open_database, scripts, upgrade
from server.storage.tables import units
from server.units import add_unit, list_units, move_unit, subtree_clause
from server.users import add_user, get_user, list_users
from tests.support.schema import schema_differences

pytestmark = pytest.mark.databases  # each test runs on SQLite and on PostgreSQL


def _url(database: str | None, tmp_path: Path, name: str = "server.sqlite3") -> str:
    return database or sqlite_url(tmp_path / name)


def _at_first_revision(url: str) -> sa.Engine:
    """The database emptied and brought to revision 0001 only: a site before the organization."""
    engine = create(url, pool_size=1)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            with transaction(conn):
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        with transaction(conn):
            command.upgrade(alembic_config(conn), "0001")
    return engine


def test_flat_unit_names_become_units_under_a_root(database: str | None, tmp_path: Path) -> None:
    engine = _at_first_revision(_url(database, tmp_path))
    try:
        with engine.connect() as conn, transaction(conn):
            for name, unit in (("li", "城关镇"), ("wang", "城关镇"), ("zhao", "U")):
                conn.execute(sa.text("INSERT INTO users (user_id, username, display_name, unit, password_hash) "
                                     "VALUES (:n, :n, :n, :u, 'x')"), {"n": name, "u": unit})
            conn.execute(sa.text("INSERT INTO assignments (course_id, target_kind, target, required) VALUES "
                                 "('c1', 'unit', '城关镇', 1), ('c2', 'unit', '城南镇', 0), ('c3', 'user', 'li', 1)"))
        assert upgrade(engine) == len([r for r in scripts().walk_revisions() if r.revision != "0001"])
        with engine.connect() as conn:
            found = {u.code: (u.name, u.parent, u.path, u.depth) for u in list_units(conn)}
            assert found == {"root": ("全部单位", None, "root/", 0), "U": ("U", "root", "root/U/", 1),
                             "unit-1": ("城关镇", "root", "root/unit-1/", 1),
                             "unit-2": ("城南镇", "root", "root/unit-2/", 1)}
            assert {(u.username, u.unit, u.unit_code) for u in list_users(conn)} == {
                ("li", "城关镇", "unit-1"), ("wang", "城关镇", "unit-1"), ("zhao", "U", "U")}
            rows = conn.execute(sa.text("SELECT course_id, target FROM assignments ORDER BY course_id")).all()
            assert [tuple(r) for r in rows] == [("c1", "unit-1"), ("c2", "unit-2"), ("c3", "li")]
            li = get_user(conn, username="li")
            assert li is not None and li.public()["unit"] == "城关镇"
            assert [a["course_id"] for a in assignments_for(conn, li, tmp_path / "repo")] == ["c1", "c3"]
            # a name given to 'user add' later finds its unit, or becomes a new one under the root
            assert add_user(conn, "sun", "pass-word", "城关镇").unit_code == "unit-1"
            assert add_user(conn, "moon", "pass-word", "城西镇").unit_code not in {"root", "U", "unit-1", "unit-2"}
    finally:
        engine.dispose()


def test_a_subtree_is_one_range_of_paths_and_survives_a_move(database: str | None, tmp_path: Path) -> None:
    engine = open_database(_url(database, tmp_path))
    try:
        with engine.connect() as conn:
            # codes chosen so that a plain prefix test would be wrong: 5 vs 50, 5/ vs 5.1 and 5-1
            for code, parent in (("5", None), ("50", None), ("5.1", None), ("5-1", "5"), ("5a", "5-1"), ("x", "50")):
                add_unit(conn, code, f"单位{code}", parent)
            top = next(u for u in list_units(conn) if u.code == "5")

            def subtree(path: str) -> list[str]:
                return sorted(conn.execute(sa.select(units.c.code).where(subtree_clause(units.c.path, path)))
                              .scalars())

            assert subtree(top.path) == ["5", "5-1", "5a"]
            move_unit(conn, "5-1", "50")
            assert subtree("5/") == ["5"] and subtree("50/") == ["5-1", "50", "5a", "x"]
            assert {u.code: u.depth for u in list_units(conn, "50")} == {"50": 0, "5-1": 1, "5a": 2, "x": 1}
    finally:
        engine.dispose()


def test_units_copy_to_another_database_parents_first(database: str | None, tmp_path: Path) -> None:
    source = open_database(sqlite_url(tmp_path / "source.sqlite3"))
    target = create(_url(database, tmp_path, "target.sqlite3"))
    try:
        with source.connect() as conn:
            add_unit(conn, "b", "省", None)
            add_unit(conn, "a", "市", "b")  # a child whose code sorts before its parent's
            add_unit(conn, "0", "县", "a")
            move_unit(conn, "b", None)
            add_user(conn, "li", "pass-word", "0", level="staff", person_id="P-1")
        result = copy_database(source, target)
        assert result.verified
        with target.connect() as conn:
            assert [u.path for u in list_units(conn)] == ["b/", "b/a/", "b/a/0/"]
            li = get_user(conn, username="li")
            assert li is not None and (li.unit, li.person_id) == ("县", "P-1")
    finally:
        source.dispose()
        target.dispose()


def test_a_database_upgraded_from_the_first_revision_matches_the_declarations(database: str | None,
                                                                              tmp_path: Path) -> None:
    engine = _at_first_revision(_url(database, tmp_path))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    assert schema_differences(_url(database, tmp_path)) == []
