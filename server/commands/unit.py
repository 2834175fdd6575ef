"""``studydesk-server unit add|rename|move|deactivate|list``: the organization's units, a tree of
any depth keyed by the codes the organization department uses."""

from __future__ import annotations

import argparse

from server.commands import _, connect, site
from server.units import add_unit, deactivate_unit, list_units, move_unit, rename_unit


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("unit", help=_("manage the organization's units (单位)"))
    usub = p.add_subparsers(dest="unit_command", required=True)
    add = usub.add_parser("add", help=_("add a unit"))
    add.add_argument("code", help=_("the unit's code (单位编码)"))
    add.add_argument("name", help=_("the unit's name (单位名称)"))
    add.add_argument("--parent", help=_("the code of the unit above it (none: a new top unit)"))
    add.set_defaults(func=run_add)
    rename = usub.add_parser("rename", help=_("give a unit a new name"))
    rename.add_argument("code")
    rename.add_argument("name")
    rename.set_defaults(func=run_rename)
    move = usub.add_parser("move", help=_("put a unit, with every unit and person below it, under another unit"))
    move.add_argument("code")
    where = move.add_mutually_exclusive_group(required=True)
    where.add_argument("--parent", help=_("the code of the unit to put it under"))
    where.add_argument("--top", action="store_true", help=_("make it a top unit"))
    move.set_defaults(func=run_move)
    deactivate = usub.add_parser("deactivate", help=_("take an empty unit out of use (units are never deleted)"))
    deactivate.add_argument("code")
    deactivate.set_defaults(func=run_deactivate)
    ls = usub.add_parser("list", help=_("list the units, each below its parent"))
    ls.add_argument("--under", metavar="CODE", help=_("only this unit's subtree"))
    ls.set_defaults(func=run_list)


def run_add(args: argparse.Namespace) -> int:
    with connect(site(args).ensure()) as conn:
        unit = add_unit(conn, args.code, args.name, args.parent)
    print(_("added unit %(code)s (%(name)s) at %(path)s") % {"code": unit.code, "name": unit.name, "path": unit.path})
    return 0


def run_rename(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        unit = rename_unit(conn, args.code, args.name)
    print(_("unit %(code)s is now called %(name)s") % {"code": unit.code, "name": unit.name})
    return 0


def run_move(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        unit = move_unit(conn, args.code, None if args.top else args.parent)
    print(_("moved unit %(code)s (%(name)s) to %(path)s") % {"code": unit.code, "name": unit.name, "path": unit.path})
    return 0


def run_deactivate(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        unit = deactivate_unit(conn, args.code)
    print(_("deactivated unit %(code)s (%(name)s); its history stays") % {"code": unit.code, "name": unit.name})
    return 0


def run_list(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        found = list_units(conn, args.under)
    if not found:
        print(_("no units"))
        return 0
    print("\t".join((_("code"), _("name"), _("parent"), _("path"), _("state"))))  # tab-separated, like 'user list'
    for u in found:
        print(f"{'  ' * u.depth}{u.code}\t{u.name}\t{u.parent or '-'}\t{u.path}\t{'ok' if u.active else 'DEACTIVATED'}")
    return 0
