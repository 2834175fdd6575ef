"""Checking an organization department's units and people before anything is changed.

``check_units`` and ``check_people`` read every row of a sheet (server.org.sheets) against what
the site already holds and return a report: the rows that can be applied, each marked new,
changed or unchanged, and every bad row with its number and reason. They change nothing; the
import command applies a report only when it has no bad rows and the admin confirms.

Reasons: ``missing_field``, ``bad_code`` (a unit code, person id or user name in the wrong form),
``bad_name``, ``duplicate_id`` (twice in the file, or a user name that belongs to someone else),
``unknown_parent``, ``cycle``, ``unknown_unit`` (missing or deactivated), ``bad_level``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from server.org.levels import CadreLevel, parse_level
from server.org.sheets import Row, Sheet
from server.org.tree import UnitTree, check_code, check_name, find_cycle
from sync.protocol.errors import FormatError

_PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_ID_CARD = re.compile(r"^\d{17}[\dXx]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")  # as server.users accepts


def id_card_ok(number: str) -> bool:
    """Whether an 18-character resident identity card number's last character checks out (GB 11643)."""
    if not _ID_CARD.match(number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


class Change(Enum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Problem:
    row: int
    reason: str
    detail: str

    def line(self, gettext: Callable[[str], str] = str) -> str:
        """The bad row for a terminal, in the language of ``gettext`` (the detail as the check said it)."""
        return gettext("row %(row)s: %(reason)s: %(detail)s") % {"row": self.row, "reason": self.reason,
                                                                 "detail": self.detail}


@dataclass(frozen=True, slots=True)
class UnitRow:
    row: int
    code: str
    name: str
    parent: str | None
    change: Change


@dataclass(frozen=True, slots=True)
class PersonRow:
    row: int
    person_id: str
    username: str
    name: str
    level: CadreLevel
    unit: str
    change: Change


@dataclass(frozen=True, slots=True)
class ExistingPerson:
    """What the site holds about a person, for telling new, changed and unchanged rows apart."""

    person_id: str
    username: str
    name: str
    level: CadreLevel | None
    unit: str | None


T = TypeVar("T", UnitRow, PersonRow)


@dataclass(slots=True)
class Report(Generic[T]):
    kind: str
    rows: list[T] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, change: Change) -> int:
        return sum(1 for r in self.rows if r.change is change)

    def lines(self, gettext: Callable[[str], str] = str) -> list[str]:
        """The report for a terminal: every bad row, then the totals, in the language of ``gettext``
        (the import command's; English: the texts themselves)."""
        out = [p.line(gettext) for p in sorted(self.problems, key=lambda p: (p.row, p.reason))]
        bad = len({p.row for p in self.problems})
        totals = gettext("units: %(rows)s rows, %(new)s new, %(changed)s changed, %(unchanged)s unchanged, "
                         "%(bad)s bad") if self.kind == "units" else \
            gettext("people: %(rows)s rows, %(new)s new, %(changed)s changed, %(unchanged)s unchanged, %(bad)s bad")
        out.append(totals % {"rows": len(self.rows) + bad, "new": self.count(Change.NEW),
                             "changed": self.count(Change.CHANGED), "unchanged": self.count(Change.UNCHANGED),
                             "bad": bad})
        return out


def _missing(row: Row, fields: tuple[str, ...]) -> Problem | None:
    empty = [f for f in fields if not row.values.get(f)]
    return Problem(row.number, "missing_field", f"no {', '.join(empty)}") if empty else None


def _unit_fields(row: Row) -> tuple[str, str, str | None] | Problem:
    if problem := _missing(row, ("code", "name")):
        return problem
    code, parent = row.values["code"], row.values.get("parent") or None
    try:
        check_code(code)
        if parent is not None:
            check_code(parent)
    except FormatError as exc:
        return Problem(row.number, "bad_code", exc.detail)
    try:
        return code, check_name(row.values["name"]), parent
    except FormatError as exc:
        return Problem(row.number, "bad_name", exc.detail)


_Good = dict[str, tuple[Row, str, "str | None"]]


def _drop_orphans(good: _Good, existing: UnitTree, first_row: dict[str, int], report: Report[UnitRow]) -> None:
    """Rows whose parent is neither on the site nor a good row cannot be applied (nor their children)."""
    bad_codes = {code for code in first_row if code not in good}
    while orphans := [c for c, (_, _, parent) in good.items()
                      if parent is not None and parent not in good and (parent not in existing or parent in bad_codes)]:
        for code in orphans:
            row, _, parent = good.pop(code)
            bad_codes.add(code)
            why = f"unit {parent} is on a bad row" if parent in first_row else \
                f"no unit {parent} on the site or in the file"
            report.problems.append(Problem(row.number, "unknown_parent", why))


def _drop_cycles(good: _Good, existing: UnitTree, report: Report[UnitRow]) -> None:
    parents: dict[str, str | None] = {u.code: u.parent for u in existing}
    parents.update({code: parent for code, (_, _, parent) in good.items()})
    while cycle := find_cycle(parents):
        for code in cycle:
            parents[code] = None  # look for further cycles past this one
            if code in good:
                row = good.pop(code)[0]
                report.problems.append(Problem(row.number, "cycle", " -> ".join([*cycle, cycle[0]])))


def check_units(sheet: Sheet, existing: UnitTree) -> Report[UnitRow]:
    """Every row a unit (code, name, optional parent code: none makes a root), in any order."""
    report: Report[UnitRow] = Report("units")
    first_row: dict[str, int] = {}
    good: _Good = {}
    for row in sheet.rows:
        fields = _unit_fields(row)
        if isinstance(fields, Problem):
            report.problems.append(fields)
            continue
        code, name, parent = fields
        if code in first_row:
            report.problems.append(Problem(row.number, "duplicate_id", f"unit {code} is also on row {first_row[code]}"))
            continue
        first_row[code] = row.number
        good[code] = (row, name, parent)
    _drop_orphans(good, existing, first_row, report)
    _drop_cycles(good, existing, report)
    for code, (row, name, parent) in sorted(good.items(), key=lambda kv: kv[1][0].number):
        if code not in existing:
            change = Change.NEW
        else:
            old = existing.get(code)
            change = Change.UNCHANGED if (old.name, old.parent, old.active) == (name, parent, True) else Change.CHANGED
        report.rows.append(UnitRow(row.number, code, name, parent, change))
    return report


def _person_fields(row: Row, units: UnitTree) -> tuple[str, str, str, CadreLevel, str] | Problem:
    """(person id, user name, name, level, unit code) or the row's first problem."""
    if problem := _missing(row, ("name", "person_id", "level", "unit")):
        return problem
    v = row.values
    person_id, unit, name = v["person_id"], v["unit"], v["name"]
    username = v.get("username") or person_id
    if not _PERSON_ID.match(person_id) or (len(person_id) == 18 and person_id[:17].isdigit()
                                           and not id_card_ok(person_id)):
        return Problem(row.number, "bad_code", f"person id {person_id!r} is not valid")
    if not _USERNAME.match(username):
        return Problem(row.number, "bad_code", f"user name {username!r}: 1-64 letters, digits, '.', '_', '@' or '-'")
    if len(name) > 100 or any(ch in name for ch in "\r\n\t"):
        return Problem(row.number, "bad_name", "a name is 1-100 characters on one line")
    try:
        level = parse_level(v["level"])
    except FormatError as exc:
        return Problem(row.number, "bad_level", exc.detail)
    if unit not in units or not units.get(unit).active:
        why = "is deactivated" if unit in units else "does not exist on the site (import the units first)"
        return Problem(row.number, "unknown_unit", f"unit {unit} {why}")
    return person_id, username, name, level, unit


def check_people(sheet: Sheet, units: UnitTree, existing: Mapping[str, ExistingPerson]) -> Report[PersonRow]:
    """Every row a person: name, person id (人员编号, or the identity card number), cadre level and
    the code of their unit, which must be on the site and active; a user name to sign in with
    (the person id when the sheet has none). ``existing`` maps person id -> what the site holds."""
    report: Report[PersonRow] = Report("people")
    owner = {p.username: p.person_id for p in existing.values()}
    first_id: dict[str, int] = {}
    first_name: dict[str, int] = {}
    for row in sheet.rows:
        fields = _person_fields(row, units)
        if isinstance(fields, Problem):
            report.problems.append(fields)
            continue
        person_id, username, name, level, unit = fields
        if person_id in first_id:
            why = f"person {person_id} is also on row {first_id[person_id]}"
        elif username in first_name:
            why = f"user name {username} is also on row {first_name[username]}"
        elif owner.get(username, person_id) != person_id:
            why = f"user name {username} belongs to another person on the site"
        else:
            why = ""
        first_id.setdefault(person_id, row.number)
        first_name.setdefault(username, row.number)
        if why:
            report.problems.append(Problem(row.number, "duplicate_id", why))
            continue
        old = existing.get(person_id)
        if old is None:
            change = Change.NEW
        elif (old.username, old.name, old.level, old.unit) == (username, name, level, unit):
            change = Change.UNCHANGED
        else:
            change = Change.CHANGED
        report.rows.append(PersonRow(row.number, person_id, username, name, level, unit, change))
    return report
