"""Units as a tree of any depth (province → city → county → township → office), keyed by code.

A unit's *path* is the codes from its root down to it, each followed by ``/``:
``"50/5001/500101/"``. A unit's subtree is then every unit whose path starts with its path,
which a database answers with one indexed prefix match; moving a unit rewrites the paths of its
subtree (``UnitTree.moved`` says which). Codes are what an organization department uses
(digits, letters, ``-``, ``_``, ``.``), never ``/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from sync.protocol.errors import FormatError

SEP = "/"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_NAME = 200


def check_code(code: str) -> str:
    """The code itself, or FormatError("bad_unit_code")."""
    if not _CODE.match(code or ""):
        raise FormatError.worded("bad_unit_code", "unit code %(code)r is not 1-64 letters, digits, '.', '_' or '-'",
                                 code=code)
    return code


def check_name(name: str) -> str:
    """The name without surrounding spaces, or FormatError("bad_unit_name")."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or any(ch in name for ch in "\r\n\t"):
        raise FormatError.worded("bad_unit_name", "a unit name is 1-%(most)s characters on one line", most=MAX_NAME)
    return name


def path_of(codes: Iterable[str]) -> str:
    """The path of the unit reached through ``codes``, root first."""
    return "".join(f"{code}{SEP}" for code in codes)


def codes_of(path: str) -> list[str]:
    """The codes along ``path``, root first."""
    return [c for c in path.split(SEP) if c]


def in_subtree(path: str, top_path: str) -> bool:
    """Whether the unit at ``path`` is the unit at ``top_path`` or below it."""
    return path.startswith(top_path)


def find_cycle(parents: Mapping[str, str | None]) -> list[str] | None:
    """Some codes that lead back to themselves through ``parents`` (code -> parent code), or None.

    A parent that is not a key ends a chain (it is checked elsewhere)."""
    done: set[str] = set()
    for start in parents:
        seen: list[str] = []
        on_chain: set[str] = set()
        code: str | None = start
        while code is not None and code in parents and code not in done:
            if code in on_chain:
                return seen[seen.index(code):]
            seen.append(code)
            on_chain.add(code)
            code = parents[code]
        done.update(seen)
    return None


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    parent: str | None = None
    active: bool = True


class UnitTree:
    """A consistent set of units: unique codes, every parent present, no cycles."""

    def __init__(self, units: Iterable[Unit] = ()) -> None:
        self._units: dict[str, Unit] = {}
        for unit in units:
            check_code(unit.code)
            if unit.code in self._units:
                raise FormatError.worded("unit_exists", "unit %(unit)r appears twice", unit=unit.code)
            self._units[unit.code] = unit
        for unit in self._units.values():
            if unit.parent is not None and unit.parent not in self._units:
                raise FormatError.worded("unknown_parent", "unit %(unit)r: no parent unit %(parent)r",
                                         unit=unit.code, parent=unit.parent)
        if cycle := find_cycle({u.code: u.parent for u in self._units.values()}):
            raise FormatError.worded("unit_cycle", "units are their own ancestors: %(cycle)s", cycle=" -> ".join(cycle))
        self._children: dict[str | None, list[str]] = {}
        for unit in sorted(self._units.values(), key=lambda u: u.code):
            self._children.setdefault(unit.parent, []).append(unit.code)

    def __contains__(self, code: object) -> bool:
        return code in self._units

    def __iter__(self) -> Iterator[Unit]:
        """Every unit, each after its parent (roots first, siblings by code)."""
        for code in self._walk(None):
            yield self._units[code]

    def __len__(self) -> int:
        return len(self._units)

    def _walk(self, top: str | None) -> Iterator[str]:
        stack = list(reversed(self._children.get(top, [])))
        while stack:
            code = stack.pop()
            yield code
            stack.extend(reversed(self._children.get(code, [])))

    def get(self, code: str) -> Unit:
        """The unit, or FormatError("no_such_unit")."""
        try:
            return self._units[code]
        except KeyError:
            raise FormatError.worded("no_such_unit", "no unit %(code)r", code=code) from None

    def children(self, code: str | None) -> list[Unit]:
        """The units directly below ``code`` (None: the roots), by code."""
        return [self._units[c] for c in self._children.get(code, [])]

    def ancestors(self, code: str) -> list[str]:
        """The codes from the root down to ``code``, both included."""
        chain = [self.get(code).code]
        while (parent := self._units[chain[-1]].parent) is not None:
            chain.append(parent)
        return chain[::-1]

    def path(self, code: str) -> str:
        return path_of(self.ancestors(code))

    def depth(self, code: str) -> int:
        """0 for a root."""
        return len(self.ancestors(code)) - 1

    def subtree(self, code: str) -> list[str]:
        """``code`` and every code below it, each after its parent."""
        return [self.get(code).code, *self._walk(code)]

    def contains(self, top: str, code: str) -> bool:
        """Whether ``code`` is ``top`` or below it."""
        return top in self.ancestors(code)

    def added(self, unit: Unit) -> UnitTree:
        """This tree with one more unit (FormatError for a code in use or an unknown parent)."""
        if unit.code in self._units:
            raise FormatError.worded("unit_exists", "unit %(code)r already exists", code=unit.code)
        return UnitTree([*self._units.values(), unit])

    def moved(self, code: str, new_parent: str | None) -> tuple[UnitTree, dict[str, str]]:
        """The tree with ``code`` (and its subtree) under ``new_parent`` (None: a root), and the new
        path of every unit whose path changed. FormatError("unit_cycle") to move a unit under itself."""
        unit = self.get(code)
        if new_parent is not None:
            self.get(new_parent)
            if self.contains(code, new_parent):
                raise FormatError.worded("unit_cycle", "unit %(code)r cannot move under %(unit)r, which is inside it",
                                         code=code, unit=new_parent)
        tree = UnitTree([replace(unit, parent=new_parent) if u.code == code else u for u in self._units.values()])
        return tree, {c: tree.path(c) for c in tree.subtree(code)}

    def paths(self) -> dict[str, str]:
        """Every unit's path."""
        out: dict[str, str] = {}
        for unit in self:
            out[unit.code] = (out[unit.parent] if unit.parent is not None else "") + unit.code + SEP
        return out
