"""A set of disjoint half-open media intervals ``[start, end)`` in seconds.

The accounting core keeps what a person covered as one of these: adding merges
overlapping and touching intervals, the union length is kept up to date, and adding
returns how much was new (so rewatching never counts twice). Kept as two sorted lists of
starts and ends searched with ``bisect``: adding is O(log n) plus the (memmove-fast) list
splice, and the common case, extending the interval being played, touches one entry.
Pure Python; must not import Qt, vlc or anything from sync/.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator

# Intervals closer than this are one interval: float noise in positions must not leave
# slivers that fragment the set.
MERGE_GAP_S = 1e-6


class IntervalSet:
    """Disjoint, sorted intervals with their union length. Not thread-safe."""

    __slots__ = ("_ends", "_length", "_starts")

    def __init__(self, pairs: Iterable[tuple[float, float]] = ()) -> None:
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._length = 0.0
        for start, end in pairs:
            self.add(start, end)

    @classmethod
    def restored(cls, pairs: Iterable[tuple[float, float]], length: float) -> IntervalSet:
        """The set ``to_list()`` and ``length`` were read from, bit for bit: ``length`` is a running
        sum, so adding to the restored set gives exactly what adding to the original gives."""
        found = cls(pairs)
        found._length = length
        return found

    # -- queries ---------------------------------------------------------------------
    @property
    def length(self) -> float:
        """Union length in seconds."""
        return self._length

    @property
    def max_end(self) -> float:
        """The furthest covered point (0 when empty)."""
        return self._ends[-1] if self._ends else 0.0

    def __len__(self) -> int:
        return len(self._starts)

    def __iter__(self) -> Iterator[tuple[float, float]]:
        return iter(zip(self._starts, self._ends, strict=True))

    def __bool__(self) -> bool:
        return bool(self._starts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        return self._starts == other._starts and self._ends == other._ends

    def __repr__(self) -> str:
        return f"IntervalSet({self.to_list()!r})"

    def to_list(self) -> list[tuple[float, float]]:
        return list(self)

    def contains(self, point: float) -> bool:
        i = bisect_right(self._starts, point) - 1
        return i >= 0 and point < self._ends[i]

    def overlaps(self, start: float, end: float) -> bool:
        """Whether some interval shares a stretch of ``[start, end)`` (touching it is not sharing)."""
        if not end > start:
            return False
        i = bisect_right(self._ends, start)
        return i < len(self._starts) and self._starts[i] < end

    def overlap_length(self, start: float, end: float) -> float:
        """Length of ``[start, end)`` already in the set."""
        if end <= start:
            return 0.0
        i = bisect_right(self._ends, start)
        j = bisect_left(self._starts, end)
        total = 0.0
        for k in range(i, j):
            total += min(end, self._ends[k]) - max(start, self._starts[k])
        return max(0.0, total)

    # -- updates ---------------------------------------------------------------------
    def add(self, start: float, end: float) -> float:
        """Add ``[start, end)``; return how many seconds of it were not covered before."""
        if not end > start:  # also refuses NaN
            return 0.0
        starts, ends = self._starts, self._ends
        n = len(ends)
        low, high = start - MERGE_GAP_S, end + MERGE_GAP_S
        if n and ends[-1] < low:  # after the last interval (and so after all): the two searches give n
            starts.append(start)
            ends.append(end)
            self._length += end - start
            return end - start
        if n and high >= starts[-1] and (n == 1 or ends[-2] < low):
            # reaches the last interval only (the two searches below would give n - 1 and n): merged
            # with it as below, each min and max written out as the built-ins pick
            last_start, last_end = starts[-1], ends[-1]
            new_start = last_start if last_start < start else start
            new_end = last_end if last_end > end else end
            starts[-1] = new_start
            ends[-1] = new_end
            added = (new_end - new_start) - (last_end - last_start)
            self._length += added
            return added if added > 0.0 else 0.0
        i = bisect_left(ends, low)  # first interval that ends at or after start
        j = bisect_right(starts, high)  # first interval that starts after end
        if i == j:
            starts.insert(i, start)
            ends.insert(i, end)
            self._length += end - start
            return end - start
        new_start = min(start, starts[i])
        new_end = max(end, ends[j - 1])
        removed = 0.0
        for k in range(i, j):
            removed += ends[k] - starts[k]
        starts[i:j] = [new_start]
        ends[i:j] = [new_end]
        added = (new_end - new_start) - removed
        self._length += added
        return max(0.0, added)

    def update(self, other: Iterable[tuple[float, float]]) -> float:
        """Add every interval of ``other``; return the seconds newly covered."""
        return sum(self.add(s, e) for s, e in other)

    def copy(self) -> IntervalSet:
        new = IntervalSet()
        new._starts = self._starts.copy()
        new._ends = self._ends.copy()
        new._length = self._length
        return new

    # -- set algebra -----------------------------------------------------------------
    def subtract(self, other: IntervalSet) -> IntervalSet:
        """A new set: what is in this set and not in ``other``."""
        result = IntervalSet()
        o_starts, o_ends = other._starts, other._ends
        for start, end in self:
            k = bisect_right(o_ends, start)
            cursor = start
            while k < len(o_starts) and o_starts[k] < end:
                if o_starts[k] > cursor:
                    result._append(cursor, o_starts[k])
                cursor = max(cursor, o_ends[k])
                k += 1
            if cursor < end:
                result._append(cursor, end)
        return result

    def clipped(self, low: float, high: float) -> IntervalSet:
        """A new set limited to ``[low, high)``."""
        result = IntervalSet()
        for start, end in self:
            s, e = max(start, low), min(end, high)
            if e > s:
                result._append(s, e)
        return result

    def _append(self, start: float, end: float) -> None:
        # Only for building results in order: start is after every interval held.
        self._starts.append(start)
        self._ends.append(end)
        self._length += end - start


def union_length(pairs: Iterable[tuple[float, float]]) -> float:
    """Length of the union of ``pairs`` (any order, overlapping or not)."""
    total = 0.0
    cur_start = cur_end = None
    for start, end in sorted(p for p in pairs if p[1] > p[0]):
        if cur_end is None or start > cur_end:
            if cur_end is not None and cur_start is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None and cur_start is not None:
        total += cur_end - cur_start
    return total
