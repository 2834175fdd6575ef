"""Rankings (学分排名) over plain totals and a unit tree (one's place in one's unit, the unit's among
its siblings), and the per-process memo of everyone's totals on a real
SQLite database: the asking person's own figure is always fresh, the others' at most a few
minutes old."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from server.outcomes import Outcomes, Standings, StandingsCache, ranking
from server.published import Published
from server.storage.tables import metadata
from server.units import StoredUnit
from server.users import User, add_user
from sync.protocol.rules import DEFAULT_RULES

ME = User("u1", "me", "我", "城关镇", unit_code="cgz")
UNITS = {u.code: u for u in (
    StoredUnit("county", "示范县", None, "county/", 0),
    StoredUnit("cgz", "城关镇", "county", "county/cgz/", 1),
    StoredUnit("hxx", "河西乡", "county", "county/hxx/", 1),
    StoredUnit("dsz", "东山镇", "county", "county/dsz/", 1),
    StoredUnit("dsz-1", "东山村", "dsz", "county/dsz/dsz-1/", 2),
    StoredUnit("empty", "新设乡", "county", "county/empty/", 1),
    StoredUnit("other", "邻县", None, "other/", 0),
    StoredUnit("far", "远山镇", "other", "other/far/", 1),
)}


@pytest.mark.parametrize(("totals", "mine", "expected"), [
    # 5, then 2 and 2 share second place in 城关镇; 河西乡's mean 4 leads 城关镇's 3, 东山镇 (with its
    # village) has 1.5; 新设乡 has nobody and 远山镇 is not a sibling, so neither is ranked
    ({"u2": ("cgz", "5"), "u3": ("cgz", "2"), "u4": ("hxx", "4"), "u5": ("hxx", "4"), "u6": ("dsz", "0"),
      "u7": ("dsz-1", "3"), "u8": ("far", "100")}, "2", (2, 3, 2, 3, "3.00", "示范县")),
    ({"u2": ("cgz", "5"), "u4": ("hxx", "4")}, "9", (1, 2, 1, 2, "7.00", "示范县")),  # one's own figure stands
    ({"u4": ("hxx", "4"), "u5": ("hxx", "2"), "u7": ("dsz-1", "3")}, "3", (1, 1, 1, 3, "3.00", "示范县")),  # ties
    ({}, "0", (1, 1, 1, 1, "0.00", "示范县")),
])
def test_places_in_the_unit_and_among_its_sibling_units(
        totals: dict[str, tuple[str, str]], mine: str, expected: tuple[int, int, int, int, str, str]) -> None:
    found = ranking(Standings({k: (u, Decimal(t)) for k, (u, t) in totals.items()}, UNITS), ME, Decimal(mine))
    assert (found.rank_in_unit, found.people_in_unit, found.unit_rank, found.units, str(found.unit_mean),
            found.parent) == expected
    assert found.unit == "城关镇"


def test_top_units_rank_among_the_top_units_and_an_unknown_unit_alone() -> None:
    top = User("u9", "top", "顶", "示范县", unit_code="county")
    found = ranking(Standings({"u8": ("far", Decimal(1)), "u2": ("cgz", Decimal(5))}, UNITS), top, Decimal(0))
    assert (found.rank_in_unit, found.people_in_unit, found.unit_rank, found.units, found.unit_mean, found.parent) == (
        1, 1, 1, 2, Decimal("2.50"), None)  # 示范县's subtree: 0 and 5; 邻县's: 1
    stray = User("u10", "stray", "新", "新单位", unit_code="not-yet")
    alone = ranking(Standings({"u2": ("cgz", Decimal(5))}, UNITS), stray, Decimal(1))
    assert (alone.rank_in_unit, alone.people_in_unit, alone.unit_rank, alone.units, alone.parent) == (1, 1, 1, 1, None)


def test_everyones_totals_are_worked_out_once_per_period_and_day(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    metadata.create_all(engine)
    now = [0.0]
    cache = StandingsCache(max_age_s=300, clock=lambda: now[0])
    with engine.connect() as conn:
        def add(name: str, unit: str) -> str:
            return add_user(conn, name, "pass-word-1", unit).user_id

        outcomes = Outcomes(conn, Published(tmp_path / "repo"), DEFAULT_RULES)
        u1 = add("u1", "城关镇")
        first = cache.totals(outcomes, date(2026, 6, 1))
        [(code, total)] = first.values()
        assert set(first) == {u1} and total == 0
        assert cache.standings(outcomes, date(2026, 6, 1)).units[code or ""].name == "城关镇"  # the tree read with them
        u2 = add("u2", "河西乡")
        now[0] = 299.0
        assert cache.totals(outcomes, date(2026, 6, 1)) is first  # within the period: the memo
        assert set(cache.totals(outcomes, date(2026, 6, 2))) == {u1, u2}  # a new day: worked out again
        u3 = add("u3", "河西乡")
        now[0] = 600.0
        assert set(cache.totals(outcomes, date(2026, 6, 2))) == {u1, u2, u3}  # the period passed
    engine.dispose()


def _by_definition(standings: Standings, user: User, total: Decimal) -> tuple[int, int, int, int, Decimal]:
    """The ranking straight from its definition, over everyone, for comparison."""
    totals = {**standings.totals, user.user_id: (user.unit_code, total)}
    mates = [f for code, f in totals.values() if code == user.unit_code]
    mine = UNITS[user.unit_code or ""]
    siblings = [u for u in UNITS.values() if u.parent == mine.parent and (u.active or u.code == mine.code)]
    means = {}
    for s in siblings:
        figures = [f for code, f in totals.values() if code in UNITS and UNITS[code].path.startswith(s.path)]
        if figures:
            means[s.code] = (sum(figures, Decimal(0)) / len(figures)).quantize(Decimal("0.01"))
    return (1 + sum(f > total for f in mates), len(mates), 1 + sum(m > means[mine.code] for m in means.values()),
            len(means), means[mine.code])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(UNITS)), st.integers(0, 30)), max_size=40),
       st.sampled_from(["cgz", "hxx", "dsz-1", "county", "far"]), st.integers(0, 30),
       st.one_of(st.none(), st.tuples(st.sampled_from(["cgz", "hxx", "far"]), st.integers(0, 30))))
def test_the_indexed_ranking_is_the_ranking_by_definition(
        people: list[tuple[str, int]], unit: str, mine: int, before: tuple[str, int] | None) -> None:
    totals = {f"p{i}": (code, Decimal(t) / 4) for i, (code, t) in enumerate(people)}
    if before is not None:  # the asker's figure as read with everyone's (maybe in the unit they left)
        totals["me"] = (before[0], Decimal(before[1]) / 4)
    standings = Standings(totals, UNITS)
    user = User("me", "me", "我", UNITS[unit].name, unit_code=unit)
    found = ranking(standings, user, Decimal(mine) / 4)
    assert (found.rank_in_unit, found.people_in_unit, found.unit_rank, found.units, found.unit_mean) == (
        _by_definition(standings, user, Decimal(mine) / 4))
