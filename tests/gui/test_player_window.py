"""The player window against the real engines: VLC (headless output) playing a real generated
video, the real accounting, checkpoints saved on the SQLite lane into a real profile database.

Offscreen Qt has no native window, so VLC uses its dummy video output here; the embedded
picture is covered by the Xvfb test (test_player_window_xvfb.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt

from client.windows.player_window import PlayerWindow
from player.policy import PlayerPolicy
from tests.support.lesson_env import LessonSpec, install_course, make_video
from tests.support.player_window import env_fixture, open_window, player_course, saved, video_fixture  # noqa: F401

pytestmark = pytest.mark.slow


def test_plays_credits_live_checkpoints_on_close_and_resumes(env: dict, qtbot) -> None:
    window = open_window(env, qtbot)
    qtbot.waitUntil(lambda: window.bridge.accounting is not None and window.bridge.accounting.covered_s >= 2.5,
                    timeout=15000)
    assert "Credited for this lesson" in window.controls.credit_label.text()
    assert window.controls.coverage.covered_ratio > 0
    qtbot.waitUntil(lambda: window.saves_done >= 1, timeout=5000)  # periodic checkpoint
    window.close()
    qtbot.waitUntil(lambda: not env["lanes"].busy, timeout=10000)
    progress, records = saved(env)
    assert progress is not None
    assert progress.covered_s >= 2.5
    assert progress.position_s >= 2.5
    assert records and all(r["type"] == "watch" and r["lesson_id"] == "l1" for r in records)
    # each watch record names the course version it was watched under: the server credits against it
    assert {json.loads(r["body"]).get("version") for r in records} == {window.load.manifest.version}

    again = open_window(env, qtbot)
    qtbot.waitUntil(lambda: again.bridge.accounting is not None and again.bridge.state == "playing", timeout=15000)
    qtbot.waitUntil(lambda: again.bridge.backend.position_s() >= progress.position_s - 1.0, timeout=5000)
    assert again.bridge.accounting.covered_s >= progress.covered_s - 1e-6


def test_seek_ahead_is_refused_with_a_reason(env: dict, qtbot) -> None:
    window = open_window(env, qtbot)
    qtbot.waitUntil(lambda: window.bridge.state == "playing", timeout=15000)
    slider = window.controls.seek_slider
    with qtbot.waitSignal(slider.refused, timeout=2000) as refused:
        assert not slider.request_seek(7000)
    assert "skipping ahead" in refused.args[0]
    assert window.controls.message_label.text() == refused.args[0]
    assert window.bridge.backend.position_s() < 5.0
    qtbot.keyClick(window, Qt.Key.Key_Right)  # +10 s is ahead too
    assert window.bridge.backend.position_s() < 5.0
    assert window.seek_to(0.0)  # going back is always allowed


def test_rate_menu_is_capped_by_policy(env: dict, qtbot) -> None:
    window = open_window(env, qtbot, policy=PlayerPolicy(max_rate=1.25))
    qtbot.waitUntil(lambda: window.policy is not None, timeout=10000)
    assert window.controls.rates() == [0.75, 1.0, 1.25]
    window.controls.choose_rate(2.0)  # not offered, and refused if asked
    assert window.bridge.rate == 1.0
    window.controls.rate_menu.actions()[-1].trigger()
    assert window.bridge.rate == 1.25


def test_attention_check_stops_credit_until_answered(env: dict, qtbot) -> None:
    window = open_window(env, qtbot, policy=PlayerPolicy(attention_check_interval_s=1.5))
    qtbot.waitUntil(lambda: window.attention_dialog is not None, timeout=15000)
    acc = window.bridge.accounting
    assert not window.bridge.playing
    frozen = acc.covered_s
    qtbot.wait(1200)
    window.bridge.tick()
    assert acc.covered_s == frozen  # no credit while the check is open
    dialog = window.attention_dialog
    qtbot.keyClicks(dialog.input, dialog.number)
    qtbot.keyClick(dialog.input, Qt.Key.Key_Return)
    assert window.attention_dialog is None
    assert window.bridge.playing
    qtbot.waitUntil(lambda: acc.covered_s > frozen + 0.5, timeout=5000)


def test_minimizing_pauses_when_the_policy_says_so(env: dict, qtbot) -> None:
    window = open_window(env, qtbot)
    qtbot.waitUntil(lambda: window.bridge.state == "playing", timeout=15000)
    window.showMinimized()
    assert not window.bridge.playing
    window.showNormal()
    assert window.bridge.playing


def _problem_shown(window: PlayerWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: window.video.currentWidget() is window.video.problem, timeout=15000)
    assert window.video.download_button.isVisibleTo(window)
    assert window.bridge.accounting is None


def _nothing_saved(env: dict, window: PlayerWindow, qtbot, lesson: str) -> None:
    window.close()
    qtbot.waitUntil(lambda: not env["lanes"].busy, timeout=10000)
    progress, records = saved(env, lesson)
    assert progress is None and records == []


def test_missing_file_gets_a_message_a_download_offer_and_no_credit(env: dict, qtbot) -> None:
    window = open_window(env, qtbot, lesson="l2")
    _problem_shown(window, qtbot)
    assert "not on this PC" in window.video.problem_label.text()
    with qtbot.waitSignal(window.download_requested, timeout=1000) as asked:
        window.video.download_button.click()
    assert asked.args == ["c-player"]
    _nothing_saved(env, window, qtbot, "l2")


def test_unplayable_file_as_published_is_not_downloaded_again(env: dict, qtbot) -> None:
    window = open_window(env, qtbot, lesson="l3")  # not a video, but exactly what was published
    _problem_shown(window, qtbot)
    assert "damaged" in window.video.problem_label.text()
    window.video.download_button.click()
    qtbot.waitUntil(lambda: "exactly the published one" in window.video.problem_label.text(), timeout=10000)
    assert env["course"].store.has_blob(env["course"].blob_of["l3"])
    _nothing_saved(env, window, qtbot, "l3")


def test_file_damaged_on_disk_is_removed_and_downloaded_again(env: dict, qtbot) -> None:
    window = open_window(env, qtbot, lesson="l2")  # builds the course; then damage lesson 1 on disk
    course = env["course"]
    blob = course.blob_of["l1"]
    course.store.blob_path(blob).write_bytes(b"\0" * 4096)
    window.close()
    window = open_window(env, qtbot, lesson="l1")
    _problem_shown(window, qtbot)
    assert "damaged" in window.video.problem_label.text()
    with qtbot.waitSignal(window.download_requested, timeout=10000) as asked:
        window.video.download_button.click()
    assert asked.args == ["c-player"]
    assert not course.store.has_blob(blob)  # so the downloader fetches it again
    _nothing_saved(env, window, qtbot, "l1")


def _move_mouse(window: PlayerWindow) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    target = window.video.surface
    event = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(10, 10), QPointF(10, 10), Qt.MouseButton.NoButton,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, event)


def test_idle_timeout_asks_only_when_nobody_touches_the_window(env: dict, qtbot) -> None:
    window = open_window(env, qtbot, policy=PlayerPolicy(idle_timeout_s=2.0, attention_check_interval_s=0))
    qtbot.waitUntil(lambda: window.bridge.state == "playing", timeout=15000)
    for _ in range(7):  # 3.5 s of someone moving the mouse over the video
        _move_mouse(window)
        qtbot.wait(500)
    assert window.attention_dialog is None and window.bridge.playing
    qtbot.waitUntil(lambda: window.attention_dialog is not None, timeout=5000)  # hands off: asked
    assert window.bridge.accounting.attention_reason == "idle"


def test_another_window_taking_over_pauses(env: dict, qtbot) -> None:
    from PySide6.QtWidgets import QApplication, QWidget

    window = open_window(env, qtbot)
    qtbot.waitUntil(lambda: window.bridge.state == "playing", timeout=15000)
    window.activateWindow()
    qtbot.wait(200)
    if not window.isActiveWindow():
        pytest.skip(f"the {QApplication.platformName()} platform does not activate windows")
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.bridge.playing, timeout=3000)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.bridge.playing, timeout=3000)


def test_language_switch_retranslates_the_window(env: dict, qtbot, qapp) -> None:
    from client.i18n import Translator, ensure_built

    window = open_window(env, qtbot, lesson="l2")
    qtbot.waitUntil(lambda: window.video.currentWidget() is window.video.problem, timeout=15000)
    ensure_built()
    translator = Translator(qapp)
    assert translator.set_language("zh_CN")
    try:
        qtbot.waitUntil(lambda: window.video.download_button.text() == "重新下载", timeout=2000)
        assert "本机没有本节课的视频文件" in window.video.problem_label.text()
        assert window.controls.play_button.text() == "播放"
    finally:
        translator.set_language("en")
    qtbot.waitUntil(lambda: window.video.download_button.text() == "Download again", timeout=2000)


def test_keyboard_space_f11_esc_ctrl_w(env: dict, qtbot) -> None:
    window = open_window(env, qtbot, checkpoint_s=60.0)  # no periodic checkpoint in this test
    qtbot.waitUntil(lambda: window.bridge.state == "playing", timeout=15000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    saves = window.saves_done
    qtbot.wait(600)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.bridge.playing
    # pausing checkpoints at once: the save is the pause's (the periodic one is 60 s away), so the wait
    # may be as long as a loaded machine's database lane and disk need
    qtbot.waitUntil(lambda: window.saves_done > saves, timeout=15000)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.bridge.playing
    qtbot.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(window.isFullScreen, timeout=2000)
    assert not window.controls.rules_label.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not shiboken6.isValid(window), timeout=10000)  # closed, saved, then deleted
    progress, records = saved(env)
    assert progress is not None and records


def test_a_file_cut_short_is_reported_and_its_missing_part_never_credited(env: dict, tmp_path: Path, qtbot) -> None:
    whole = make_video(tmp_path / "faststart.mp4", seconds=8.0, faststart=True).read_bytes()
    env["course"] = install_course(env["root"] / "cut", "c-player",
                                   [LessonSpec("l1", "第一课", whole[: len(whole) // 2], 8.0)])
    window = open_window(env, qtbot)
    qtbot.waitUntil(lambda: window.error_code is not None, timeout=20000)
    assert window.error_code == "media_ended_early"
    assert "stops before its end" in window.video.problem_label.text()
    assert window.video.download_button.isVisibleTo(window)
    acc = window.bridge.accounting
    assert acc is not None and acc.covered_s < 6.0 and acc.position_s < 6.0
    window.close()
    qtbot.waitUntil(lambda: not env["lanes"].busy, timeout=10000)
    progress, _records = saved(env)
    assert progress is not None and progress.covered_s < 6.0 and progress.position_s < 6.0


def test_vlc_events_arrive_on_vlc_thread_and_reach_widgets_on_the_gui_thread(env: dict, qtbot) -> None:
    import threading

    from player.vlc_backend import VlcBackend

    vlc_threads: set[str] = set()
    gui_threads: set[str] = set()

    def factory(headless: bool):
        def make(on_event):
            def spy(event) -> None:  # runs on libvlc's thread, then hands over exactly as the app does
                vlc_threads.add(threading.current_thread().name)
                on_event(event)

            return VlcBackend(spy, headless=True, extra_args=("--no-mouse-events", "--no-keyboard-events"))

        return make

    env["course"] = player_course(env["root"] / "threads", env["video"], PlayerPolicy())
    window = PlayerWindow("c-player", "l1", store=env["course"].store, lanes=env["lanes"], session=env["profile"],
                          backend_factory=factory, checkpoint_interval_s=1.0)
    env["windows"].append(window)
    window.bridge.state_changed.connect(lambda _s: gui_threads.add(threading.current_thread().name))
    window.show()
    qtbot.waitUntil(lambda: window.bridge.state == "playing", timeout=15000)
    assert vlc_threads and threading.main_thread().name not in vlc_threads
    assert gui_threads == {threading.main_thread().name}
