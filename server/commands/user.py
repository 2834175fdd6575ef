"""``studydesk-server user add|list|unlock``: manage accounts."""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys

from server.config import ServerConfig
from server.db import open_db
from server.users import add_user, list_users, unlock_user
from sync.protocol.errors import SyncError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("user", help="manage user accounts")
    usub = p.add_subparsers(dest="user_command", required=True)
    add = usub.add_parser("add", help="create an account")
    add.add_argument("name", help="user name used to sign in")
    add.add_argument("--unit", required=True, help="the person's unit (单位)")
    add.add_argument("--display-name", help="name shown in the app, e.g. 张三")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=run_add)
    ls = usub.add_parser("list", help="list accounts")
    ls.set_defaults(func=run_list)
    unlock = usub.add_parser("unlock", help="unlock an account locked after failed sign-ins")
    unlock.add_argument("name")
    unlock.set_defaults(func=run_unlock)


def _conn(args: argparse.Namespace) -> sqlite3.Connection:
    return open_db(ServerConfig(args.data).ensure().db_path)


def run_add(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 2
    try:
        user = add_user(_conn(args), args.name, password, args.unit, args.display_name)
    except SyncError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(f"added {user.username} ({user.display_name}, {user.unit}) id {user.user_id}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    for u in list_users(_conn(args)):
        state = "LOCKED" if u.locked else "ok"
        print(f"{u.username}\t{u.display_name}\t{u.unit}\t{state}\t{u.user_id}")
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    try:
        user = unlock_user(_conn(args), args.name)
    except SyncError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(f"unlocked {user.username}")
    return 0
