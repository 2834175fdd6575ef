"""The test servers forked from a zygote (tests/support/zygote.py) are real processes of their own:
children of the test process, with their own exit status, killed by SIGKILL, their CPU time
counted in the test process's children's; what a fork cannot honour starts a new interpreter."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path

import psutil
import pytest
import requests

from server.config import ServerConfig
from server.users import check_password
from tests.support.server_process import ServerProcess, migrated_sqlite
from tests.support.zygote import SWITCH_ENV, Forked, run_module

pytestmark = pytest.mark.skipif(os.environ.get(SWITCH_ENV) == "0", reason=f"{SWITCH_ENV}=0: no zygote")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_a_forked_server_is_a_child_of_the_test_process_until_killed(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        proc = server.proc
        assert isinstance(proc, Forked)
        assert psutil.Process(proc.pid).ppid() == os.getpid()
        assert proc.pid != os.getpid() and proc.poll() is None
        before = _children_cpu()
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
        assert _children_cpu() > before  # its start-up's CPU time is now the test process's children's
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/api/health", timeout=5)
    finally:
        server.stop()


def test_a_forked_server_ends_with_its_own_status_and_log(tmp_path: Path) -> None:
    refused = ServerProcess(tmp_path / "data", workers=2)  # SQLite has one writer: serve exits 2
    with pytest.raises(RuntimeError, match="one worker"):
        refused.start()
    assert isinstance(refused.proc, Forked) and refused.proc.returncode == 2
    assert "--workers 2" in refused.log_path.read_text(encoding="utf-8")


def test_a_forked_server_stops_on_sigterm(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    proc = server.proc
    assert isinstance(proc, Forked)
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(0.2)  # still serving
    proc.terminate()
    # as a new interpreter ends: uvicorn shuts down gracefully, then dies of the signal it caught
    assert proc.wait(30) == -signal.SIGTERM


def test_an_interpreter_setting_gets_a_new_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONWARNINGS", "default")  # read only when an interpreter starts
    server = ServerProcess(tmp_path / "data").start()
    try:
        assert isinstance(server.proc, subprocess.Popen)
        assert requests.get(server.url + "/api/health", timeout=10).ok
    finally:
        server.stop()


def test_a_command_line_run_from_the_zygote_is_a_process_of_its_own(tmp_path: Path) -> None:
    """``run_module`` answers as ``subprocess.run`` does: the command's exit status, its stdout and
    stderr apart, its stdin, its environment and working folder, its CPU time the test process's
    children's; the test process's own streams and folder are left as they were."""
    before, folder = _children_cpu(), os.getcwd()
    env = {**os.environ, "STUDYDESK_LANG": "en"}
    done = run_module("client.cli", ["--site", str(tmp_path / "absent.toml"), "site-check"], env=env, cwd=tmp_path)
    assert done.args[1:3] == ["-m", "client.cli"]
    assert done.returncode == 1 and f"{tmp_path / 'absent.toml'}" in done.stdout and done.stderr == ""
    assert _children_cpu() > before and os.getcwd() == folder

    (tmp_path / "rules.toml").write_text("[credit]\nmethod = \"by_feel\"\n", encoding="utf-8")
    refused = run_module("server.cli", ["--data", ".", "rules", "check"], cwd=tmp_path)
    assert refused.returncode == 1 and refused.stdout == "" and "credit.method" in refused.stderr

    data = tmp_path / "site"
    data.mkdir()
    shutil.copyfile(migrated_sqlite(), ServerConfig(data).db_path)
    typed = run_module("server.cli", ["--data", str(data), "user", "add", "he", "--unit", "U", "--new-unit",
                                      "--password-stdin"], input="pass-word\n")
    assert typed.returncode == 0, typed.stderr
    with sqlite3.connect(ServerConfig(data).db_path) as db:
        (stored,) = db.execute("SELECT password_hash FROM users WHERE username = 'he'").fetchone()
    assert check_password("pass-word", stored)  # the password it read from its stdin


def test_a_command_line_with_an_interpreter_setting_gets_a_new_interpreter(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "default", "STUDYDESK_LANG": "en"}
    done = run_module("server.cli", ["--data", str(tmp_path), "rules", "show"], env=env)
    assert done.returncode == 0 and "the defaults" in done.stdout
