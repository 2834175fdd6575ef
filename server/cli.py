"""``studydesk-server``: the admin command line.

Each subcommand lives in its own module under ``server/commands/`` with a
``register(subparsers)`` function; this module finds and dispatches them, and writes each
command run to the audit log (who ran it, the command line, how it ended), except those
that set ``audited=False`` (serving, read-only listings of the log or the API, rules checks).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import pkgutil
import shlex
import sys
from pathlib import Path

import server.commands
from server.config import default_data_dir, default_database_url
from sync.protocol.errors import SyncError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studydesk-server", description="StudyDesk reference server")
    parser.add_argument(
        "--data", type=Path, default=default_data_dir(), help="data folder (database, repository, keys)"
    )
    parser.add_argument(
        "--database", default=default_database_url(), metavar="URL",
        help="the database, e.g. postgresql://USER@HOST/NAME (default: $STUDYDESK_DATABASE_URL, else the SQLite "
             "file in the data folder)")
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(server.commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"server.commands.{info.name}").register(sub)
    return parser


@functools.lru_cache(maxsize=4)
def _parser(_environment: tuple[tuple[str, str], ...]) -> argparse.ArgumentParser:
    """``build_parser()`` for one environment (its defaults come from it): a process that runs several
    commands builds it once (parsing leaves a parser as it was)."""
    return build_parser()


def _parser_environment() -> tuple[tuple[str, str], ...]:
    """What the parser's defaults and its own messages are read from: StudyDesk's variables, the
    user's folders and the language."""
    return tuple(sorted((k, v) for k, v in os.environ.items()
                        if k.startswith(("STUDYDESK_", "XDG_", "LC_")) or k in {"HOME", "LANG", "LANGUAGE"}))


def _audit(args: argparse.Namespace, argv: list[str], result: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from server import audit
    from server.commands import os_user, site
    from server.storage.engine import create, transaction
    from server.storage.schema import current, upgrade

    words = [args.command] + [str(v) for k, v in sorted(vars(args).items()) if k.endswith("_command") and v]
    target = next((str(v) for k in ("code", "name", "user", "unit", "course_id", "file")
                   if (v := getattr(args, k, None))), "")
    config = site(args)
    if config.uses_sqlite_file and not config.db_path.is_file():
        return  # a mistyped --data, or a command that made no database: nothing is created
    try:
        engine = create(config.url, pool_size=1)
        try:
            if not config.uses_sqlite_file:
                with engine.connect() as conn:
                    if current(conn) is None:
                        return  # no server database there: nothing is created
            upgrade(engine)  # refuses a database newer than this StudyDesk, changing nothing
            with engine.connect() as conn, transaction(conn):
                audit.record(conn, actor=os_user(), action=" ".join(words), target=target, address="local",
                             result=result, detail=shlex.join(argv))
        finally:
            engine.dispose()
    except (SQLAlchemyError, OSError, SyncError) as exc:  # SyncError: a database busy too long, or too new
        print(f"warning: the audit log could not be written: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser(_parser_environment()).parse_args(argv)
    result = "error"
    try:
        rc = int(args.func(args))
        result = "ok" if rc == 0 else f"exit {rc}"
        return rc
    except SyncError as exc:  # every command's refusals end here: one line, the reason and its code
        print(f"error: {exc.detail} [{exc.code}]", file=sys.stderr)
        result = f"error: {exc.code}"
        return 1
    except OSError as exc:  # a file or folder named on the command line cannot be read or written
        print(f"error: {exc.filename or ''} {exc.strerror or exc}".strip(), file=sys.stderr)
        result = "error: os"
        return 1
    except KeyboardInterrupt:
        result = "interrupted"
        return 130
    finally:
        if getattr(args, "audited", True):
            _audit(args, argv, result)


if __name__ == "__main__":
    sys.exit(main())
