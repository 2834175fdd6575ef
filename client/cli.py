"""``studydesk``: the window, and the command-line faces that share its engines.

With no subcommand it opens the window. Each subcommand lives in its own module under
``client/commands/`` with a ``register(subparsers)`` function; this module only finds and
dispatches them. Failures exit non-zero with a clear message.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import client.commands
from client.paths import default_data_root


def build_parser(with_commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studydesk", description="StudyDesk learning client",
                                     add_help=with_commands)
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: per user)")
    parser.add_argument("--site", type=Path, default=None, help="site file (default: the installed site.toml)")
    parser.add_argument("--self-check", action="store_true", help="check that every part works, then exit")
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
    if rest:
        parser = build_parser()
        args, rest = parser.parse_known_args(argv)
    if args.self_check and args.command is None:
        from client.self_check import main as self_check

        return self_check(args.site)
    if args.command is None:
        from client.app import run_gui  # the window; Qt is imported only here

        return run_gui(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.data = args.data or default_data_root()
    try:
        if getattr(args, "own_qt_app", False):  # e.g. self-check: makes its own QApplication and translations
            return int(args.func(args))
        with _messages_in(command_language(args)):
            return int(args.func(args))
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130


def command_language(args: argparse.Namespace) -> str:
    """The language a command speaks: its own ``--lang``, else $STUDYDESK_LANG, else the site's."""
    if lang := getattr(args, "lang", None) or os.environ.get("STUDYDESK_LANG"):
        return str(lang)
    from sync.protocol.errors import SyncError
    from sync.site.config import load_site

    try:
        return load_site(args.site).language
    except (SyncError, OSError):  # the command itself reports a broken site file
        return "zh_CN"


@contextmanager
def _messages_in(language: str) -> Iterator[None]:
    """Install the translation for one command and take it away afterwards."""
    from PySide6.QtCore import QCoreApplication

    from client.i18n import Translator, ensure_built

    app = QCoreApplication.instance() or QCoreApplication(["studydesk"])
    ensure_built()
    translator = Translator(app)
    translator.set_language(language)
    try:
        yield
    finally:
        translator.uninstall()


if __name__ == "__main__":
    sys.exit(main())
