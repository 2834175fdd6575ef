"""The player window on the small office screens it is used on (1366x768 and 1024x768), in zh_CN
at 标准 and 特大, under a real X server (Xvfb) with the real VLC drawing a real generated video.

One child process per screen plays a lesson from its start to its end at each text size in turn
(a new window for each, made after the text size is applied) and takes a screenshot at each
moment a learner must understand: playing; a jump ahead refused (the red
warning, and no tooltip over it); paused because another window came to the front (and why);
the end of the lesson (本节已完成, 下一课). It also opens the 导出学习记录 file dialog (Qt's own
widgets, in Chinese) and grabs it. Screenshots go to artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.qt_child import run_child
from tests.support.xvfb import TEXT_SIZES, app_env, screen_fixture  # noqa: F401  (the fixture screen)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]

LESSON_S = 6.0
"""Long enough for every moment above (2 s played, then a refused jump and a pause) and an end."""


@pytest.fixture(scope="module")
def lesson_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated lesson video for every screen and text size."""
    from tests.support.lesson_env import make_video

    return make_video(tmp_path_factory.mktemp("video") / "lesson.mp4", seconds=LESSON_S)


def child(work: str, video_file: str, screen_name: str, text_size: str) -> None:  # noqa: C901 (one scenario, step by step)
    """Runs in the child process (QT_QPA_PLATFORM=xcb): the scenario, then one RESULT line."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QToolTip, QWidget

    from client.file_dialogs import start_folder
    from client.i18n import Translator, ensure_built
    from client.tasks import Lanes
    from client.theme import Theme
    from client.windows.player_window import PlayerWindow
    from client.workers.script_driver import save_screenshot
    from tests.support.lesson_env import LessonSpec, LocalProfile, install_course

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    Theme(app).apply(text_size)
    ensure_built()
    Translator(app).set_language("zh_CN")
    root = Path(work)
    tag = f"zh_CN_{screen_name}_{text_size}"
    video = Path(video_file).read_bytes()
    course = install_course(root / "data", "c-screens", [
        LessonSpec("l1", "第一课 新时代新征程", video, LESSON_S),
        LessonSpec("l2", "第二课 全面从严治党", video, LESSON_S),
    ])
    profile, lanes = LocalProfile(root / "profile"), Lanes()
    window = PlayerWindow("c-screens", "l1", store=course.store, lanes=lanes, session=profile,
                          checkpoint_interval_s=1.0)
    window.move(0, 0)
    window.show()
    window.activateWindow()
    screen = app.primaryScreen().geometry()
    result: dict[str, object] = {"fits": window.frameGeometry().width() <= screen.width()
                                 and window.frameGeometry().height() <= screen.height()}
    other = QWidget()
    other.setWindowTitle("其他程序")
    other.setGeometry(screen.width() - 160, screen.height() - 60, 150, 50)
    next_asked: list[tuple[str, str]] = []
    window.next_lesson_requested.connect(lambda c, lesson: next_asked.append((c, lesson)))

    def shot(name: str) -> None:
        geo = window.frameGeometry()  # VLC's pixels are not in grab(): take them from the screen
        pixmap = app.primaryScreen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
        save_screenshot(pixmap, SHOTS / f"player-{name}_{tag}.png")

    def texts(widget: QWidget) -> list[str]:
        return [label.text() for label in widget.findChildren(QLabel) if label.isVisible()]

    steps: list[tuple[str, object]] = []
    deadline = [time.monotonic() + 120]

    def step(name: str, ready: object) -> None:
        steps.append((name, ready))

    acc = lambda: window.bridge.accounting  # noqa: E731

    def playing_shot() -> None:
        shot("1-playing")
        result["playing_notice"] = window.controls.notice_label.isVisible()

    def refuse() -> None:
        a = acc()
        assert a is not None
        window.controls.seek_slider.request_seek(int(a.duration_s * 1000) - 1000)

    def warning_shot() -> None:
        result["warning"] = window.controls.message_label.text() if window.controls.warning_shown else ""
        result["tooltip_over_warning"] = QToolTip.isVisible()
        shot("2-seek-warning")

    def hide_behind() -> None:
        other.show()
        other.raise_()
        other.activateWindow()

    def paused_shot() -> None:
        result["paused_notice"] = window.controls.notice_label.text()
        shot("3-paused-other-window")
        other.hide()
        window.activateWindow()

    def finished_shot() -> None:
        a = acc()
        assert a is not None
        result["covered_s"], result["duration_s"] = a.covered_s, a.duration_s
        result["credit"] = window.controls.credit_label.text()
        result["finished_texts"] = texts(window.video.finished)
        result["next_button"] = window.video.next_button.text() if window.video.next_button.isVisible() else ""
        shot("4-lesson-complete")
        window.video.next_button.click()
        result["next_asked"] = next_asked

    def file_dialog_shot() -> None:
        dialog = QFileDialog(window, "导出学习记录", start_folder())
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("记录文件 (*.json)")
        dialog.selectFile("studydesk-records.json")
        dialog.resize(min(760, screen.width()), min(480, screen.height()))
        dialog.move(0, 0)
        dialog.show()

        def grab() -> None:
            geo = dialog.frameGeometry()
            save_screenshot(app.primaryScreen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height()),
                            SHOTS / f"file-dialog_{tag}.png")
            result["dialog_labels"] = texts(dialog)
            result["dialog_folder"] = dialog.directory().absolutePath()
            result["start_folder"] = start_folder()
            dialog.close()
            window.close()
            lanes.db.when_idle(lambda: QTimer.singleShot(200, app.quit))

        QTimer.singleShot(800, grab)

    step("wait", lambda: (a := acc()) is not None and a.covered_s >= 2.0)
    step("do", playing_shot)
    step("do", refuse)
    step("wait", lambda: window.controls.warning_shown)
    step("sleep", 0.5)
    step("do", warning_shot)
    step("do", hide_behind)
    step("wait", lambda: not window.bridge.playing and window.controls.notice_label.isVisible())
    step("sleep", 0.5)
    step("do", paused_shot)
    step("wait", lambda: window.bridge.playing)
    step("wait", lambda: window.video.currentWidget() is window.video.finished)
    step("sleep", 0.5)
    step("do", finished_shot)
    step("do", file_dialog_shot)

    wake = [0.0]

    def run() -> None:
        if time.monotonic() > deadline[0]:
            result["timed_out_at"] = steps[0][0] if steps else "?"
            app.quit()
            return
        while steps:
            kind, what = steps[0]
            if kind == "wait" and not what():  # type: ignore[operator]
                return
            if kind == "sleep":
                if not wake[0]:
                    wake[0] = time.monotonic() + float(what)  # type: ignore[arg-type]
                if time.monotonic() < wake[0]:
                    return
                wake[0] = 0.0
            if kind == "do":
                what()  # type: ignore[operator]
            steps.pop(0)

    timer = QTimer()
    timer.timeout.connect(run)
    timer.start(100)
    app.exec()
    print(f"RESULT {text_size} " + json.dumps(result, ensure_ascii=False), flush=True)


def children(work: str, video_file: str, screen_name: str, text_sizes: str) -> None:
    """Runs in the child process: the scenario at each of the comma-separated ``text_sizes`` in turn,
    each in its own folder (course, profile) with a new window."""
    for text_size in text_sizes.split(","):
        folder = Path(work) / text_size
        folder.mkdir(parents=True, exist_ok=True)
        child(str(folder), video_file, screen_name, text_size)




def test_player_on_small_screens_in_chinese(screen: tuple[str, str], lesson_video: Path, tmp_path: Path) -> None:
    name, display = screen
    SHOTS.mkdir(parents=True, exist_ok=True)
    home = tmp_path / "home"
    home.mkdir()
    env = app_env(display, HOME=str(home))
    proc = run_child(children, str(tmp_path), str(lesson_video), name, ",".join(TEXT_SIZES), env=env, timeout=400)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr
    results = dict(line[len("RESULT "):].split(" ", 1) for line in lines)
    assert sorted(results) == sorted(TEXT_SIZES), proc.stdout
    for text_size in TEXT_SIZES:
        check_screen(name, text_size, home, json.loads(results[text_size]))


def check_screen(name: str, text_size: str, home: Path, result: dict[str, Any]) -> None:
    """What one text size's scenario saw on the screen ``name``."""
    assert "timed_out_at" not in result, result
    assert result["fits"] is True
    assert result["playing_notice"] is False
    assert "不允许快进" in result["warning"] and result["tooltip_over_warning"] is False
    assert "其他窗口" in result["paused_notice"]
    # the whole lesson was played: all of it is credited, 100%, and the end says so
    assert result["covered_s"] == pytest.approx(result["duration_s"], abs=0.05), result
    assert "（100%）" in result["credit"]
    assert "本节已完成" in result["finished_texts"]
    assert any("下一课：第二课 全面从严治党" in t for t in result["finished_texts"])
    assert result["next_button"] == "下一课"
    assert result["next_asked"] == [["c-screens", "l2"]]
    # Qt's file dialog speaks Chinese and opens in the home folder (no USB stick here)
    labels = " ".join(result["dialog_labels"])
    assert "查找范围" in labels and "文件类型" in labels, labels
    assert "Look in" not in labels and "Files of type" not in labels
    assert Path(result["dialog_folder"]) == home == Path(result["start_folder"])
    tag = f"zh_CN_{name}_{text_size}"
    for shot in ("player-1-playing", "player-2-seek-warning", "player-3-paused-other-window",
                 "player-4-lesson-complete", "file-dialog"):
        assert (SHOTS / f"{shot}_{tag}.png").stat().st_size > 5000, shot
