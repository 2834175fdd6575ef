"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.media import MediaFactory
from tests.support.postgres import Cluster, from_environment
from tests.support.server_process import ServerProcess
from tests.support.xvfb import xvfb_display

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``databases`` that uses the ``database`` fixture (directly or through
    ``server``) runs once on SQLite and once on PostgreSQL, with ids ``sqlite`` and ``postgresql``."""
    if "database" in metafunc.fixturenames and metafunc.definition.get_closest_marker("databases"):
        metafunc.parametrize("database", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """The test PostgreSQL (tests/support/postgres.py): $STUDYDESK_TEST_POSTGRES_URL's, else one
    started for this test process and stopped at its end. Not installed: the test is skipped
    (a failure under CI=true, tests/support/ci_strict.py)."""
    shared = from_environment()
    if shared is not None:
        yield shared
        return
    try:
        cluster = Cluster.start()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str | None:
    """The server's database: None for the SQLite file in its data folder (the default), or the URL
    of a fresh PostgreSQL database at the newest revision (tests marked ``databases``), an empty one
    for a test marked ``new_database``."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        return None
    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    return cluster.empty_database() if request.node.get_closest_marker("new_database") else cluster.fresh_database()


@pytest.fixture
def server(tmp_path: Path, database: str | None, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """A fresh real server process with its own data folder (and database). Its database starts as a
    copy of a migrated one, except in a test marked ``new_database``: there the server makes it."""
    proc = ServerProcess(tmp_path / "server-data", database_url=database,
                         from_template=request.node.get_closest_marker("new_database") is None).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def test_keyring(tmp_path: Path) -> Iterator[object]:
    """A real keyrings.alt EncryptedKeyring, file in tmp_path, unlocked up front with a test
    password so it never prompts (the conftest names the same backend in PYTHON_KEYRING_BACKEND;
    it needs pycryptodomex). StudyDesk only uses this backend once it is unlocked like this."""
    from keyrings.alt.file import EncryptedKeyring

    kr = EncryptedKeyring()
    kr.file_path = str(tmp_path / "keyring" / "crypted_pass.cfg")  # type: ignore[misc]
    kr.keyring_key = "test keyring password"  # type: ignore[misc]
    yield kr


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> MediaFactory:
    """Real media files made with ffmpeg, once per test run (tests/support/media.py). Parallel
    workers share them: each worker's temp folder sits in the run's own temp folder."""
    base = tmp_path_factory.getbasetemp()
    is_worker = hasattr(request.config, "workerinput")
    return MediaFactory((base.parent if is_worker else base) / "media")


@pytest.fixture
def xvfb() -> Iterator[str]:
    """The ``:N`` display of a private Xvfb server (1366x768, 24-bit) that lives for one test."""
    with xvfb_display() as display:
        yield display
