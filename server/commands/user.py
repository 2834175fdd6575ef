"""``studydesk-server user add|list|move|set|history|unlock|reset-password|deactivate``: manage
learner accounts, each in one unit with a cadre level.

Only ``add`` may create the data folder; the others refuse a folder that holds no server
database (a mistyped --data), and create nothing. ``add`` puts the person in a unit the site has;
it makes a new one only when asked to with --new-unit (a misspelt name names no unit: the
command says which units are called alike, and adds nobody).
"""

from __future__ import annotations

import argparse
import difflib
import getpass
import sys
from typing import TYPE_CHECKING

from server.commands import _, connect, os_user, site
from server.organization import history, move_person, set_person
from server.person_year import refresh_site
from server.throttle import clear as clear_failures
from server.units import find_unit, list_units
from server.users import add_user, deactivate_user, get_user, list_users, reset_password, unlock_user
from sync.protocol.errors import FormatError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

CLOSE_UNITS = 5
"""How many units called alike an unknown unit's refusal names at most."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("user", help=_("manage user accounts"))
    usub = p.add_subparsers(dest="user_command", required=True)
    add = usub.add_parser("add", help=_("create an account"))
    add.add_argument("name", help=_("user name used to sign in"))
    add.add_argument("--unit", required=True, help=_("the person's unit (单位): its code, or its name; it must "
                                                     "exist (see 'unit add') unless --new-unit is given"))
    add.add_argument("--new-unit", action="store_true",
                     help=_("when the site has no unit of that code or name, add a new unit of that name under "
                            "the root unit"))
    add.add_argument("--level", help=_("cadre level (职级), e.g. 县处级, 乡科级, 一般干部"))
    add.add_argument("--person-id", help=_("the organization's id for the person (人员编号)"))
    add.add_argument("--display-name", help=_("name shown in the app, e.g. 张三"))
    add.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    add.set_defaults(func=run_add)
    ls = usub.add_parser("list", help=_("list accounts"))
    ls.set_defaults(func=run_list)
    move = usub.add_parser("move", help=_("put a person in another unit (the move is kept in their history)"))
    move.add_argument("name")
    move.add_argument("--unit", required=True, help=_("the code of the unit they move to"))
    move.set_defaults(func=run_move)
    setp = usub.add_parser("set", help=_("change a person's cadre level, organization id or shown name"))
    setp.add_argument("name")
    setp.add_argument("--level", help=_("cadre level (职级)"))
    setp.add_argument("--person-id", help=_("the organization's id for the person (人员编号)"))
    setp.add_argument("--display-name", help=_("name shown in the app"))
    setp.set_defaults(func=run_set)
    hist = usub.add_parser("history", help=_("a person's moves between units"))
    hist.add_argument("name")
    hist.set_defaults(func=run_history)
    unlock = usub.add_parser("unlock", help=_("unlock an account and clear its failed sign-ins (ends any wait)"))
    unlock.add_argument("name")
    unlock.set_defaults(func=run_unlock)
    reset = usub.add_parser("reset-password", help=_("give an account a new password (also unlocks it)"))
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    reset.set_defaults(func=run_reset_password)
    deactivate = usub.add_parser("deactivate", help=_("stop an account from signing in; its study records stay"))
    deactivate.add_argument("name")
    deactivate.set_defaults(func=run_deactivate)


class NoTerminal(Exception):
    """A password prompt was needed but standard input is not a terminal."""


def read_new_password(args: argparse.Namespace) -> str | None:
    """The new password from stdin or from two prompts; None when the two typed differ."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise NoTerminal
    password = getpass.getpass(_("Password: "))
    if getpass.getpass(_("Repeat password: ")) != password:
        return None
    return password


def password_or_exit(args: argparse.Namespace) -> str | int:
    try:
        password = read_new_password(args)
    except NoTerminal:
        print(_("error: no terminal to type a password on; give it with --password-stdin"), file=sys.stderr)
        return 2
    except (EOFError, KeyboardInterrupt):
        print("\n" + _("error: no password was given"), file=sys.stderr)
        return 2
    if password is None:
        print(_("error: the passwords differ"), file=sys.stderr)
        return 2
    return password


