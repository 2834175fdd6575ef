"""The ``studydesk-server`` subcommands, one module each (see server.cli), and what they share:
the site named on the command line and a connection to its database.

Within ``one_run`` (server.cli: one command and its audit row) a database is opened once: the
Engine the first ``connect`` made serves every later ``connect`` to it and the audit row, and is
disposed when the run ends. Each ``connect`` still asks the database its revision (one short
query), so a database another process made newer meanwhile is refused all the same."""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from server.config import ServerConfig

if TYPE_CHECKING:  # the database stack is loaded by the commands that connect, not by every command
    from sqlalchemy.engine import Connection, Engine

_kept: ContextVar[dict[str, Engine] | None] = ContextVar("studydesk_kept_engines", default=None)
"""Inside ``one_run``: the Engines opened so far, by URL; None outside it (and in a thread the
command starts: a context of its own)."""


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
        for engine in engines.values():
            engine.dispose()


def kept_engine(config: ServerConfig) -> Engine | None:
    """The Engine this run opened for the site's database, if any."""
    kept = _kept.get()
    return kept.get(config.url) if kept is not None else None


@contextmanager
def connect(config: ServerConfig) -> Iterator[Connection]:
    """A connection to the site's database, brought to the newest revision first."""
    from server.storage.engine import create
    from server.storage.schema import bring_to_newest

    kept = _kept.get()
    engine = kept_engine(config)
    if engine is None:
        engine = create(config.url, pool_size=1)
    try:
        with engine.connect() as conn:
            bring_to_newest(conn)  # asked again on an engine this run opened before, all the same
            if kept is not None:
                kept[config.url] = engine  # disposed when the run ends
            yield conn
    finally:
        if kept is None or kept.get(config.url) is not engine:
            engine.dispose()


def os_user() -> str:
    """Who runs the command: the operating system's name for them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
