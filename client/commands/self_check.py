"""``studydesk self-check`` (also ``studydesk --self-check``): check that every part of the app works.

Only wires the command line to client/self_check.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from client.i18n import QT_TRANSLATE_NOOP


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("self-check", help=QT_TRANSLATE_NOOP(
        "CommandLine", "check Qt, translations, VLC playback and the site file"))
    p.add_argument("--site", type=Path, default=argparse.SUPPRESS,
                   help=QT_TRANSLATE_NOOP("CommandLine", "site file to read"))
    p.set_defaults(func=run, own_qt_app=True)


def run(args: argparse.Namespace) -> int:
    from client.self_check import main

    return main(args.site, args.language)
