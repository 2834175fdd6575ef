"""``studydesk-server unassign COURSE --user NAME|--unit CODE|--class CODE``: remove one assignment
(a class's: the course leaves the class). What people already studied keeps its credit."""

from __future__ import annotations

import argparse
import sys

from server.assignments import unassign
from server.commands import connect, site


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("unassign", help="remove a course's assignment to a user, a unit or a class")
    p.add_argument("course", help="course id")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="user name")
    who.add_argument("--unit", help="a unit's code, as assigned")
    who.add_argument("--class", dest="class_code", metavar="CODE", help="a training class")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    kind, target = (("user", args.user) if args.user else ("unit", args.unit) if args.unit
                    else ("class", args.class_code))
    with connect(site(args).existing()) as conn:
        gone = unassign(conn, args.course, kind, target)
    if not gone:
        print(f"{args.course} is not assigned to {kind} {target}", file=sys.stderr)
        return 1
    print(f"unassigned {args.course} from {kind} {target}")
    return 0
