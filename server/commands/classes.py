"""``studydesk-server class add|enrol|unenrol|courses|members|list``: training classes (培训班). A class's
courses are assigned to it with ``studydesk-server assign COURSE --class CODE``."""

from __future__ import annotations

import argparse
import sys

from server.assignments import reached_by
from server.classes import create_class, enrol, list_classes, members, require_class, unenrol
from server.commands import _, connect, site
from server.org.classes import parse_date, parse_scoring
from server.person_year import refresh_people
from server.published import Published
from server.site_rules import load_site_rules


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("class", help=_("manage training classes (培训班)"))
    csub = p.add_subparsers(dest="class_command", required=True)
    add = csub.add_parser("add", help=_("create a class"))
    add.add_argument("code", help=_("the class's code, e.g. 2026-qn-1"))
    add.add_argument("name", help=_("the class's name, e.g. 2026年青年干部培训班"))
    add.add_argument("--starts", required=True, help=_("first day YYYY-MM-DD"))
    add.add_argument("--ends", required=True, help=_("last day YYYY-MM-DD"))
    add.add_argument("--owner-unit", metavar="CODE", help=_("the organising unit (its unit admins manage it)"))
    add.add_argument("--weights", help=_("class score weights attendance:tests:exam, e.g. 3:3:4 (default: the "
                       "site's rules)"))
    add.add_argument("--pass-score", help=_("the class score needed to pass, out of 100 (default: the site's rules)"))
    add.set_defaults(func=run_add)
    en = csub.add_parser("enrol", help=_("enrol a person, or everyone in a unit's subtree"))
    en.add_argument("code")
    who = en.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help=_("a person's user name"))
    who.add_argument("--unit", help=_("a unit's code: everyone in it and below it, now and later"))
    en.set_defaults(func=run_enrol)
    un = csub.add_parser("unenrol", help=_("take back an enrolment of a person or a unit"))
    un.add_argument("code")
    who = un.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help=_("a person's user name, as enrolled"))
    who.add_argument("--unit", help=_("a unit's code, as enrolled"))
    un.set_defaults(func=run_unenrol)
    courses = csub.add_parser("courses", help=_("list a class's courses (assign them with 'assign COURSE --class')"))
    courses.add_argument("code")
    courses.set_defaults(func=run_courses)
    mem = csub.add_parser("members", help=_("list the people a class reaches now"))
    mem.add_argument("code")
    mem.set_defaults(func=run_members)
    ls = csub.add_parser("list", help=_("list the classes"))
    ls.set_defaults(func=run_list)


def run_add(args: argparse.Namespace) -> int:
    scoring = parse_scoring(args.weights, args.pass_score) if args.weights or args.pass_score else None
    with connect(site(args).ensure()) as conn:
        klass = create_class(conn, args.code, args.name, parse_date(args.starts), parse_date(args.ends),
                             owner_unit=args.owner_unit, scoring=scoring)
    print(_("added class %(code)s (%(name)s, %(starts)s to %(ends)s)") % {
        "code": klass.code, "name": klass.name, "starts": klass.starts, "ends": klass.ends})
    return 0


def run_enrol(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        enrolment = enrol(conn, args.code, person=args.user, unit=args.unit)
    print(_("enrolled %(kind)s %(target)s in class %(code)s") % {
        "kind": enrolment.kind.value, "target": enrolment.target, "code": args.code})
    return 0


def run_unenrol(args: argparse.Namespace) -> int:
    config = site(args).existing()
    rules = load_site_rules(config.data_dir)
    what = _("user %(name)s") % {"name": args.user} if args.user else _("unit %(name)s") % {"name": args.unit}
    with connect(config) as conn:
        reached = reached_by(conn, username=args.user, unit=args.unit)  # the class's courses leave them
        if not unenrol(conn, args.code, person=args.user, unit=args.unit):
            print(_("%(who)s is not enrolled in class %(code)s by name") % {"who": what, "code": args.code},
                  file=sys.stderr)
            return 1
        print(_("took back the enrolment of %(who)s in class %(code)s") % {"who": what, "code": args.code}, flush=True)
        refresh_people(conn, Published(config.repo_dir), rules, reached)
    print(_("updated the yearly figures of %(people)s people (server.person_year)") % {"people": f"{len(reached):,}"})
    return 0


def run_courses(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        klass = require_class(conn, args.code)
    if not klass.courses:
        print(_("no courses"))
    for c in klass.courses:
        print(f"{c.course_id}\t{'required' if c.required else 'elective'}")
    return 0


def run_members(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        names = members(conn, args.code)
    print("\n".join(names) if names else _("no members"))
    return 0


def run_list(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        found = list_classes(conn)
    if not found:
        print(_("no classes"))
        return 0
    print("\t".join((_("code"), _("name"), _("starts"), _("ends"), _("owner unit"), _("courses"), _("enrolled"),
                     _("scoring"))))
    for k in found:
        s = k.scoring
        scoring = _("%(weights)s pass %(pass_score)s") % {"weights": f"{s.attendance}:{s.tests}:{s.exam}",
                                                           "pass_score": s.pass_score} if s else _("site rules")
        print(f"{k.code}\t{k.name}\t{k.starts}\t{k.ends}\t{k.owner_unit or '-'}\t{len(k.courses)}\t"
              f"{len(k.enrolments)}\t{scoring}")
    return 0
