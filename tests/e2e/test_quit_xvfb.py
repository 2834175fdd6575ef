"""Quitting with Ctrl+Q while a course page and the player are open: the real ``studydesk`` under
Xvfb, real key presses (xdotool) into the main window or into the player, and not one traceback
on the command line. The lesson's credit is saved before the app ends."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.shell_env import DEMO_COURSE_ID, PASSWORD, REPO, ShellEnv, zhangsan_server
from tests.support.xvfb import app_env

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ShellEnv]:
    with zhangsan_server(tmp_path) as env:
        env.assign(DEMO_COURSE_ID, "zhangsan", required=True, due="2030-06-30")
        yield env


@pytest.mark.parametrize("window", ["main", "player"])
def test_ctrl_q_with_course_page_and_player_open_quits_without_a_traceback(xvfb, env, tmp_path, window):
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed")
    steps = [
        {"do": "sign_in", "username": "zhangsan", "password": PASSWORD},
        {"do": "wait_courses", "course": DEMO_COURSE_ID},
        {"do": "download", "course": DEMO_COURSE_ID, "timeout": 120},
        {"do": "open_course", "course": DEMO_COURSE_ID},
        {"do": "play", "lesson": "lesson-1", "min_credit_s": 2.0, "timeout": 90},
        {"do": "keys", "window": window, "keys": "ctrl+q", "seconds": 30},
        {"do": "wait", "seconds": 0},  # never reached: Ctrl+Q ends the app first
    ]
    script = tmp_path / "script.json"
    script.write_text(json.dumps(steps, ensure_ascii=False), encoding="utf-8")
    run_env = app_env(xvfb, STUDYDESK_TEST_SCRIPT=str(script))
    run_env.pop("STUDYDESK_LOG_LEVEL", None)
    proc = subprocess.run([sys.executable, "-m", "client.cli", "--data", str(env.data_root), "--site",
                           str(env.site_path)], env=run_env, capture_output=True, text=True, timeout=280, cwd=REPO)
    out, err = proc.stdout, proc.stderr
    assert " play ok " in out, out + err[-3000:]
    assert "SCRIPT done" not in out and " keys " not in out, out  # the app ended during the key step
    assert proc.returncode == 0, out + err[-3000:]
    assert "Traceback" not in err and "RuntimeError" not in err, err

    # the player saved its final checkpoint on the way out
    from sync.account.profile_db import open_profile_db
    from sync.records.progress import load_progress

    profiles = [p for p in (env.data_root / "profiles").iterdir() if p.is_dir()]
    conn = open_profile_db(profiles[0])
    try:
        progress = load_progress(conn, DEMO_COURSE_ID).get("lesson-1")
    finally:
        conn.close()
    assert progress is not None and progress.covered_s >= 2.0
