"""``studydesk-server unassign COURSE --user NAME|--unit CODE|--class CODE``: remove one assignment
(a class's: the course leaves the class). What people already studied keeps its credit."""

from __future__ import annotations

import argparse
import sys

from server.assignments import reached_by, unassign
from server.commands import _, connect, site
from server.person_year import refresh_people
from server.published import Published
from server.site_rules import load_site_rules


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("unassign", help=_("remove a course's assignment to a user, a unit or a class"))
    p.add_argument("course", help=_("course id"))
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help=_("user name"))
    who.add_argument("--unit", help=_("a unit's code, as assigned"))
    who.add_argument("--class", dest="class_code", metavar="CODE", help=_("a training class"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    kind, target = (("user", args.user) if args.user else ("unit", args.unit) if args.unit
                    else ("class", args.class_code))
    config = site(args).existing()
    rules = load_site_rules(config.data_dir)
    with connect(config) as conn:
        if not unassign(conn, args.course, kind, target):
            print(_("%(course)s is not assigned to %(kind)s %(target)s") % {"course": args.course, "kind": kind,
                                                                          "target": target}, file=sys.stderr)
            return 1
        print(_("unassigned %(course)s from %(kind)s %(target)s") % {"course": args.course, "kind": kind,
                                                                      "target": target}, flush=True)
        reached = reached_by(conn, username=args.user, unit=args.unit, class_code=args.class_code)
        refresh_people(conn, Published(config.repo_dir), rules, reached)
    print(_("updated the yearly figures of %(people)s people (server.person_year)") % {"people": f"{len(reached):,}"})
    return 0
