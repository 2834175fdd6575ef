"""``studydesk-server assign COURSE --user NAME|--unit UNIT|--class CODE --required|--elective [--due YYYY-MM-DD]
[--force]`` and ``studydesk-server assign list [--user NAME|--unit UNIT]``. A unit's assignment reaches
everyone in its subtree; a class's makes the course one of the class's courses.

A course must be published on this server before it is assigned, unless ``--force`` (then
``--title`` and ``--credit-hours`` stand in until it is). ``assign list`` reads an existing
data folder only; it never creates one. An assignment brings the stored yearly figures of everyone
it reaches up to date (server.person_year: required courses, due dates, credit).
"""

from __future__ import annotations

import argparse

from server.assignments import assign, list_assignments, published_courses, reached_by
from server.commands import _, connect, site
from server.person_year import refresh_people
from server.published import Published
from server.site_rules import load_site_rules

LIST = "list"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("assign", help=_("assign a course to a user or a unit, or list the assignments ('assign list')"),
                       usage="%(prog)s COURSE (--user NAME | --unit UNIT | --class CODE) (--required | --elective) "
                             "[options]\n"
                             "       %(prog)s list [--user NAME | --unit UNIT]")
    p.add_argument("course", help=_("course id, or 'list' to list the assignments"))
    who = p.add_mutually_exclusive_group()
    who.add_argument("--user", help=_("user name"))
    who.add_argument("--unit", help=_("everyone in this unit and the units below it (its code, or its name)"))
    who.add_argument("--class", dest="class_code", metavar="CODE", help=_("a training class: one of its courses"))
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--required", action="store_true", help=_("required (必修)"))
    kind.add_argument("--elective", action="store_true", help=_("elective (选修)"))
    p.add_argument("--due", help=_("due date YYYY-MM-DD"))
    p.add_argument("--force", action="store_true", help=_("assign a course that is not published on this server yet"))
    p.add_argument("--title", help=_("title to show while the course is not published here"))
    p.add_argument("--credit-hours", type=float, help=_("credit hours while the course is not published here"))
    p.set_defaults(func=run, parser=p)


def run(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.parser
    if args.course == LIST:
        if (args.required or args.elective or args.due or args.force or args.title or args.credit_hours is not None
                or args.class_code):
            parser.error(_("'assign list' takes only --user or --unit"))
        return run_list(args)
    if not (args.user or args.unit or args.class_code):
        parser.error(_("one of the arguments %s is required") % "--user --unit --class")
    if not (args.required or args.elective):
        parser.error(_("one of the arguments %s is required") % "--required --elective")
    config = site(args).ensure()
    rules = load_site_rules(config.data_dir)
    with connect(config) as conn:
        text = assign(conn, args.course, username=args.user, unit=args.unit, class_code=args.class_code,
                      required=args.required, due=args.due,
                      title=args.title, credit_hours=args.credit_hours, repo_dir=config.repo_dir, force=args.force)
        print(_("assigned %(what)s") % {"what": text}, flush=True)
        reached = reached_by(conn, username=args.user, unit=args.unit, class_code=args.class_code)
        refresh_people(conn, Published(config.repo_dir), rules, reached)
    print(_("updated the yearly figures of %(people)s people (server.person_year)") % {"people": f"{len(reached):,}"})
    return 0


def run_list(args: argparse.Namespace) -> int:
    config = site(args).existing()
    with connect(config) as conn:
        rows = list_assignments(conn)
    if args.user:
        rows = [r for r in rows if r["target_kind"] == "user" and r["target"] == args.user]
    if args.unit:
        rows = [r for r in rows if r["target_kind"] == "unit" and args.unit in (r["target"], r["target_name"])]
    if not rows:
        print(_("no assignments"))
        return 0
    published = published_courses(config.repo_dir)
    print("\t".join((_("course"), _("to"), _("kind"), _("due"), _("credit hours"), _("title"))))  # like 'user list'
    for r in rows:
        pub = published.get(r["course_id"])
        hours = pub.get("credit_hours") if pub and pub.get("credit_hours") is not None else r["credit_hours"]
        title = (pub or {}).get("title") or r["title"] or "-"
        if pub is None:
            title += _(" (not published)")
        kind = "required" if r["required"] else "elective"
        to = f"{r['target_kind']} {r['target']}"
        if r["target_name"] and r["target_name"] != r["target"]:
            to += f" ({r['target_name']})"
        print(f"{r['course_id']}\t{to}\t{kind}\t{r['due'] or '-'}\t"
              f"{f'{hours:g}' if hours is not None else '-'}\t{title}")
    return 0
