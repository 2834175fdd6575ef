"""The ``studydesk-server`` subcommands, one module each (see server.cli), and what they share:
the site named on the command line and a connection to its database.

Within ``one_run`` (server.cli: one command and its audit row) a database is opened once: the
Engine the first ``connect`` made serves every later ``connect`` to it and the audit row, and its
connections are closed when the run ends. Each ``connect`` still asks the database its revision
(one short query), so a database another process made newer meanwhile is refused all the same.

A process that runs several commands one after the other (the demo's admin child, client.demo)
keeps the Engine of each of the last few databases between runs, its connections closed: the
next run on it skips compiling its statements again and the dialect's first-connection queries.

Every text a command shows a person is written in English inside ``_()`` and said in the run's
language (server.admin.i18n.command_language), from the admin web's catalog; argparse's own words
too, inside ``speaking``. What is meant for scripts (JSON, CSV, tab-separated rows of values,
exit codes) is never translated."""

from __future__ import annotations

import argparse
import getpass
import gettext
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from server.admin.i18n import command_language, translations
from server.config import ServerConfig

if TYPE_CHECKING:  # the database stack is loaded by the commands that connect, not by every command
    from sqlalchemy.engine import Connection, Engine

_kept: ContextVar[dict[str, Engine] | None] = ContextVar("studydesk_kept_engines", default=None)
"""Inside ``one_run``: the Engines opened so far, by URL; None outside it (and in a thread the
command starts: a context of its own)."""

_REUSED = 4
"""How many databases' Engines the process keeps between runs (see the module text)."""
_reusable: dict[str, Engine] = {}
"""By URL, the most recently used last; their pools hold no connection between runs."""
_reusable_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    """An Engine for the database at ``url`` with a pool of one connection, this caller's alone until
    it hands it back with ``done_with``: the one an earlier run of this process used for it (its
    statements compiled already), else a new one."""
    from server.storage.engine import create

    with _reusable_lock:
        engine = _reusable.pop(url, None)
    if engine is None:
        return create(url, pool_size=1)
    if engine.dialect.name == "sqlite" and engine.url.database:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)  # as ``create`` does
    return engine


def done_with(url: str, engine: Engine) -> None:
    """Close the connections of an Engine ``engine_for`` gave, and keep it for the next run."""
    engine.dispose()
    with _reusable_lock:
        _reusable.pop(url, None)  # another run's, made meanwhile: this one is as good
        _reusable[url] = engine
        while len(_reusable) > _REUSED:
            del _reusable[next(iter(_reusable))]


def N_(text: str) -> str:
    """Marks ``text`` as a msgid of the catalog, said in the run's language elsewhere."""
    return text


ARGPARSE_TEXTS = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"), N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("expected at most one argument"), N_("expected at least one argument"),
    N_("not allowed with argument %s"), N_("one of the arguments %s is required"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("ignored explicit argument %r"),
    N_("can't open '%(filename)s': %(error)s"),
)
"""argparse's own words and sentences a person meets (Python 3.11): ``speaking`` has them said in
the run's language."""


def run_catalog() -> gettext.NullTranslations:
    """The catalog of the run's language (the admin web's)."""
    return translations(command_language())


def _(text: str) -> str:
    """``text`` (English: a msgid of the catalog) in the run's language."""
    return run_catalog().gettext(text) if text else text  # "": the catalog's header


@contextmanager
def speaking() -> Iterator[None]:
    """argparse's own words (usage, headings, its error sentences) in the run's language while the
    block runs: the parser's help and usage errors, and those a command raises with parser.error."""
    language = command_language()
    if language == "en":  # argparse's own
        yield
        return
    catalog = translations(language)
    saved = {"_": argparse._, "ngettext": argparse.ngettext}  # type: ignore[attr-defined]
    vars(argparse).update(_=catalog.gettext, ngettext=catalog.ngettext)
    try:
        yield
    finally:
        vars(argparse).update(saved)


def site(args: argparse.Namespace) -> ServerConfig:
    """The data folder (--data) and database (--database) the command line names."""
    return ServerConfig(args.data, database_url=args.database)


@contextmanager
def one_run() -> Iterator[None]:
    """Keep each database ``connect`` opens until the block ends (see the module text)."""
    if _kept.get() is not None:
        raise RuntimeError("runs do not nest")
    engines: dict[str, Engine] = {}
    token = _kept.set(engines)
    try:
        yield
    finally:
        _kept.reset(token)
        for url, engine in engines.items():
            done_with(url, engine)


def kept_engine(config: ServerConfig) -> Engine | None:
    """The Engine this run opened for the site's database, if any."""
    kept = _kept.get()
    return kept.get(config.url) if kept is not None else None


@contextmanager
def connect(config: ServerConfig) -> Iterator[Connection]:
    """A connection to the site's database, brought to the newest revision first."""
    from server.storage.schema import bring_to_newest

    kept = _kept.get()
    engine = kept_engine(config)
    if engine is None:
        engine = engine_for(config.url)
    try:
        with engine.connect() as conn:
            bring_to_newest(conn)  # asked again on an engine this run opened before, all the same
            if kept is not None:
                kept[config.url] = engine  # disposed when the run ends
            yield conn
    finally:
        if kept is None or kept.get(config.url) is not engine:
            done_with(config.url, engine)


def os_user() -> str:
    """Who runs the command: the operating system's name for them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
