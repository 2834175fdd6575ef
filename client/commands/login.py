"""``studydesk login``: sign in (online, or offline for someone who signed in here before).

Also the sign-in helpers the other account commands share (``--user``, ``--password-stdin``).
The password is read with getpass (never echoed) or as one line from standard input.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from client.i18n import QT_TRANSLATE_NOOP
from client.messages import describe
from client.workers.courses import cache_assignments
from sync.account.auth import AuthService, UserSession
from sync.protocol.errors import CancelledError, SyncError
from sync.site.config import load_site


def fmt(template: str, *values: object) -> str:
    """Fill Qt-style %1, %2 ... placeholders of a translated template."""
    for i, v in enumerate(values, start=1):
        template = template.replace(f"%{i}", str(v))
    return template


def add_sign_in_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", help=QT_TRANSLATE_NOOP(
        "CommandLine", "user name (default: the only person who signed in on this PC)"))
    p.add_argument("--password-stdin", action="store_true",
                   help=QT_TRANSLATE_NOOP("CommandLine", "read the password from standard input"))


# Errors of the command line itself (how it was called), not of the engines: exit status 2.
USAGE_ERRORS = frozenset({"no_terminal"})


def fail(exc: BaseException) -> int:
    """Print a clear, translated message (and the engine's code and detail) and return the exit code."""
    if isinstance(exc, CancelledError):
        print(QCoreApplication.translate("Download", "Stopped. Run the same command again to continue where it "
                                                     "stopped."), file=sys.stderr)
        return 130
    detail = f" [{exc.code}: {exc.detail}]" if isinstance(exc, SyncError) else f" [{exc}]"
    print(f"studydesk: {describe(exc)}{detail}", file=sys.stderr)
    return 2 if isinstance(exc, SyncError) and exc.code in USAGE_ERRORS else 1


def has_terminal() -> bool:
    """Whether a person can type at a prompt (standard input is a terminal)."""
    return sys.stdin is not None and sys.stdin.isatty()


def sign_in_from_args(args: argparse.Namespace) -> UserSession:
    auth = AuthService(args.data, load_site(args.site))
    username = args.user
    if not username:
        known = auth.known_users()
        if len(known) == 1:
            username = known[0].username
        elif args.password_stdin or not has_terminal():
            raise SyncError("no_user", "name the person with --user")
        else:
            username = _ask(lambda: input(QCoreApplication.translate("AccountCommands", "User name: ")).strip())
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n") if sys.stdin is not None else ""
    elif not has_terminal():  # getpass would fall back to an echoing read, or fail with a traceback
        raise SyncError("no_terminal", "standard input is not a terminal; give the password with --password-stdin")
    else:
        password = _ask(lambda: getpass.getpass(QCoreApplication.translate("AccountCommands", "Password: ")))
    return auth.sign_in(username, password)


def _ask(prompt: Callable[[], str]) -> str:
    try:
        return prompt()
    except EOFError as exc:  # Ctrl-D (Ctrl-Z on Windows) at the prompt
        print(file=sys.stderr)
        raise SyncError("no_terminal", "nothing was typed at the prompt") from exc


def refresh_assignments(session: UserSession) -> bool:
    """Fetch and cache the assignments when online; False when only the cache could be used."""
    if session.offline:
        return False
    try:
        fetched = session.api.assignments_and_rules()
    except SyncError:
        return False
    cache_assignments(session, fetched)
    return True


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("login", help=QT_TRANSLATE_NOOP(
        "CommandLine", "sign in (works offline for people who signed in on this PC before)"))
    add_sign_in_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = sign_in_from_args(args)
    refresh_assignments(session)
    if session.offline:
        mode = QCoreApplication.translate("AccountCommands", "offline (the server cannot be reached)")
    else:
        mode = QCoreApplication.translate("AccountCommands", "online")
    print(fmt(QCoreApplication.translate("AccountCommands", "Signed in as %1 (%2), %3."), session.display_name,
              session.unit, mode))
    return 0
