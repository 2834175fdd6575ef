"""End to end: the real ``studydesk`` under Xvfb, driven through its widgets by a JSON script.

Sign in, download the demo course, watch a lesson for 5 s in the embedded VLC player, see
the credit in 我的学习, sync, and find the record in the server's transcript. Screenshots
of sign-in, my courses, the course page, the player and settings, in zh_CN and en, go to
``artifacts/screenshots/`` (git-ignored; a curated set is committed in docs/screenshots/).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.qt_child import run_app
from tests.support.shell_env import DEMO_COURSE_ID, PASSWORD, REPO, ShellEnv, zhangsan_server
from tests.support.xvfb import app_env

SHOTS = REPO / "artifacts" / "screenshots"
pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ShellEnv]:
    with zhangsan_server(tmp_path) as env:
        env.assign(DEMO_COURSE_ID, "zhangsan", required=True, due="2030-06-30")
        env.assign("rule-of-law", "zhangsan", required=False, due="2024-03-31", title="依法行政专题",
                   credit_hours=2)
        yield env


def script(shots: Path) -> list[dict[str, object]]:
    def shot(name: str) -> dict[str, object]:
        return {"do": "screenshot", "path": str(shots / name)}

    course = DEMO_COURSE_ID
    return [
        {"do": "wait", "seconds": 1}, shot("zh_CN-1-sign-in.png"),
        {"do": "sign_in", "username": "zhangsan", "password": PASSWORD},
        {"do": "wait_courses", "course": course}, shot("zh_CN-2-my-courses.png"),
        {"do": "download", "course": course, "timeout": 120},
        {"do": "open_course", "course": course}, shot("zh_CN-3-course-page.png"),
        {"do": "play", "lesson": "lesson-1", "min_credit_s": 5.0, "screenshot": str(shots / "zh_CN-4-player.png"),
         "timeout": 90},
        {"do": "close_player"},
        {"do": "back", "course": course},
        {"do": "expect_coverage", "course": course, "min": 0.05},
        {"do": "sync", "timeout": 60}, shot("zh_CN-5-my-courses-after-study.png"),
        {"do": "settings_screenshot", "path": str(shots / "zh_CN-6-settings.png")},
        {"do": "language", "language": "en"}, shot("en-2-my-courses.png"),
        {"do": "open_course", "course": course}, shot("en-3-course-page.png"),
        {"do": "play", "lesson": "lesson-2", "seconds": 2, "screenshot": str(shots / "en-4-player.png"),
         "timeout": 60},
        {"do": "close_player"},
        {"do": "back", "course": course},
        {"do": "settings_screenshot", "path": str(shots / "en-6-settings.png")},
        {"do": "switch_user"}, shot("en-1-sign-in.png"),
        {"do": "language", "language": "zh_CN"},
        {"do": "text_size", "size": "xlarge"}, shot("zh_CN-7-sign-in-extra-large-text.png"),
        {"do": "quit"},
    ]


def test_sign_in_download_watch_sync_and_transcript(xvfb, env, tmp_path):
    shots = SHOTS
    shots.mkdir(parents=True, exist_ok=True)
    steps = tmp_path / "script.json"
    steps.write_text(json.dumps(script(shots), ensure_ascii=False), encoding="utf-8")
    run_env = app_env(xvfb, STUDYDESK_TEST_SCRIPT=str(steps), STUDYDESK_DATA=str(env.data_root))
    run_env.pop("STUDYDESK_LOG_LEVEL", None)
    proc = run_app(["--data", str(env.data_root), "--site", str(env.site_path)], env=run_env,
                      timeout=280, cwd=REPO)
    out = proc.stdout
    (tmp_path / "app.log").write_text(out + "\n--- stderr ---\n" + proc.stderr, encoding="utf-8")
    assert "fail" not in " ".join(line for line in out.splitlines() if line.startswith("STEP")), out + proc.stderr
    assert "STEP" in out and proc.returncode == 0, out + proc.stderr[-3000:]
    coverage = next(line for line in out.splitlines() if " expect_coverage ok " in line)
    assert float(coverage.split()[-1]) > 0

    # the record reached the server: its transcript credits about 5 s of lesson 1
    token = requests.post(f"{env.server.url}/api/auth/login", json={"username": "zhangsan", "password": PASSWORD},
                          timeout=10).json()["access_token"]
    transcript = requests.get(f"{env.server.url}/api/transcript", headers={"Authorization": f"Bearer {token}"},
                              timeout=10).json()
    course = next(c for c in transcript["courses"] if c["course_id"] == DEMO_COURSE_ID)
    lesson = next(x for x in course["lessons"] if x["lesson_id"] == "lesson-1")
    played = float(next(line for line in out.splitlines() if " play ok " in line).split()[-1])
    assert played >= 5.0
    assert 5.0 <= lesson["credited_s"] <= played + 2.0, transcript  # the close adds at most a moment
    for name in ("zh_CN-1-sign-in", "zh_CN-2-my-courses", "zh_CN-3-course-page", "zh_CN-4-player",
                 "zh_CN-6-settings", "en-1-sign-in", "en-2-my-courses", "en-3-course-page", "en-4-player",
                 "en-6-settings"):
        assert (shots / f"{name}.png").stat().st_size > 5000, name
