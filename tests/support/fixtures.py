"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.media import MediaFactory
from tests.support.server_process import ServerProcess
from tests.support.xvfb import xvfb_display


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A fresh real server process with its own data folder."""
    proc = ServerProcess(tmp_path / "server-data").start()
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
