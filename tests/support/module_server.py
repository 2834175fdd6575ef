"""One real server process shared by several tests of a module, on SQLite or on PostgreSQL.

A server start costs about two CPU seconds, a site built on it (units, people, admins, records sent
through the API) as much again; a test that only reads, or that keeps to names and addresses of its
own, needs neither fresh. A module asks for one with a module-scoped fixture::

    @pytest.fixture(scope="module", params=BACKENDS)
    def shared_server(request, tmp_path_factory):
        with module_server(request, tmp_path_factory) as server:
            yield server

Its tests run once per backend (ids ``sqlite`` and ``postgresql``, as the ``databases`` marker's);
a test that runs on SQLite only says ``@pytest.mark.parametrize("shared_server", ["sqlite"],
indirect=True)`` and gets the same SQLite server. Tests that change what others read, or measure the
server's own state (its memory, its audit log from the start), keep the fresh ``server`` fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.fixtures import BACKENDS
from tests.support.postgres import Cluster
from tests.support.server_process import ServerProcess

__all__ = ["BACKENDS", "module_server"]


@contextmanager
def module_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                  prepare: Callable[[ServerProcess, Path], None] | None = None) -> Iterator[ServerProcess]:
    """A started server on the backend ``request.param`` names (a fresh PostgreSQL database from the
    session's cluster, or the SQLite file in its own data folder), stopped when the block ends.
    ``prepare(server, folder)`` runs before it starts (publishing courses into its data folder);
    ``folder`` is the module's own temporary folder, beside the data folder."""
    backend = getattr(request, "param", "sqlite")
    assert backend in BACKENDS, backend
    database = None
    if backend == "postgresql":
        cluster: Cluster = request.getfixturevalue("postgres_cluster")
        database = cluster.fresh_database()
    folder = tmp_path_factory.mktemp(f"shared-{backend}")
    proc = ServerProcess(folder / "server-data", database_url=database)
    if prepare is not None:
        prepare(proc, folder)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()
