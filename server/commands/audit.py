"""``studydesk-server audit [--since WHEN] [--user NAME]``: list the audit log."""

from __future__ import annotations

import argparse

from server.audit import entries
from server.commands import _, connect, run_catalog, site


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help=_("list sign-ins, token reuse, device enrolments and admin commands"))
    p.add_argument("--since", help=_("from this UTC date or time on, e.g. 2026-05-01 or 2026-05-01T08:00"))
    p.add_argument("--user", help=_("only rows where this user name acted or was acted on"))
    p.add_argument("--limit", type=int, help=_("only the newest N rows"))
    p.set_defaults(func=run, audited=False)


def run(args: argparse.Namespace) -> int:
    since = args.since.replace(" ", "T") if args.since else None
    with connect(site(args).existing()) as conn:
        found = entries(conn, since=since, user=args.user, limit=args.limit)
    print("\t".join((_("at"), _("actor"), _("action"), _("target"), _("address"), _("result"), _("detail"))))
    catalog = run_catalog()
    for entry in found:
        print(entry.line(catalog))
    return 0
