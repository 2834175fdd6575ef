"""``studydesk-server class add|enrol|unenrol|courses|members|list``: training classes (培训班). A class's
courses are assigned to it with ``studydesk-server assign COURSE --class CODE``."""

from __future__ import annotations

import argparse
import sys

from server.assignments import reached_by
from server.classes import create_class, enrol, list_classes, members, require_class, unenrol
from server.commands import connect, site
from server.org.classes import parse_date, parse_scoring
from server.person_year import refresh_people
from server.published import Published
from server.site_rules import load_site_rules


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("class", help="manage training classes (培训班)")
    csub = p.add_subparsers(dest="class_command", required=True)
    add = csub.add_parser("add", help="create a class")
    add.add_argument("code", help="the class's code, e.g. 2026-qn-1")
    add.add_argument("name", help="the class's name, e.g. 2026年青年干部培训班")
    add.add_argument("--starts", required=True, help="first day YYYY-MM-DD")
    add.add_argument("--ends", required=True, help="last day YYYY-MM-DD")
    add.add_argument("--owner-unit", metavar="CODE", help="the organising unit (its unit admins manage it)")
    add.add_argument("--weights", help="class score weights attendance:tests:exam, e.g. 3:3:4 (default: the "
                     "site's rules)")
    add.add_argument("--pass-score", help="the class score needed to pass, out of 100 (default: the site's rules)")
    add.set_defaults(func=run_add)
    en = csub.add_parser("enrol", help="enrol a person, or everyone in a unit's subtree")
    en.add_argument("code")
    who = en.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="a person's user name")
    who.add_argument("--unit", help="a unit's code: everyone in it and below it, now and later")
    en.set_defaults(func=run_enrol)
    un = csub.add_parser("unenrol", help="take back an enrolment of a person or a unit")
    un.add_argument("code")
    who = un.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="a person's user name, as enrolled")
    who.add_argument("--unit", help="a unit's code, as enrolled")
    un.set_defaults(func=run_unenrol)
    courses = csub.add_parser("courses", help="list a class's courses (assign them with 'assign COURSE --class')")
    courses.add_argument("code")
    courses.set_defaults(func=run_courses)
    mem = csub.add_parser("members", help="list the people a class reaches now")
    mem.add_argument("code")
    mem.set_defaults(func=run_members)
    ls = csub.add_parser("list", help="list the classes")
    ls.set_defaults(func=run_list)


def run_add(args: argparse.Namespace) -> int:
    scoring = parse_scoring(args.weights, args.pass_score) if args.weights or args.pass_score else None
    with connect(site(args).ensure()) as conn:
        klass = create_class(conn, args.code, args.name, parse_date(args.starts), parse_date(args.ends),
                             owner_unit=args.owner_unit, scoring=scoring)
    print(f"added class {klass.code} ({klass.name}, {klass.starts} to {klass.ends})")
    return 0


def run_enrol(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        enrolment = enrol(conn, args.code, person=args.user, unit=args.unit)
    print(f"enrolled {enrolment.kind.value} {enrolment.target} in class {args.code}")
    return 0


def run_unenrol(args: argparse.Namespace) -> int:
    config = site(args).existing()
    rules = load_site_rules(config.data_dir)
    what = f"{'user' if args.user else 'unit'} {args.user or args.unit}"
    with connect(config) as conn:
        reached = reached_by(conn, username=args.user, unit=args.unit)  # the class's courses leave them
        if not unenrol(conn, args.code, person=args.user, unit=args.unit):
            print(f"{what} is not enrolled in class {args.code} by name", file=sys.stderr)
            return 1
        print(f"took back the enrolment of {what} in class {args.code}", flush=True)
        refresh_people(conn, Published(config.repo_dir), rules, reached)
    print(f"updated the yearly figures of {len(reached):,} people (server.person_year)")
    return 0


def run_courses(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        klass = require_class(conn, args.code)
    if not klass.courses:
        print("no courses")
    for c in klass.courses:
        print(f"{c.course_id}\t{'required' if c.required else 'elective'}")
    return 0


def run_members(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        names = members(conn, args.code)
    print("\n".join(names) if names else "no members")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        found = list_classes(conn)
    if not found:
        print("no classes")
        return 0
    print("code\tname\tstarts\tends\towner unit\tcourses\tenrolled\tscoring")
    for k in found:
        s = k.scoring
        scoring = f"{s.attendance}:{s.tests}:{s.exam} pass {s.pass_score}" if s else "site rules"
        print(f"{k.code}\t{k.name}\t{k.starts}\t{k.ends}\t{k.owner_unit or '-'}\t{len(k.courses)}\t"
              f"{len(k.enrolments)}\t{scoring}")
    return 0
