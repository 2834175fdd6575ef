"""Under a real X server (Xvfb): VLC draws the real video INTO the player window (set_xwindow
on the video surface's native window), the credit counts, and screenshots of the player and
the course page are saved under artifacts/screenshots/ (zh_CN and en) for people to look at.

The window runs in a child process with QT_QPA_PLATFORM=xcb (this test process is offscreen), one
for the three languages and text sizes, each with new windows.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.qt_child import run_child
from tests.support.xvfb import app_env
from tests.support.xvfb_player_child import children

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.fixture(scope="module")
def lesson_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated lesson video for every language and text size."""
    from tests.support.lesson_env import make_video
    from tests.support.xvfb_player_child import LESSON_S

    return make_video(tmp_path_factory.mktemp("video") / "lesson.mp4", seconds=LESSON_S)


RUNS = (("en", "normal"), ("zh_CN", "normal"), ("zh_CN", "xlarge"))
"""English first: it installs no translation (one installed for a later run stays installed)."""


def test_video_is_embedded_and_screenshots_saved(xvfb: str, lesson_video: Path, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = app_env(xvfb)
    runs = ",".join(f"{language}:{text_size}" for language, text_size in RUNS)
    proc = run_child(children, str(tmp_path), str(lesson_video), str(SHOTS), runs, env=env, timeout=240)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout + proc.stderr
    results = dict(line[len("RESULT "):].split(" ", 1) for line in lines)
    assert sorted(results) == sorted(runs.split(",")), proc.stdout
    for language, text_size in RUNS:
        check_run(language, text_size, json.loads(results[f"{language}:{text_size}"]))


def check_run(language: str, text_size: str, result: dict[str, Any]) -> None:
    """What the run in ``language`` at ``text_size`` saw."""
    assert result["native"] is True  # a real X11 window handle went to VLC
    assert result["covered_s"] is not None and result["covered_s"] >= 2.0
    assert result["distinct_colours_in_video"] >= 3  # the test pattern's colour bars, not a black box
    assert result["page_ratio"] > 0.1  # the course page shows what was just watched
    if shutil.which("xdotool"):
        assert result["activity_seen"] is True
    tag = f"{language}_{text_size}"
    assert (SHOTS / f"player_{tag}.png").stat().st_size > 10_000
    for name in ("attention", "course_page"):
        assert (SHOTS / f"{name}_{tag}.png").is_file()
