"""The ``studydesk-server`` subcommands, one module each (see server.cli), and what they share:
the site named on the command line and a connection to its database."""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from server.config import ServerConfig

if TYPE_CHECKING:  # the database stack is loaded by the commands that connect, not by every command
    from sqlalchemy.engine import Connection


def site(args: argparse.Namespace) -> ServerConfig:
    """The data folder (--data) and database (--database) the command line names."""
    return ServerConfig(args.data, database_url=args.database)


@contextmanager
def connect(config: ServerConfig) -> Iterator[Connection]:
    """A connection to the site's database, brought to the newest revision first."""
    from server.storage.schema import open_database

    engine = open_database(config.url, pool_size=1)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def os_user() -> str:
    """Who runs the command: the operating system's name for them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
