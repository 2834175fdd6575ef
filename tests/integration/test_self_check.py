"""`studydesk --self-check` from the source checkout (the frozen app's run is in test_installer.py):
every part found, and a clear failure with a reason when a part is missing or broken."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from client.self_check import check_vlc, sample_clip
from tests.support.media import MediaFactory
from tests.support.zygote import run_module

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SITE = ROOT / "installer" / "site.example.toml"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STUDYDESK_SITE"}
    return run_module("client.cli", args, cwd=ROOT, env=env)


def test_self_check_from_source_passes() -> None:
    done = _run("--self-check", "--site", str(EXAMPLE_SITE))
    assert done.returncode == 0, done.stdout + done.stderr
    for part in ("Qt (offscreen)", "Chinese font", "Chinese translation", "Video playback (VLC)", "Site file"):
        assert f"[OK  ] {part}" in done.stdout
    assert "played" in done.stdout and str(EXAMPLE_SITE) in done.stdout


def test_self_check_subcommand_names_a_missing_site_file(tmp_path: Path) -> None:
    done = _run("self-check", "--site", str(tmp_path / "nowhere.toml"))
    assert done.returncode == 1
    assert "[FAIL] Site file: site_missing" in done.stdout and "Self-check failed" in done.stdout


def test_vlc_check_fails_for_a_missing_or_corrupt_clip(media: MediaFactory, tmp_path: Path) -> None:
    assert sample_clip().stat().st_size < 50_000
    missing = check_vlc(tmp_path / "gone.mp4")
    assert not missing.ok and "missing" in missing.detail
    corrupt = check_vlc(media.corrupt())
    assert not corrupt.ok and "did not advance" in corrupt.detail
