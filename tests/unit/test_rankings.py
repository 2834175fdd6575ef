"""Rankings (学分排名) over plain totals, and the per-process memo of everyone's totals on a real
SQLite database: the asking person's own figure is always fresh, the others' at most a few
minutes old."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from server.outcomes import Outcomes, StandingsCache, ranking
from server.published import Published
from server.storage.tables import metadata
from server.users import User, add_user
from sync.protocol.rules import DEFAULT_RULES

ME = User("u1", "me", "我", "城关镇")


def test_places_in_the_unit_and_among_units_with_ties_sharing_a_place() -> None:
    totals = {"u2": ("城关镇", Decimal(5)), "u3": ("城关镇", Decimal(2)), "u4": ("河西乡", Decimal(4)),
              "u5": ("河西乡", Decimal(4)), "u6": ("东山镇", Decimal(0))}
    found = ranking(totals, ME, Decimal(2))
    assert (found.rank_in_unit, found.people_in_unit) == (2, 3)  # 5, then 2 and 2 share second place
    assert (found.unit_rank, found.units, found.unit_mean) == (2, 3, Decimal("3.00"))  # 河西乡's mean 4 leads
    assert ranking(totals, ME, Decimal(9)).rank_in_unit == 1  # the asking person's own figure stands
    alone = ranking({}, ME, Decimal(0))
    assert (alone.rank_in_unit, alone.people_in_unit, alone.unit_rank, alone.units) == (1, 1, 1, 1)


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
        assert first == {u1: ("城关镇", Decimal(0))}
        u2 = add("u2", "河西乡")
        now[0] = 299.0
        assert cache.totals(outcomes, date(2026, 6, 1)) is first  # within the period: the memo
        assert set(cache.totals(outcomes, date(2026, 6, 2))) == {u1, u2}  # a new day: worked out again
        u3 = add("u3", "河西乡")
        now[0] = 600.0
        assert set(cache.totals(outcomes, date(2026, 6, 2))) == {u1, u2, u3}  # the period passed
    engine.dispose()
