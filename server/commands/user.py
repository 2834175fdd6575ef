"""``studydesk-server user add|list|move|set|history|unlock|reset-password|deactivate``: manage
learner accounts, each in one unit with a cadre level.

Only ``add`` may create the data folder; the others refuse a folder that holds no server
database (a mistyped --data), and create nothing.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from server.commands import connect, os_user, site
from server.organization import history, move_person, set_person
from server.person_year import refresh_site
from server.throttle import clear as clear_failures
from server.users import add_user, deactivate_user, get_user, list_users, reset_password, unlock_user


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("user", help="manage user accounts")
    usub = p.add_subparsers(dest="user_command", required=True)
    add = usub.add_parser("add", help="create an account")
    add.add_argument("name", help="user name used to sign in")
    add.add_argument("--unit", required=True, help="the person's unit (单位): its code, or its name; a name the "
                     "site does not know yet becomes a new unit under the root unit")
    add.add_argument("--level", help="cadre level (职级), e.g. 县处级, 乡科级, 一般干部")
    add.add_argument("--person-id", help="the organization's id for the person (人员编号)")
    add.add_argument("--display-name", help="name shown in the app, e.g. 张三")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=run_add)
    ls = usub.add_parser("list", help="list accounts")
    ls.set_defaults(func=run_list)
    move = usub.add_parser("move", help="put a person in another unit (the move is kept in their history)")
    move.add_argument("name")
    move.add_argument("--unit", required=True, help="the code of the unit they move to")
    move.set_defaults(func=run_move)
    setp = usub.add_parser("set", help="change a person's cadre level, organization id or shown name")
    setp.add_argument("name")
    setp.add_argument("--level", help="cadre level (职级)")
    setp.add_argument("--person-id", help="the organization's id for the person (人员编号)")
    setp.add_argument("--display-name", help="name shown in the app")
    setp.set_defaults(func=run_set)
    hist = usub.add_parser("history", help="a person's moves between units")
    hist.add_argument("name")
    hist.set_defaults(func=run_history)
    unlock = usub.add_parser("unlock", help="unlock an account and clear its failed sign-ins (ends any wait)")
    unlock.add_argument("name")
    unlock.set_defaults(func=run_unlock)
    reset = usub.add_parser("reset-password", help="give an account a new password (also unlocks it)")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    reset.set_defaults(func=run_reset_password)
    deactivate = usub.add_parser("deactivate", help="stop an account from signing in; its study records stay")
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
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != password:
        return None
    return password


def password_or_exit(args: argparse.Namespace) -> str | int:
    try:
        password = read_new_password(args)
    except NoTerminal:
        print("error: no terminal to type a password on; give it with --password-stdin", file=sys.stderr)
        return 2
    except (EOFError, KeyboardInterrupt):
        print("\nerror: no password was given", file=sys.stderr)
        return 2
    if password is None:
        print("error: the passwords differ", file=sys.stderr)
        return 2
    return password


def run_add(args: argparse.Namespace) -> int:
    password = password_or_exit(args)
    if isinstance(password, int):
        return password
    config = site(args).ensure()
    with connect(config) as conn:
        user = add_user(conn, args.name, password, args.unit, args.display_name, level=args.level,
                        person_id=args.person_id)
        refresh_site(conn, config.data_dir, [user.user_id])  # their unit's assignments reach them
    print(f"added {user.username} ({user.display_name}, {user.unit} [{user.unit_code}]) id {user.user_id}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        users = list_users(conn)
    for u in users:
        state = "DEACTIVATED" if not u.active else "LOCKED" if u.locked else "ok"
        print(f"{u.username}\t{u.display_name}\t{u.unit}\t{state}\t{u.unit_code or '-'}\t"
              f"{u.level.value if u.level else '-'}\t{u.person_id or '-'}\t{u.user_id}")
    return 0


def run_move(args: argparse.Namespace) -> int:
    config = site(args).existing()
    with connect(config) as conn:
        user = move_person(conn, args.name, args.unit, by=os_user())
        refresh_site(conn, config.data_dir, [user.user_id])  # the new unit's assignments
    print(f"moved {user.username} to {user.unit} [{user.unit_code}]")
    return 0


def run_set(args: argparse.Namespace) -> int:
    config = site(args).existing()
    with connect(config) as conn:
        user = set_person(conn, args.name, level=args.level, person_id=args.person_id,
                          display_name=args.display_name)
        refresh_site(conn, config.data_dir, [user.user_id])  # a level's target decides what is carried in
    level = user.level.value if user.level else "-"
    print(f"{user.username}: {user.display_name}, level {level}, person id {user.person_id or '-'}")
    return 0


def run_history(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        moves = history(conn, args.name)
    if not moves:
        print("no moves")
        return 0
    print("at	from	to	by")
    for m in moves:
        print(f"{m.at}\t{m.from_unit or '-'}\t{m.to_unit}\t{m.by}")
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        user = unlock_user(conn, args.name)
        clear_failures(conn, args.name)
    print(f"unlocked {user.username}")
    return 0


def run_reset_password(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        if get_user(conn, username=args.name) is None:
            print(f"error: no user {args.name!r}", file=sys.stderr)
            return 1
        password = password_or_exit(args)
        if isinstance(password, int):
            return password
        user = reset_password(conn, args.name, password)
        clear_failures(conn, args.name)
    print(f"new password set for {user.username}; the account is unlocked")
    return 0


def run_deactivate(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        user = deactivate_user(conn, args.name)
    print(f"deactivated {user.username}: they can no longer sign in; their study records stay")
    return 0
