"""``studydesk-server unit add|rename|move|deactivate|list``: the organization's units, a tree of
any depth keyed by the codes the organization department uses."""

from __future__ import annotations

import argparse

from server.commands import connect, site
from server.units import add_unit, deactivate_unit, list_units, move_unit, rename_unit


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("unit", help="manage the organization's units (单位)")
    usub = p.add_subparsers(dest="unit_command", required=True)
    add = usub.add_parser("add", help="add a unit")
    add.add_argument("code", help="the unit's code (单位编码)")
    add.add_argument("name", help="the unit's name (单位名称)")
    add.add_argument("--parent", help="the code of the unit above it (none: a new top unit)")
    add.set_defaults(func=run_add)
    rename = usub.add_parser("rename", help="give a unit a new name")
    rename.add_argument("code")
    rename.add_argument("name")
    rename.set_defaults(func=run_rename)
    move = usub.add_parser("move", help="put a unit, with every unit and person below it, under another unit")
    move.add_argument("code")
    where = move.add_mutually_exclusive_group(required=True)
    where.add_argument("--parent", help="the code of the unit to put it under")
    where.add_argument("--top", action="store_true", help="make it a top unit")
    move.set_defaults(func=run_move)
    deactivate = usub.add_parser("deactivate", help="take an empty unit out of use (units are never deleted)")
    deactivate.add_argument("code")
    deactivate.set_defaults(func=run_deactivate)
    ls = usub.add_parser("list", help="list the units, each below its parent")
    ls.add_argument("--under", metavar="CODE", help="only this unit's subtree")
    ls.set_defaults(func=run_list)


def run_add(args: argparse.Namespace) -> int:
    with connect(site(args).ensure()) as conn:
        unit = add_unit(conn, args.code, args.name, args.parent)
    print(f"added unit {unit.code} ({unit.name}) at {unit.path}")
    return 0


def run_rename(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        unit = rename_unit(conn, args.code, args.name)
    print(f"unit {unit.code} is now called {unit.name}")
    return 0


def run_move(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        unit = move_unit(conn, args.code, None if args.top else args.parent)
    print(f"moved unit {unit.code} ({unit.name}) to {unit.path}")
    return 0


def run_deactivate(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        unit = deactivate_unit(conn, args.code)
    print(f"deactivated unit {unit.code} ({unit.name}); its history stays")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        found = list_units(conn, args.under)
    if not found:
        print("no units")
        return 0
    print("code\tname\tparent\tpath\tstate")  # tab-separated, like 'user list'
    for u in found:
        print(f"{'  ' * u.depth}{u.code}\t{u.name}\t{u.parent or '-'}\t{u.path}\t{'ok' if u.active else 'DEACTIVATED'}")
    return 0
