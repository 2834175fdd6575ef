"""IntervalSet.add's shortcuts (after the last interval, or reaching only it) give exactly what the
general search and merge give: the same intervals, the same running length and the same answer, bit
for bit, over many seeded random sequences that mostly extend the set at its end, as playback and
the server's taken time do."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right

from player.intervals import MERGE_GAP_S, IntervalSet


class _General:
    """IntervalSet.add without its shortcuts: both searches, then insert or merge."""

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.length = 0.0

    def add(self, start: float, end: float) -> float:
        if not end > start:
            return 0.0
        starts, ends = self.starts, self.ends
        i = bisect_left(ends, start - MERGE_GAP_S)
        j = bisect_right(starts, end + MERGE_GAP_S)
        if i == j:
            starts.insert(i, start)
            ends.insert(i, end)
            self.length += end - start
            return end - start
        new_start = min(start, starts[i])
        new_end = max(end, ends[j - 1])
        removed = 0.0
        for k in range(i, j):
            removed += ends[k] - starts[k]
        starts[i:j] = [new_start]
        ends[i:j] = [new_end]
        added = (new_end - new_start) - removed
        self.length += added
        return max(0.0, added)


def _pair(rng: random.Random, last: float) -> tuple[float, float]:
    """An interval near the end of what was added (touching it, a gap of about MERGE_GAP_S, over it)
    or anywhere; on a coarse grid or not."""
    kind = rng.random()
    if kind < 0.6:
        start = last + rng.choice([0.0, 0.0, MERGE_GAP_S, MERGE_GAP_S / 2, 2 * MERGE_GAP_S, -MERGE_GAP_S, 0.5, -0.5,
                                   -30.0, 1.0, rng.uniform(-2.0, 2.0)])
    elif kind < 0.8:
        start = rng.randint(0, 200) * 0.5
    else:
        start = rng.uniform(-10.0, last + 10.0)
    length = rng.choice([0.0, -1.0, MERGE_GAP_S, 0.001, 0.5, 30.0, 60.0, rng.uniform(0.0, 100.0)])
    return start, start + length


def test_add_matches_the_general_search_bit_for_bit() -> None:
    rng = random.Random(20_260_111)
    for _ in range(3000):
        fast, general = IntervalSet(), _General()
        last = rng.uniform(0.0, 100.0)
        for _ in range(rng.randint(1, 40)):
            start, end = _pair(rng, last)
            assert repr(fast.add(start, end)) == repr(general.add(start, end))
            assert fast.to_list() == list(zip(general.starts, general.ends, strict=True))
            assert repr(fast.length) == repr(general.length)
            last = fast.max_end if rng.random() < 0.8 else end


def test_add_keeps_special_values_as_the_general_search() -> None:
    for pairs in ([(0.0, 1.0), (1.0, float("inf"))], [(0.0, 1.0), (-float("inf"), 0.5)],
                  [(0.0, 1.0), (float("nan"), 2.0)], [(0.0, 1.0), (1.0, 1.0 + MERGE_GAP_S)],
                  [(5.0, 6.0), (0.0, 1.0), (6.0, 7.0)], [(5.0, 6.0), (0.0, 1.0), (1.0 - 1e-7, 5.0 + 1e-7)]):
        fast, general = IntervalSet(), _General()
        for start, end in pairs:
            assert repr(fast.add(start, end)) == repr(general.add(start, end))
        assert fast.to_list() == list(zip(general.starts, general.ends, strict=True))
        assert repr(fast.length) == repr(general.length)
