"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server_process import ServerProcess


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A fresh real server process with its own data folder."""
    proc = ServerProcess(tmp_path / "server-data").start()
    try:
        yield proc
    finally:
        proc.stop()
