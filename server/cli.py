"""``studydesk-server``: the admin command line.

Each subcommand lives in its own module under ``server/commands/`` with a
``register(subparsers)`` function; this module finds and dispatches them, and writes each
command run to the audit log (who ran it, the command line, how it ended), except those
that set ``audited=False`` (serving, read-only listings of the log or the API, rules checks).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import server.commands
from server.commands import _
from server.config import default_data_dir, default_database_url
from sync.protocol.errors import SyncError

OTHER_MODULE = {"restore": "backup", "class": "classes", "import": "importing"}
"""The commands registered by a module of another name; every other command's module bears its
name (with ``_`` for ``-``)."""


def _named_command(argv: Sequence[str]) -> str | None:
    """The command word of ``argv``: the first word after the global options (None if an option
    other than those comes first, e.g. --help)."""
    words = iter(argv)
    for word in words:
        if word in ("--data", "--database"):
            next(words, None)
        elif not word.startswith(("--data=", "--database=")):
            return None if word.startswith("-") else word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``argv`` that names a command, only that command's module is
    imported (an admin command then loads only the services it uses)."""
    parser = argparse.ArgumentParser(prog="studydesk-server", description=_("StudyDesk reference server"))
    parser.add_argument(
        "--data", type=Path, default=default_data_dir(), help=_("data folder (database, repository, keys)")
    )
    parser.add_argument(
        "--database", default=default_database_url(), metavar="URL",
        help=_("the database, e.g. postgresql://USER@HOST/NAME (default: $STUDYDESK_DATABASE_URL, else the "
               "SQLite file in the data folder)"))
    sub = parser.add_subparsers(dest="command", required=True)
    modules = sorted(info.name for info in pkgutil.iter_modules(server.commands.__path__))
    command = _named_command(argv) if argv is not None else None
    if command is not None and (named := OTHER_MODULE.get(command, command.replace("-", "_"))) in modules:
        modules = [named]  # a mistyped command gets them all, and the list of every command
    for name in modules:
        importlib.import_module(f"server.commands.{name}").register(sub)
    return parser


def _audit(args: argparse.Namespace, argv: list[str], result: str) -> None:
    from server.commands import done_with, engine_for, kept_engine, os_user, site

    config = site(args)
    if config.uses_sqlite_file and not config.db_path.is_file():
        return  # a mistyped --data, or a command that made no database: nothing is created (nor loaded)

    from sqlalchemy.exc import SQLAlchemyError

    from server import audit
    from server.storage.engine import transaction
    from server.storage.schema import bring_to_newest, current

    words = [args.command] + [str(v) for k, v in sorted(vars(args).items()) if k.endswith("_command") and v]
    target = next((str(v) for k in ("code", "name", "user", "unit", "course_id", "file")
                   if (v := getattr(args, k, None))), "")
    try:
        kept = kept_engine(config)  # the command's own, disposed when the run ends
        engine = kept if kept is not None else engine_for(config.url)
        try:
            with engine.connect() as conn:
                if not config.uses_sqlite_file and current(conn) is None:
                    return  # no server database there: nothing is created
                bring_to_newest(conn)  # refuses a database newer than this StudyDesk, changing nothing
                with transaction(conn):
                    audit.record(conn, actor=os_user(), action=" ".join(words), target=target, address="local",
                                 result=result, detail=shlex.join(argv))
        finally:
            if kept is None:
                done_with(config.url, engine)
    except (SQLAlchemyError, OSError, SyncError) as exc:  # SyncError: a database busy too long, or too new
        print(_("warning: the audit log could not be written: %(reason)s") % {"reason": exc}, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    with server.commands.speaking():  # help and usage errors in the run's language, a command's own too
        args = build_parser(argv).parse_args(argv)
        with server.commands.one_run():  # the command and its audit row share one opened database
            return _run(args, argv)


def _run(args: argparse.Namespace, argv: list[str]) -> int:
    result = "error"
    try:
        rc = int(args.func(args))
        result = "ok" if rc == 0 else f"exit {rc}"
        return rc
    except SyncError as exc:  # every command's refusals end here: one line, the reason and its code
        from server.audit import why
        from server.commands import run_catalog

        print(_("error: %(reason)s [%(code)s]") % {"reason": why(exc).said(run_catalog()), "code": exc.code},
              file=sys.stderr)
        result = f"error: {exc.code}"
        return 1
    except OSError as exc:  # a file or folder named on the command line cannot be read or written
        print(_("error: %(reason)s") % {"reason": f"{exc.filename or ''} {exc.strerror or exc}".strip()},
              file=sys.stderr)
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
