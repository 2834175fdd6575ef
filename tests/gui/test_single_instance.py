"""One window per data root: a second start brings the first forward and exits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from client.single_instance import SingleInstance, server_name
from tests.support.qt_child import run_app


def test_second_claim_on_the_same_root_activates_the_first(qtbot, tmp_path: Path):
    first = SingleInstance(tmp_path / "root")
    assert first.claim()
    try:
        with qtbot.waitSignal(first.activation_requested, timeout=5000):
            assert SingleInstance(tmp_path / "root").claim() is False
        other = SingleInstance(tmp_path / "other-root")
        assert other.claim()  # another data folder is another instance
        other.close()
    finally:
        first.close()
    assert server_name(tmp_path / "root") != server_name(tmp_path / "other-root")


def test_a_second_studydesk_process_exits_and_the_first_keeps_running(tmp_path: Path):
    site = tmp_path / "site.toml"
    site.write_text('[server]\nurl = "http://127.0.0.1:9"\n', encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", STUDYDESK_STARTUP_MARK="1")
    args = ["--data", str(tmp_path / "data"), "--site", str(site)]
    first = subprocess.Popen([sys.executable, "-m", "client.cli", *args], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = first.stdout.readline()  # waits for the first window to be shown
        assert line.startswith("STUDYDESK_FIRST_SHOWN"), first.stderr.read() if first.poll() is not None else line
        started = time.monotonic()
        second = run_app(args, env=env, timeout=60)
        assert second.returncode == 0
        assert "already running" in second.stdout
        assert time.monotonic() - started < 30
        # The message follows the site's language ([ui] language defaults to Chinese) without STUDYDESK_LANG
        site_language = {k: v for k, v in env.items() if k != "STUDYDESK_LANG"}
        chinese = run_app(args, env=site_language, timeout=60)
        assert chinese.returncode == 0
        assert "学习桌已在使用此数据文件夹" in chinese.stdout and "already running" not in chinese.stdout
        assert first.poll() is None
    finally:
        first.terminate()
        first.wait(20)
