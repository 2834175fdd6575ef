"""Admin roles and what each may see and change, as pure checks over unit paths and class ids.

- system admin: everything;
- unit admin: the units, people and classes of their unit's subtree (one grant per unit; an
  admin may hold several);
- reviewer: the classes they review (one grant per class), read only.

An admin holds any number of grants; a check passes when one of them allows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from server.org.tree import in_subtree
from sync.protocol.errors import FormatError


class AdminRole(StrEnum):
    SYSTEM = "system"
    UNIT = "unit"
    REVIEWER = "reviewer"


def parse_role(text: str) -> AdminRole:
    """A role by its code; ``system-admin``/``unit_admin`` are read as ``system``/``unit``."""
    word = text.strip().lower().replace("-", "_").removesuffix("_admin")
    try:
        return AdminRole(word)
    except ValueError:
        raise FormatError.worded("bad_role", "%(text)r is not a role (%(roles)s)",
                                 text=text, roles=', '.join(r.value for r in AdminRole)) from None


@dataclass(frozen=True, slots=True)
class Grant:
    """One role held by an admin: a unit admin's ``unit_path``, a reviewer's ``class_id``."""

    role: AdminRole
    unit_path: str | None = None
    class_id: str | None = None

    def __post_init__(self) -> None:
        wants_unit, wants_class = self.role is AdminRole.UNIT, self.role is AdminRole.REVIEWER
        if wants_unit != (self.unit_path is not None) or wants_class != (self.class_id is not None):
            raise FormatError.worded("bad_grant", "a unit admin is given one unit, a reviewer one class, a system "
                                     "admin neither")


@dataclass(frozen=True, slots=True)
class Scope:
    """What one admin may reach, from their grants."""

    grants: tuple[Grant, ...]

    @classmethod
    def of(cls, grants: Iterable[Grant]) -> Scope:
        return cls(tuple(grants))

    @property
    def is_system_admin(self) -> bool:
        return any(g.role is AdminRole.SYSTEM for g in self.grants)

    def unit_tops(self) -> list[str] | None:
        """The paths of the subtrees this admin manages; None for all of them (a system admin)."""
        if self.is_system_admin:
            return None
        return sorted(g.unit_path for g in self.grants if g.unit_path is not None)

    def may_manage_unit(self, unit_path: str) -> bool:
        """Change the unit at ``unit_path`` or anything below it: its people, its sub-units."""
        tops = self.unit_tops()
        return tops is None or any(in_subtree(unit_path, top) for top in tops)

    def may_manage_person(self, person_unit_path: str) -> bool:
        """Change a person (move, level, deactivate) who belongs to the unit at ``person_unit_path``.
        Moving a person also needs ``may_manage_unit`` on the unit they move to."""
        return self.may_manage_unit(person_unit_path)

    def may_add_root_unit(self) -> bool:
        return self.is_system_admin

    def may_manage_class(self, owner_unit_path: str | None) -> bool:
        """Change a class organised by the unit at ``owner_unit_path`` (None: a site-wide class)."""
        if owner_unit_path is None:
            return self.is_system_admin
        return self.may_manage_unit(owner_unit_path)

    def may_review_class(self, class_id: str, owner_unit_path: str | None) -> bool:
        """See a class's people and results."""
        return (self.may_manage_class(owner_unit_path)
                or any(g.role is AdminRole.REVIEWER and g.class_id == class_id for g in self.grants))
