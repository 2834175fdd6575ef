"""The ``studydesk`` command run in-process, with a password typed on stdin, over a minimal site file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from client.cli import main as client_main


def site_file(tmp_path: Path, url: str) -> Path:
    """A site file naming only the server (no pinned publisher keys)."""
    p = tmp_path / "site.toml"
    p.write_text(f'[server]\nurl = "{url}"\n', encoding="utf-8")
    return p


def run_client(monkeypatch: pytest.MonkeyPatch, *argv: str, password: str = "pass-word") -> int:
    """``studydesk ARGV`` with ``password`` as the line read from stdin; returns its exit code."""
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return client_main(list(argv))
