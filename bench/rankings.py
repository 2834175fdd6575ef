"""Benchmark of the learner's ranking (学分排名): CPU per ``ranking()`` on a province-sized site.

Everyone's totals are read at most every few minutes per server process (server.outcomes.
StandingsCache); each learner's outcomes then place them in their unit and their unit among its
siblings. The indexed ranking (server.outcomes.Standings: per-unit sorted totals and subtree
sums, built once per snapshot) is timed next to the reference measured in the same run: one pass
over everyone's totals per learner, as the definition reads. Both give the same answer (the run
checks it). Figures are CPU seconds of this process (time.process_time), so a loaded machine
inflates them less than wall time.

Run: ``./run bench rankings [--people 100000] [--towns 25] [--cities 20] [--asks 200]``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from decimal import Decimal

from server.org.tree import codes_of
from server.outcomes import Standings, ranking
from server.units import StoredUnit
from server.users import User


def tree(cities: int, towns: int) -> dict[str, StoredUnit]:
    units = {"p": StoredUnit("p", "省", None, "p/", 0)}
    for c in range(cities):
        units[f"c{c}"] = StoredUnit(f"c{c}", f"市{c}", "p", f"p/c{c}/", 1)
        for t in range(towns):
            code = f"c{c}t{t}"
            units[code] = StoredUnit(code, f"镇{c}-{t}", f"c{c}", f"p/c{c}/{code}/", 2)
    return units


def by_pass(standings: Standings, user: User, total: Decimal) -> tuple[int, int, int, int]:
    """The reference: one pass over everyone's totals, as the definition reads."""
    totals = {**standings.totals, user.user_id: (user.unit_code, total)}
    mine = standings.units[user.unit_code or ""]
    level = len(codes_of(mine.path)) - 1
    top = standings.units[mine.parent].path if mine.parent else ""
    mates: list[Decimal] = []
    by_sibling: dict[str, list[Decimal]] = defaultdict(list)
    for code, figure in totals.values():
        if code == user.unit_code:
            mates.append(figure)
        unit = standings.units.get(code or "")
        if unit is not None and unit.path.startswith(top):
            codes = codes_of(unit.path)
            if len(codes) > level:
                by_sibling[codes[level]].append(figure)
    means = {code: (sum(f, Decimal(0)) / len(f)).quantize(Decimal("0.01")) for code, f in by_sibling.items()}
    return (1 + sum(f > total for f in mates), len(mates), 1 + sum(m > means[mine.code] for m in means.values()),
            len(means))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--cities", type=int, default=20)
    parser.add_argument("--towns", type=int, default=25, help="towns per city (the people's units)")
    parser.add_argument("--asks", type=int, default=200, help="learners ranked")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    units = tree(args.cities, args.towns)
    towns = [code for code in units if "t" in code]
    totals: dict[str, tuple[str | None, Decimal]] = {
        f"u{i}": (rng.choice(towns), Decimal(rng.randint(0, 6000)) / 100) for i in range(args.people)}
    start = time.process_time()
    standings = Standings(totals, units)
    build_s = time.process_time() - start
    asks = [(User(uid, uid, uid, "", unit_code=totals[uid][0]), Decimal(rng.randint(0, 6000)) / 100)
            for uid in rng.sample(sorted(totals), args.asks)]
    start = time.process_time()
    found = [ranking(standings, user, total) for user, total in asks]
    indexed_s = (time.process_time() - start) / len(asks)
    reference_asks = asks[: max(1, len(asks) // 10)]
    start = time.process_time()
    expected = [by_pass(standings, user, total) for user, total in reference_asks]
    reference_s = (time.process_time() - start) / len(reference_asks)
    for got, want in zip(found, expected, strict=False):
        assert (got.rank_in_unit, got.people_in_unit, got.unit_rank, got.units) == want, (got, want)
    print(f"{args.people:,} people in {len(towns):,} towns under {args.cities} cities; {len(asks)} learners ranked")
    print(f"index built once per snapshot: {build_s * 1000:.0f} ms CPU")
    print(f"ranking per learner, indexed:  {indexed_s * 1e6:,.0f} µs CPU")
    print(f"ranking per learner, one pass over everyone (reference, same run): {reference_s * 1e6:,.0f} µs CPU "
          f"({reference_s / indexed_s:,.0f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
