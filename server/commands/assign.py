"""``studydesk-server assign COURSE --user NAME|--unit UNIT --required|--elective [--due YYYY-MM-DD]``."""

from __future__ import annotations

import argparse
import sys

from server.assignments import assign
from server.config import ServerConfig
from server.db import open_db
from sync.protocol.errors import SyncError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("assign", help="assign a course to a user or a unit")
    p.add_argument("course", help="course id")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="user name")
    who.add_argument("--unit", help="every member of this unit")
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument("--required", action="store_true", help="必修")
    kind.add_argument("--elective", action="store_true", help="选修")
    p.add_argument("--due", help="due date YYYY-MM-DD")
    p.add_argument("--title", help="title to show when the course is not published here yet")
    p.add_argument("--credit-hours", type=float, help="credit hours when the course is not published here yet")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    conn = open_db(ServerConfig(args.data).ensure().db_path)
    try:
        text = assign(conn, args.course, username=args.user, unit=args.unit, required=args.required, due=args.due,
                      title=args.title, credit_hours=args.credit_hours)
    except SyncError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(f"assigned {text}")
    return 0
