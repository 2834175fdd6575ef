"""Under a real X server (Xvfb): VLC draws the real video INTO the player window (set_xwindow
on the video surface's native window), the credit counts, and screenshots of the player and
the course page are saved under artifacts/screenshots/ (zh_CN and en) for people to look at.

The window runs in a child process with QT_QPA_PLATFORM=xcb (this test process is offscreen).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


def _free_display() -> int:
    for n in range(120, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


@pytest.fixture
def xvfb() -> str:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    display = f":{_free_display()}"
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{display[1:]}").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip("Xvfb did not start")
            time.sleep(0.05)
        yield display
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def child(work: str, language: str, text_size: str) -> None:
    """Runs in the child process: play a lesson in the window, grab the screen, report the credit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from client.i18n import Translator, ensure_built
    from client.tasks import Lanes
    from client.theme import Theme
    from client.windows.attention_dialog import AttentionDialog
    from client.windows.course_page import CoursePage
    from client.windows.player_window import PlayerWindow
    from tests.support.lesson_env import DocSpec, LessonSpec, LocalProfile, install_course, make_video

    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    Theme(app).apply(text_size)
    if language != "en":
        ensure_built()
        Translator(app).set_language(language)
    root = Path(work)
    tag = f"{language}_{text_size}"
    video = make_video(root / "lesson.mp4", seconds=12.0).read_bytes()
    course = install_course(root / "data", "c-xvfb", [
        LessonSpec("l1", "第一课 新时代新征程", video, 12.0),
        LessonSpec("l2", "第二课 全面从严治党", video[:5000], 12.0, present=False),
    ], [DocSpec("d1", "学习辅导材料", b"%PDF-1.4\n%%EOF\n", filename="辅导材料.pdf")])
    profile, lanes = LocalProfile(root / "profile"), Lanes()
    window = PlayerWindow("c-xvfb", "l1", store=course.store, lanes=lanes, session=profile,
                          checkpoint_interval_s=1.0)
    window.resize(1024, 680)
    window.move(0, 0)
    window.show()
    window.activateWindow()
    result: dict = {}

    def screen_shot(name: str, width: int, height: int):
        shot = app.primaryScreen().grabWindow(0, 0, 0, width, height)  # VLC's pixels are not in grab()
        shot.save(str(SHOTS / f"{name}_{tag}.png"))
        return shot

    def shoot_player() -> None:
        acc = window.bridge.accounting
        result["covered_s"] = acc.covered_s if acc else None
        result["state"] = window.bridge.state
        result["native"] = window._native_handle is not None
        img = screen_shot("player", 1024, 680).toImage()
        surface = window.video.surface.geometry()
        colours = {img.pixel(surface.x() + surface.width() * i // 8, surface.y() + surface.height() // 2)
                   for i in range(1, 8)}
        result["distinct_colours_in_video"] = len(colours)
        dialog = AttentionDialog(window)
        dialog.show()
        QTimer.singleShot(500, lambda: (screen_shot("attention", 1024, 680), dialog.close(), window.close(),
                                        lanes.db.when_idle(show_page)))

    def show_page() -> None:
        page = CoursePage("c-xvfb", store=course.store, lanes=lanes, session=profile,
                          open_lesson=lambda c, lesson: None)
        page.resize(1000, 640)
        page.move(0, 0)
        page.loaded.connect(lambda: QTimer.singleShot(500, lambda: shoot_page(page)))
        page.show()

    def shoot_page(page: CoursePage) -> None:
        result["page_status"] = page.lesson_status["l1"].text()
        result["page_ratio"] = page.lesson_bars["l1"].covered_ratio
        screen_shot("course_page", 1000, 640)
        lanes.db.when_idle(lambda: QTimer.singleShot(100, app.quit))

    def move_mouse_over_video() -> None:
        # A real X pointer motion over VLC's video window must reach the idle check (VLC's own
        # mouse handling is off), or the attention check would fire on someone watching.
        if shutil.which("xdotool") is None:
            return
        before = window._last_activity
        centre = window.video.surface.mapToGlobal(window.video.surface.rect().center())
        for dx in (0, 40):
            subprocess.run(["xdotool", "mousemove", str(centre.x() + dx), str(centre.y())], check=False, timeout=10)
        QTimer.singleShot(300, lambda: result.__setitem__("activity_seen", window._last_activity > before))

    QTimer.singleShot(3500, move_mouse_over_video)
    QTimer.singleShot(6000, shoot_player)
    QTimer.singleShot(40000, app.quit)
    app.exec()
    print("RESULT " + json.dumps(result), flush=True)


@pytest.mark.parametrize(("language", "text_size"), [("zh_CN", "normal"), ("en", "normal"), ("zh_CN", "xlarge")])
def test_video_is_embedded_and_screenshots_saved(xvfb: str, tmp_path: Path, language: str, text_size: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": xvfb}
    code = f"from tests.gui.test_player_window_xvfb import child; child({str(tmp_path)!r}, {language!r}, {text_size!r})"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=90)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout + proc.stderr
    result = json.loads(lines[-1][len("RESULT "):])
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
