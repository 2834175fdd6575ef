"""IntervalSet against a brute-force model on a grid, plus the cases that matter for playback."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from player.intervals import IntervalSet, union_length

pairs = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=40)


def _cells(intervals: list[tuple[int, int]]) -> set[int]:
    """Unit cells [k, k+1) covered: the brute-force model."""
    return {k for s, e in intervals for k in range(s, e)}


@settings(max_examples=300, deadline=None)
@given(items=pairs)
def test_union_length_and_disjointness_match_model(items: list[tuple[int, int]]) -> None:
    iset = IntervalSet()
    seen: list[tuple[int, int]] = []
    for s, e in items:
        before = _cells(seen)
        added = iset.add(s, e)
        seen.append((s, e))
        assert added == len(_cells(seen) - before)
        assert iset.length == len(_cells(seen))
    spans = iset.to_list()
    assert all(s < e for s, e in spans)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # disjoint, not touching
    assert union_length(items) == len(_cells(items))
    for k in range(61):
        assert iset.contains(k + 0.5) == (k in _cells(seen))


@settings(max_examples=300, deadline=None)
@given(a=pairs, b=pairs, window=st.tuples(st.integers(0, 60), st.integers(0, 60)))
def test_subtract_overlap_and_clip_match_model(a: list[tuple[int, int]], b: list[tuple[int, int]],
                                               window: tuple[int, int]) -> None:
    sa, sb = IntervalSet(a), IntervalSet(b)
    assert sa.subtract(sb).length == len(_cells(a) - _cells(b))
    lo, hi = window
    assert sa.overlap_length(lo, hi) == len(_cells(a) & set(range(lo, hi)))
    assert sa.overlaps(lo, hi) == bool(_cells(a) & set(range(lo, hi)))
    if hi > lo:  # what subtracting from the window finds
        assert sa.overlaps(lo, hi) == (IntervalSet([(lo, hi)]).subtract(sa) != IntervalSet([(lo, hi)]))
    assert sa.clipped(lo, hi).length == len(_cells(a) & set(range(lo, hi)))


def test_touching_intervals_merge_and_float_slivers_do_not_fragment() -> None:
    iset = IntervalSet()
    position = 0.0
    for _ in range(1000):  # 0.1 is not exact in binary: ends and starts differ by float noise
        iset.add(position, position + 0.1)
        position += 0.1
    assert len(iset) == 1
    assert iset.length == pytest.approx(100.0, abs=1e-6)


def test_rewatch_adds_nothing_and_empty_or_nan_is_ignored() -> None:
    iset = IntervalSet([(0, 10)])
    assert iset.add(2, 8) == 0
    assert iset.add(5, 5) == 0 and iset.add(6, 3) == 0 and iset.add(float("nan"), 4) == 0
    assert iset.add(8, 12) == 2
    assert iset.to_list() == [(0, 12)] and iset.max_end == 12


def test_equality_copy_and_repr() -> None:
    iset = IntervalSet([(5, 6), (1, 2)])
    dup = iset.copy()
    dup.add(2, 5)
    assert iset != dup and dup == IntervalSet([(1, 6)])
    assert repr(iset) == "IntervalSet([(1, 2), (5, 6)])"
    assert not IntervalSet() and IntervalSet().max_end == 0.0
