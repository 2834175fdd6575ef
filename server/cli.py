"""``studydesk-server``: the admin command line.

Each subcommand lives in its own module under ``server/commands/`` with a
``register(subparsers)`` function; this module only finds and dispatches them.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

import server.commands
from server.config import default_data_dir
from sync.protocol.errors import SyncError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studydesk-server", description="StudyDesk reference server")
    parser.add_argument(
        "--data", type=Path, default=default_data_dir(), help="data folder (database, repository, keys)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(server.commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"server.commands.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SyncError as exc:  # every command's refusals end here: one line, the reason and its code
        print(f"error: {exc.detail} [{exc.code}]", file=sys.stderr)
        return 1
    except OSError as exc:  # a file or folder named on the command line cannot be read or written
        print(f"error: {exc.filename or ''} {exc.strerror or exc}".strip(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
