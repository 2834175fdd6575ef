"""Commands speak the site's language: Chinese unless the site file or --lang says otherwise."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.zygote import run_module


def _studydesk(tmp_path: Path, *args: str, lang: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STUDYDESK_LANG"}
    if lang:
        env["STUDYDESK_LANG"] = lang
    return run_module("client.cli", ["--data", str(tmp_path / "data"), *args], env=env, timeout=60)


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


def _zh_site(tmp_path: Path, extra: str = "") -> Path:
    site = tmp_path / "site-zh.toml"
    site.write_text(f'[server]\nurl = "http://127.0.0.1:9"\n\n[ui]\nlanguage = "zh_CN"\n{extra}', encoding="utf-8")
    return site


def test_help_and_usage_errors_speak_the_run_language(tmp_path: Path) -> None:
    site = _zh_site(tmp_path)
    zh = _studydesk(tmp_path, "--site", str(site), "--help", lang=None)
    assert zh.returncode == 0
    assert zh.stdout.startswith("用法：studydesk") and "选项" in zh.stdout and "显示此帮助信息并退出" in zh.stdout
    assert "列出分配给我的课程和我的学习进度" in zh.stdout and "list my assigned courses" not in zh.stdout
    en = _studydesk(tmp_path, "--site", str(site), "--lang", "en", "--help", lang=None)
    assert en.stdout.startswith("usage: studydesk") and "list my assigned courses and my progress" in en.stdout
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in en.stdout)
    assert _studydesk(tmp_path, "--site", str(site), "--help", lang="en").stdout == en.stdout

    sub = _studydesk(tmp_path, "--site", str(site), "download", "--help", lang=None)
    assert "课程编号" in sub.stdout and "用法：studydesk download" in sub.stdout
    missing = _studydesk(tmp_path, "--site", str(site), "download", lang=None)
    assert missing.returncode == 2 and "studydesk download：错误：缺少以下参数：course" in missing.stderr
    bad = _studydesk(tmp_path, "--site", str(site), "download", "x", "--version", "v2", lang=None)
    assert bad.returncode == 2 and "参数 --version：无效的 int 值：'v2'" in bad.stderr
    assert "Traceback" not in missing.stderr + bad.stderr


def test_site_check_details_and_self_check_speak_the_run_language(tmp_path: Path) -> None:
    site = _zh_site(tmp_path, '\n[publisher]\nkeys = []\n')
    zh = _studydesk(tmp_path, "--site", str(site), "site-check", lang=None)
    assert zh.returncode == 1
    assert "服务器 http://127.0.0.1:9，语言 zh_CN" in zh.stdout and "列表为空" in zh.stdout
    assert "server http" not in zh.stdout and "the list is empty" not in zh.stdout
    en = _studydesk(tmp_path, "site-check", "--site", str(site), "--lang", "en", lang=None)
    assert "server http://127.0.0.1:9, language zh_CN" in en.stdout and "the list is empty" in en.stdout
    absent = _studydesk(tmp_path, "site-check", "--site", str(tmp_path / "absent.toml"), lang="zh_CN")
    assert f"{tmp_path / 'absent.toml'} 不存在" in absent.stdout

    check = _studydesk(tmp_path, "self-check", "--site", str(tmp_path / "absent.toml"), lang="zh_CN")
    assert check.returncode == 1
    assert "[FAIL] 站点配置文件: site_missing" in check.stdout and "自检" in check.stdout
    assert "Site file" not in check.stdout and "Self-check failed" not in check.stdout
