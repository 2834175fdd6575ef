"""The child process of tests/gui/test_player_window_xvfb.py, ``children(WORK, VIDEO, SHOTS,
"LANGUAGE:TEXT_SIZE,...")`` in a Qt child (tests.support.qt_child) on an X display
(QT_QPA_PLATFORM=xcb): for each language and text size in turn, a player window playing a real
lesson through VLC, then the course page, each grabbed from the screen, and one
``RESULT LANGUAGE:TEXT_SIZE {json}`` line with what it saw. English, which installs no translation,
comes first: a translation installed for a run stays installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

LESSON_S = 9.0
"""The lesson video's length: the shots are taken once 3 s are credited, with time to spare."""


def child(work: str, video_file: str, shots: str, language: str, text_size: str) -> None:
    """Play ``video_file`` as a lesson in the window, grab the screen into ``shots``, print the credit
    as ``RESULT {json}``."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from client.i18n import Translator, ensure_built
    from client.tasks import Lanes
    from client.theme import Theme
    from client.windows.attention_dialog import AttentionDialog
    from client.windows.course_page import CoursePage
    from client.windows.player_window import PlayerWindow
    from client.workers.script_driver import save_screenshot
    from tests.support.lesson_env import DocSpec, LessonSpec, LocalProfile, install_course

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    Theme(app).apply(text_size)
    if language != "en":
        ensure_built()
        Translator(app).set_language(language)
    root = Path(work)
    tag = f"{language}_{text_size}"
    video = Path(video_file).read_bytes()
    course = install_course(root / "data", "c-xvfb", [
        LessonSpec("l1", "第一课 新时代新征程", video, LESSON_S),
        LessonSpec("l2", "第二课 全面从严治党", video[:5000], LESSON_S, present=False),
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
        save_screenshot(shot, Path(shots) / f"{name}_{tag}.png")
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

    def when_watched() -> None:
        # on a loaded machine VLC may take seconds to start: shoot once 3 s of the lesson are credited
        acc = window.bridge.accounting
        if acc is not None and acc.covered_s >= 3.0:
            move_mouse_over_video()
            QTimer.singleShot(1000, shoot_player)
        else:
            QTimer.singleShot(200, when_watched)

    QTimer.singleShot(1000, when_watched)
    watchdog = QTimer()  # this run's: it goes with the run
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(app.quit)
    watchdog.start(60000)
    app.exec()
    print(f"RESULT {language}:{text_size} " + json.dumps(result), flush=True)


def children(work: str, video_file: str, shots: str, runs: str) -> None:
    """``child`` for each ``LANGUAGE:TEXT_SIZE`` of the comma-separated ``runs`` in turn, each in its own
    folder (course, profile) with new windows."""
    for run in runs.split(","):
        language, text_size = run.split(":")
        folder = Path(work) / f"{language}-{text_size}"
        folder.mkdir(parents=True, exist_ok=True)
        child(str(folder), video_file, shots, language, text_size)
