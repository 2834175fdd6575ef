"""``studydesk-server import units|people FILE [--confirm]``: an organization department's CSV or
XLSX sheet. Without --confirm it is a dry run: every bad row with its reason, and what would be
added or changed; nothing changes. With --confirm it is applied in one transaction, and only when
no row is bad. New people get the first password given on standard input or at a prompt."""

from __future__ import annotations

import argparse
from pathlib import Path

from server.commands import _, connect, os_user, site
from server.commands.user import password_or_exit
from server.org.importing import Change
from server.organization import check_people_import, import_people, import_units


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("import", help=_("import units or people from a CSV or XLSX sheet (dry run unless --confirm)"))
    isub = p.add_subparsers(dest="import_command", required=True)
    units = isub.add_parser("units", help=_("units: code, name, parent code (单位编码, 单位名称, 上级单位编码)"))
    units.add_argument("file", type=Path)
    units.add_argument("--confirm", action="store_true", help=_("apply it (only when no row is bad)"))
    units.set_defaults(func=run_units)
    people = isub.add_parser("people", help=_("people: name, person id, level, unit code, optional user name "
                                                   "(姓名, 人员编号, 职级, 单位编码, 用户名)"))
    people.add_argument("file", type=Path)
    people.add_argument("--confirm", action="store_true", help=_("apply it (only when no row is bad)"))
    people.add_argument("--password-stdin", action="store_true",
                        help=_("read the new people's first password from standard input"))
    people.set_defaults(func=run_people)


def _done(lines: list[str], ok: bool, confirm: bool) -> int:
    print("\n".join(lines))
    if not ok:
        print(_("nothing was changed: correct the bad rows and run it again"))
        return 1
    print(_("applied") if confirm else _("dry run: nothing was changed; run it again with --confirm to apply it"))
    return 0


def run_units(args: argparse.Namespace) -> int:
    config = site(args).ensure() if args.confirm else site(args).existing()
    with connect(config) as conn:
        report = import_units(conn, args.file, confirm=args.confirm)
    return _done(report.lines(_), report.ok, args.confirm)


def run_people(args: argparse.Namespace) -> int:
    config = site(args).ensure() if args.confirm else site(args).existing()
    with connect(config) as conn:
        report = check_people_import(conn, args.file)
        password: str | None = None
        if args.confirm and report.ok and report.count(Change.NEW):
            got = password_or_exit(args)
            if isinstance(got, int):
                return got
            password = got
        if args.confirm and report.ok:
            report = import_people(conn, args.file, confirm=True, password=password, by=os_user())
    return _done(report.lines(_), report.ok, args.confirm)
