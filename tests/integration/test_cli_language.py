"""Commands speak the site's language: Chinese unless the site file or --lang says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _studydesk(tmp_path: Path, *args: str, lang: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STUDYDESK_LANG"}
    if lang:
        env["STUDYDESK_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "client.cli", "--data", str(tmp_path / "data"), *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_a_failing_command_explains_itself_in_the_site_language(tmp_path: Path) -> None:
    site_en = tmp_path / "site-en.toml"
    site_en.write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    site_zh = tmp_path / "site-zh.toml"
    site_zh.write_text('[ui]\nlanguage = "zh_CN"\n', encoding="utf-8")

    zh = _studydesk(tmp_path, "--site", str(site_zh), "sync", lang=None)
    en = _studydesk(tmp_path, "--site", str(site_en), "sync", lang=None)
    forced = _studydesk(tmp_path, "--site", str(site_zh), "sync", lang="en")

    assert zh.returncode == en.returncode == forced.returncode == 1
    assert "请指定登录人员" in zh.stderr
    assert "请指定" not in en.stderr and "--user" in en.stderr
    assert forced.stderr == en.stderr
