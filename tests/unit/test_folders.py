"""The one lookup of StudyDesk's folders: environment overrides first, then the platform's place."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from client.paths import default_data_root
from server.config import default_data_dir
from sync.site.config import default_site_paths
from sync.storage.folders import data_dir, machine_config_dir, user_data_dir

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG layout is Linux's")


def test_environment_overrides_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STUDYDESK_DATA", str(tmp_path / "client"))
    monkeypatch.setenv("STUDYDESK_SERVER_DATA", str(tmp_path / "server"))
    monkeypatch.setenv("STUDYDESK_SITE", str(tmp_path / "site.toml"))
    assert default_data_root() == tmp_path / "client"
    assert default_data_dir() == tmp_path / "server"
    assert default_site_paths()[0] == tmp_path / "site.toml"


@linux_only
def test_user_data_follows_xdg_data_home_then_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("STUDYDESK_DATA", "STUDYDESK_SERVER_DATA", "STUDYDESK_DEMO_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_root() == tmp_path / "xdg" / "studydesk"
    assert default_data_dir() == tmp_path / "xdg" / "studydesk-server"
    assert data_dir("STUDYDESK_DEMO_DIR", "-demo") == tmp_path / "xdg" / "studydesk-demo"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_data_dir() == tmp_path / "home" / ".local" / "share" / "studydesk"


@linux_only
def test_the_site_file_is_looked_for_in_etc_then_beside_the_program(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUDYDESK_SITE", raising=False)
    assert machine_config_dir() == Path("/etc/studydesk")
    assert default_site_paths() == [Path("/etc/studydesk/site.toml"),
                                    Path(sys.executable).resolve().parent / "site.toml"]