def existing_unit(conn: Connection, code_or_name: str) -> str:
    """The code of the unit ``code_or_name`` names (server.units.find_unit); else
    FormatError("no_such_unit") that names the units called alike."""
    if (found := find_unit(conn, code_or_name)) is not None:
        return found.code
    text = code_or_name.strip()
    active = [u for u in list_units(conn) if u.active]
    same = [u for u in active if u.name == text]
    if len(same) > 1:
        raise FormatError.worded("unit_ambiguous", "several units are called %(unit)s: give one's code: %(codes)s",
                                 unit=text, codes=", ".join(u.code for u in same))
    by_label = {label: u for u in active for label in (u.name, u.code)}
    alike = {by_label[label].code: by_label[label]
             for label in difflib.get_close_matches(text, list(by_label), n=CLOSE_UNITS, cutoff=0.5)}
    if alike:
        raise FormatError.worded("no_such_unit", "no unit %(unit)s on this site; units called alike: %(alike)s. Give "
                                 "one of these, or add a new unit with --new-unit", unit=repr(text),
                                 alike=", ".join(f"{u.code} ({u.name})" for u in alike.values()))
    raise FormatError.worded("no_such_unit", "no unit %(unit)s on this site: add it first ('unit add'), or give "
                             "--new-unit", unit=repr(text))


def run_add(args: argparse.Namespace) -> int:
    config = site(args).ensure()
    with connect(config) as conn:
        unit = args.unit if args.new_unit else existing_unit(conn, args.unit)  # before the password is typed
        conn.rollback()  # its read ends: no snapshot stays open while a person types
        password = password_or_exit(args)
        if isinstance(password, int):
            return password
        user = add_user(conn, args.name, password, unit, args.display_name, level=args.level,
                        person_id=args.person_id)
        refresh_site(conn, config.data_dir, [user.user_id])  # their unit's assignments reach them
    print(_("added %(user)s (%(name)s, %(unit)s [%(code)s]) id %(id)s") % {
        "user": user.username, "name": user.display_name, "unit": user.unit, "code": user.unit_code,
        "id": user.user_id})
    return 0


def run_list(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        users = list_users(conn)
    for u in users:  # tab-separated values for scripts: the same in every language
        state = "DEACTIVATED" if not u.active else "LOCKED" if u.locked else "ok"
        print(f"{u.username}\t{u.display_name}\t{u.unit}\t{state}\t{u.unit_code or '-'}\t"
              f"{u.level.value if u.level else '-'}\t{u.person_id or '-'}\t{u.user_id}")
    return 0


def run_move(args: argparse.Namespace) -> int:
    config = site(args).existing()
    with connect(config) as conn:
        user = move_person(conn, args.name, args.unit, by=os_user())
        refresh_site(conn, config.data_dir, [user.user_id])  # the new unit's assignments
    print(_("moved %(user)s to %(unit)s [%(code)s]") % {"user": user.username, "unit": user.unit,
                                                        "code": user.unit_code})
    return 0


def run_set(args: argparse.Namespace) -> int:
    config = site(args).existing()
    with connect(config) as conn:
        user = set_person(conn, args.name, level=args.level, person_id=args.person_id,
                          display_name=args.display_name)
        refresh_site(conn, config.data_dir, [user.user_id])  # a level's target decides what is carried in
    print(_("%(user)s: %(name)s, level %(level)s, person id %(person_id)s") % {
        "user": user.username, "name": user.display_name, "level": user.level.value if user.level else "-",
        "person_id": user.person_id or "-"})
    return 0


def run_history(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        moves = history(conn, args.name)
    if not moves:
        print(_("no moves"))
        return 0
    print("\t".join((_("at"), _("from"), _("to"), _("by"))))
    for m in moves:
        print(f"{m.at}\t{m.from_unit or '-'}\t{m.to_unit}\t{m.by}")
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        user = unlock_user(conn, args.name)
        clear_failures(conn, args.name)
    print(_("unlocked %(user)s") % {"user": user.username})
    return 0


def run_reset_password(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        if get_user(conn, username=args.name) is None:
            print(_("error: no user %(user)s") % {"user": repr(args.name)}, file=sys.stderr)
            return 1
        password = password_or_exit(args)
        if isinstance(password, int):
            return password
        user = reset_password(conn, args.name, password)
        clear_failures(conn, args.name)
    print(_("new password set for %(user)s; the account is unlocked") % {"user": user.username})
    return 0


def run_deactivate(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        user = deactivate_user(conn, args.name)
    print(_("deactivated %(user)s: they can no longer sign in; their study records stay") % {"user": user.username})
    return 0
