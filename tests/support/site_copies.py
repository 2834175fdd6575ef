"""A server on a copy of a site built once per test process and backend.

Building a site through its real interfaces (people with scrypt password hashes, devices enrolled,
records and attempts sent through the API, courses published and sealed) often costs more CPU than
the test that reads it. ``copied_server`` builds the site named ``name`` the first time a test of
this process asks for it on a backend, on a real server that then stops, and gives every test a new
server on a copy of that data folder (and, on PostgreSQL, of its database, copied as a template):
the same site, as if restored from a backup, which the test may change as it likes. The server
brings any stored figures a copy lacks up to date by itself as it starts (server.person_year's
Refresher). Records keep the times they were made at: a copy used minutes later is minutes older.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.module_server import BACKENDS
from tests.support.postgres import Cluster
from tests.support.server_process import ServerProcess

__all__ = ["BACKENDS", "copied_server"]


@dataclass(frozen=True)
class _Built:
    data_dir: Path
    database_url: str | None
    answer: Any


_built: dict[tuple[str, str], _Built] = {}


def _built_site(name: str, backend: str, request: pytest.FixtureRequest, build: Callable[[ServerProcess, Path], Any],
                prepare: Callable[[Path], None] | None) -> _Built:
    if (name, backend) not in _built:
        folder = Path(tempfile.mkdtemp(prefix=f"studydesk-{name}-{backend}-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        database = None
        if backend == "postgresql":
            cluster: Cluster = request.getfixturevalue("postgres_cluster")
            database = cluster.fresh_database()
        proc = ServerProcess(folder / "server-data", database_url=database)
        if prepare is not None:
            prepare(proc.data_dir)
        proc.start()
        try:
            answer = build(proc, folder)
        finally:
            proc.stop()
        _built[name, backend] = _Built(proc.data_dir, database, answer)
    return _built[name, backend]


@contextmanager
def copied_server(request: pytest.FixtureRequest, folder: Path, name: str, build: Callable[[ServerProcess, Path], Any],
                  prepare: Callable[[Path], None] | None = None) -> Iterator[tuple[ServerProcess, Any]]:
    """A started server on a copy of the site ``name``, its data folder in ``folder``, on the backend
    ``request.param`` names (``sqlite`` without one), stopped when the block ends, and what ``build``
    answered. The site is made by ``prepare(data folder)`` before its server first starts (courses
    published, rules.toml written) and ``build(server, scratch folder)`` once it runs. A test module
    asks for one per test with ``@pytest.fixture(params=BACKENDS)``, or per module."""
    backend = getattr(request, "param", "sqlite")
    assert backend in BACKENDS, backend
    built = _built_site(name, backend, request, build, prepare)
    database = None
    if built.database_url is not None:
        cluster: Cluster = request.getfixturevalue("postgres_cluster")
        database = cluster.copy_database(built.database_url)
    shutil.copytree(built.data_dir, folder / "server-data")
    proc = ServerProcess(folder / "server-data", database_url=database).start()
    try:
        yield proc, built.answer
    finally:
        proc.stop()
