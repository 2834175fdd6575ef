"""``studydesk-server admin add|passwd|unlock|deactivate|list``: admin accounts, separate from the
learners' (server.admins). A system admin reaches everything, a unit admin their units' subtrees
(--unit, any number), a reviewer their classes (--class, any number)."""

from __future__ import annotations

import argparse

from server.admins import create_admin, deactivate_admin, list_admins, set_password, unlock_admin
from server.commands import _, connect, site
from server.commands.user import password_or_exit


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("admin", help=_("manage admin accounts (separate from learners)"))
    asub = p.add_subparsers(dest="admin_command", required=True)
    add = asub.add_parser("add", help=_("create an admin account"))
    add.add_argument("name", help=_("admin name used to sign in"))
    add.add_argument("--role", required=True, choices=("system", "unit", "reviewer"),
                     help=_("system: everything; unit: the --unit subtrees; reviewer: the --class classes"))
    add.add_argument("--unit", dest="units", action="append", default=[], metavar="CODE",
                     help=_("a unit whose subtree a unit admin manages (repeat for several)"))
    add.add_argument("--class", dest="classes", action="append", default=[], metavar="CODE",
                     help=_("a class a reviewer reviews (repeat for several)"))
    add.add_argument("--display-name", default="", help=_("name shown, e.g. 张三"))
    add.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    add.set_defaults(func=run_add)
    passwd = asub.add_parser("passwd", help=_("give an admin a new password (also ends a lock)"))
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    passwd.set_defaults(func=run_passwd)
    unlock = asub.add_parser("unlock", help=_("end an admin's lock and forget their failed sign-ins"))
    unlock.add_argument("name")
    unlock.set_defaults(func=run_unlock)
    deactivate = asub.add_parser("deactivate", help=_("stop an admin from signing in"))
    deactivate.add_argument("name")
    deactivate.set_defaults(func=run_deactivate)
    ls = asub.add_parser("list", help=_("list the admin accounts"))
    ls.set_defaults(func=run_list)


def run_add(args: argparse.Namespace) -> int:
    password = password_or_exit(args)
    if isinstance(password, int):
        return password
    with connect(site(args).ensure()) as conn:
        admin = create_admin(conn, args.name, password, args.role, units=args.units, classes=args.classes,
                             display_name=args.display_name)
    print(_("added admin %(name)s (%(shown)s, %(role)s)") % {"name": admin.name, "shown": admin.display_name,
                                                             "role": admin.role.value})
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    password = password_or_exit(args)
    if isinstance(password, int):
        return password
    with connect(site(args).existing()) as conn:
        admin = set_password(conn, args.name, password)
    print(_("new password set for admin %(name)s; any lock has ended") % {"name": admin.name})
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        admin = unlock_admin(conn, args.name)
    print(_("unlocked admin %(name)s") % {"name": admin.name})
    return 0


def run_deactivate(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        admin = deactivate_admin(conn, args.name)
    print(_("deactivated admin %(name)s: they can no longer sign in") % {"name": admin.name})
    return 0


def run_list(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        found = list_admins(conn)
    if not found:
        print(_("no admins"))
        return 0
    print("\t".join((_("name"), _("display name"), _("role"), _("reaches"), _("state"))))
    for a in found:
        reaches = "everything" if a.role.value == "system" else " ".join((*a.unit_codes, *a.class_codes))
        state = "DEACTIVATED" if not a.active else "LOCKED" if a.locked() else "ok"
        print(f"{a.name}\t{a.display_name}\t{a.role.value}\t{reaches}\t{state}")
    return 0
