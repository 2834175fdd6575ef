"""``studydesk``: the window, and the command-line faces that share its engines.

With no subcommand it opens the window. Each subcommand lives in its own module under
``client/commands/`` with a ``register(subparsers)`` function; this module only finds and
dispatches them. Failures exit non-zero with a clear message.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication

import client.commands
from client.command_parser import CommandParser
from client.i18n import LANGUAGES, QT_TRANSLATE_NOOP, command_language, command_translations
from client.paths import default_data_root


def build_parser(with_commands: bool = True, language: str = "en") -> CommandParser:
    parser = CommandParser(prog="studydesk", description=QT_TRANSLATE_NOOP("CommandLine", "StudyDesk learning client"),
                           add_help=with_commands, language=language)
    parser.add_argument("--data", type=Path, default=None,
                        help=QT_TRANSLATE_NOOP("CommandLine", "data folder (default: per user)"))
    parser.add_argument("--site", type=Path, default=None,
                        help=QT_TRANSLATE_NOOP("CommandLine", "site file (default: the installed site.toml)"))
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help=QT_TRANSLATE_NOOP("CommandLine", "language of the command's output (default: "
                                               "$STUDYDESK_LANG, else the site file's)"))
    parser.add_argument("--self-check", action="store_true",
                        help=QT_TRANSLATE_NOOP("CommandLine", "check that every part works, then exit"))
    if not with_commands:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command")
    for info in sorted(pkgutil.iter_modules(client.commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"client.commands.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Only global options (the usual double-click start): open the window without importing
    # every command's engines first, which would cost a quarter of a second before it shows.
    parser = build_parser(with_commands=False)
    args, rest = parser.parse_known_args(argv)
    if not rest and not args.self_check:
        from client.app import run_gui  # the window; Qt is imported only here

        return run_gui(args, rest)
    language = command_language(args.lang, args.site)
    if rest:  # a command, or help: the parser speaks the run's language when it prints
        parser = build_parser(language=language)
        args, rest = parser.parse_known_args(argv)
    if args.self_check and args.command is None:
        from client.self_check import main as self_check

        return self_check(args.site, language)
    if args.command is None:  # only options for Qt (e.g. -platform)
        from client.app import run_gui

        return run_gui(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.data = args.data or default_data_root()
    args.language = language
    if getattr(args, "own_qt_app", False):  # e.g. self-check: makes its own QApplication, then speaks
        return _run(args)
    with command_translations(language):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from client.commands.login import fail
    from sync.protocol.errors import SyncError

    try:
        return int(args.func(args))
    except (SyncError, OSError) as exc:  # every command's engine errors end here, worded for the person
        return fail(exc)
    except KeyboardInterrupt:
        print("\n" + QCoreApplication.translate("CommandLine", "Interrupted."), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
