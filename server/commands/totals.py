"""``studydesk-server totals rebuild [--year YEAR]``: work out everyone's stored yearly figures again
(server.person_year) — after the rules file, a publication or the assignments changed, and once
at the start of each year. Uploads go on meanwhile; the admin pages show the figures as they are
rebuilt."""

from __future__ import annotations

import argparse
import sys
import time

from server.commands import _, connect, site
from server.person_year import rebuild
from server.published import Published
from server.site_rules import load_site_rules


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("totals", help=_("the stored yearly figures the admin pages and rankings read"))
    ts = p.add_subparsers(dest="totals_command", required=True)
    build = ts.add_parser("rebuild", help=_("work out everyone's figures for a year again (after the rules, a "
                                            "publication or the assignments changed, and at the start of a year)"))
    build.add_argument("--year", type=int, help=_("the site year (default: this year)"))
    build.add_argument("--workers", type=int, default=1,
                       help=_("PostgreSQL: processes working on disjoint chunks of people side by side (default 1)"))
    build.set_defaults(func=run_rebuild)


def run_rebuild(args: argparse.Namespace) -> int:
    config = site(args).existing()
    rules = load_site_rules(config.data_dir)
    started = time.monotonic()
    shown = [0.0]

    def progress(done: int, total: int) -> None:
        if time.monotonic() - shown[0] >= 2.0 or done == total:
            shown[0] = time.monotonic()
            print(_("%(done)s of %(total)s people") % {"done": f"{done:,}", "total": f"{total:,}"}, file=sys.stderr,
                  flush=True)

    again = [0]

    def worked_again(people: int) -> None:
        again[0] += people

    with connect(config) as conn:
        people = rebuild(conn, Published(config.repo_dir), rules, year=args.year, progress=progress,
                         workers=args.workers, again=worked_again)
    print(_("rebuilt the yearly figures of %(people)s people in %(seconds)s s") % {
        "people": f"{people:,}", "seconds": f"{time.monotonic() - started:.1f}"})
    if again[0]:
        print(_("%(people)s of them worked out a second time, under the write lock: the database was written "
                "meanwhile (uploads, say)") % {"people": f"{again[0]:,}"})
    return 0
