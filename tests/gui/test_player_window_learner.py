"""The player window for a learner's first hour, against the real engines (VLC with its headless
output playing a real generated video, the real accounting, a real profile database): the end
of a lesson (本节已完成, 下一课, 再次观看 from the beginning), why playback paused, the red
seek warning going away when it no longer applies, icon buttons with words, the labelled
coverage bar, durations that cannot be misread, and Ctrl+Q."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolTip

from client.widgets.player_controls import PlayerControls, credit_percent
from client.windows.player_window import PlayerWindow
from player.policy import PlayerPolicy
from tests.support.lesson_env import InstalledCourse, LessonSpec, install_course
from tests.support.player_window import env_fixture  # noqa: F401  (env, on this module's own video)

pytestmark = pytest.mark.slow

SECONDS = 6.0


@pytest.fixture(scope="module")
def video(media) -> bytes:
    return media.clip(SECONDS, "320x180").read_bytes()


def _course(root: Path, video: bytes, policy: PlayerPolicy) -> InstalledCourse:
    return install_course(root, "c-learn", [
        LessonSpec("l1", "第一课 新时代新征程", video, SECONDS),
        LessonSpec("l2", "第二课 全面从严治党", video, SECONDS),
    ], policy=policy)


def open_window(env: dict, lesson: str = "l1", policy: PlayerPolicy | None = None) -> PlayerWindow:
    if "course" not in env or policy is not None:
        env["course"] = _course(env["root"] / f"c{len(env['windows'])}", env["video"], policy or PlayerPolicy())
    window = PlayerWindow("c-learn", lesson, store=env["course"].store, lanes=env["lanes"], session=env["profile"],
                          checkpoint_interval_s=1.0)
    env["windows"].append(window)
    window.show()
    return window


def _ended(window: PlayerWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: window.video.currentWidget() is window.video.finished, timeout=30000)


def test_the_end_says_complete_offers_the_next_lesson_and_shows_100_percent(env: dict, qtbot) -> None:
    window = open_window(env)
    with qtbot.waitSignal(window.lesson_completed, timeout=30000) as completed:  # its quiz may open now
        _ended(window, qtbot)
    assert completed.args == ["c-learn", "l1"]
    acc = window.bridge.accounting
    assert acc is not None and acc.covered_s == pytest.approx(acc.duration_s, abs=0.01)
    assert window.controls.credit_label.text().endswith("(100%)")
    assert window.controls.time_label.text() == "6 s / 6 s"
    video = window.video
    assert video.finished_title.text() == "This lesson is complete"
    assert "Next lesson: 第二课 全面从严治党" in video.finished_detail.text()
    assert video.next_button.isVisible() and video.next_button.text() == "Next lesson"
    assert not window.controls.notice_label.isVisible()  # the end is no pause to explain
    with qtbot.waitSignal(window.next_lesson_requested, timeout=1000) as asked:
        video.next_button.click()
    assert asked.args == ["c-learn", "l2"]


def test_a_pc_held_up_before_the_end_still_completes_the_lesson(env: dict, qtbot) -> None:
    """An old PC may hold up the window for seconds while VLC plays on to the end: that end is the
    lesson's, not a file cut short, however old the last position the window had read."""
    window = open_window(env)
    qtbot.waitUntil(lambda: window.bridge.state == "playing" and window.bridge.backend.position_s() > 0,
                    timeout=15000)
    time.sleep(SECONDS + 1.0)  # this thread held up: no tick while VLC plays to the end
    with qtbot.waitSignal(window.lesson_completed, timeout=30000):
        _ended(window, qtbot)
    assert window.error_code is None
    acc = window.bridge.accounting
    assert acc is not None and acc.covered_s == pytest.approx(acc.duration_s, abs=0.01)


def test_the_last_lesson_has_no_next_and_watch_again_starts_from_the_beginning(env: dict, qtbot) -> None:
    window = open_window(env, lesson="l2")
    _ended(window, qtbot)
    assert not window.video.next_button.isVisibleTo(window)
    assert "last lesson" in window.video.finished_detail.text()
    window.video.again_button.click()
    assert window.video.currentWidget() is window.video.surface
    qtbot.waitUntil(lambda: window.bridge.playing and window.bridge.state == "playing", timeout=10000)
    assert window.bridge.backend.position_s() < SECONDS / 2
    assert window.controls.play_button.text() == "Pause"


def test_a_completed_lesson_opens_at_its_beginning(env: dict, qtbot) -> None:
    window = open_window(env)
    _ended(window, qtbot)
    window.close()
    qtbot.waitUntil(lambda: not env["lanes"].busy, timeout=10000)
    # Watch the first half again, then close: the lesson stays complete, its position mid-way.
    again = open_window(env)
    qtbot.waitUntil(lambda: again.bridge.state == "playing", timeout=15000)
    qtbot.waitUntil(lambda: again.bridge.backend.position_s() >= SECONDS / 2, timeout=10000)
    again.close()
    qtbot.waitUntil(lambda: not env["lanes"].busy, timeout=10000)
    third = open_window(env)  # its course page button says 再次观看: from the beginning
    qtbot.waitUntil(lambda: third.bridge.state == "playing", timeout=15000)
    assert third.bridge.accounting is not None and third.bridge.accounting.completed
    assert third.bridge.backend.position_s() < 1.0


def test_the_end_of_a_lesson_not_yet_complete_says_what_is_missing(env: dict, qtbot) -> None:
    window = open_window(env, policy=PlayerPolicy(seek_ahead=True))
    qtbot.waitUntil(lambda: window.bridge.state == "playing", timeout=15000)
    assert window.seek_to(SECONDS - 1.0)  # skips most of the lesson
    completed: list[tuple[str, str]] = []
    window.lesson_completed.connect(lambda c, lesson: completed.append((c, lesson)))
    _ended(window, qtbot)
    assert completed == []  # not complete: no quiz opens
    video = window.video
    assert video.finished_title.text() == "You reached the end of this lesson"
    assert "more must be watched" in video.finished_detail.text()
    assert "Next lesson: 第二课" in video.finished_detail.text()


def test_pausing_says_why(env: dict, qtbot) -> None:
    window = open_window(env)
    qtbot.waitUntil(lambda: window.bridge.state == "playing", timeout=15000)
    notice = window.controls.notice_label
    assert not notice.isVisible()
    window.toggle_play()
    qtbot.waitUntil(notice.isVisible, timeout=2000)
    assert "Press Space" in notice.text()
    window.toggle_play()
    qtbot.waitUntil(lambda: not notice.isVisible(), timeout=5000)
    window.showMinimized()
    qtbot.waitUntil(lambda: "minimised" in notice.text(), timeout=2000)
    window.showNormal()
    qtbot.waitUntil(lambda: window.bridge.playing and not notice.isVisible(), timeout=5000)


def test_pause_and_play_at_once_keeps_crediting(env: dict, qtbot) -> None:
    window = open_window(env)
    qtbot.waitUntil(lambda: window.bridge.state == "playing", timeout=15000)
    acc = window.bridge.accounting
    assert acc is not None
    window.toggle_play()
    window.toggle_play()  # before libvlc has even paused
    assert not window.controls.notice_label.isVisible()
    before = acc.covered_s
    qtbot.waitUntil(lambda: acc.covered_s >= before + 1.0, timeout=5000)
    assert window.bridge.state == "playing"


def test_losing_focus_says_why_playback_paused(env: dict, qtbot) -> None:
    from PySide6.QtWidgets import QApplication, QWidget

    window = open_window(env)
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
    assert "another window" in window.controls.notice_label.text()
    assert window.controls.notice_label.isVisible()
    window.activateWindow()
    qtbot.waitUntil(lambda: window.bridge.playing and not window.controls.notice_label.isVisible(), timeout=3000)


def test_the_seek_warning_goes_when_the_person_goes_back_and_has_no_tooltip(env: dict, qtbot) -> None:
    window = open_window(env)
    qtbot.waitUntil(lambda: window.bridge.state == "playing", timeout=15000)
    controls = window.controls
    assert not controls.seek_slider.request_seek(int(SECONDS * 1000) - 200)
    assert not QToolTip.isVisible()  # the red words say it once, nothing covers them
    assert controls.warning_shown and "skipping ahead" in controls.message_label.text()
    assert window.seek_to(0.0)
    assert not controls.warning_shown and not controls.message_label.isVisible()
    controls.seek_slider.request_seek(int(SECONDS * 1000) - 200)
    assert controls.warning_shown
    window.toggle_play()  # the person moved on
    assert not controls.warning_shown


def test_ctrl_q_in_the_player_asks_the_app_to_quit(env: dict, qtbot) -> None:
    window = open_window(env)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    with qtbot.waitSignal(window.quit_requested, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)


def test_closing_while_the_lesson_is_still_opening(env: dict, qtbot) -> None:
    """Ctrl+Q or Close at once: VLC is still parsing the file on a worker when the window releases it."""
    from PySide6.QtCore import QTimer

    for delay_ms in (0, 0, 1, 2, 3, 5, 8, 12, 20, 30):  # the parse takes a few milliseconds
        window = open_window(env)
        window.bridge.state_changed.connect(
            lambda state, w=window, d=delay_ms: state == "opening" and QTimer.singleShot(d, w.close))
        qtbot.waitUntil(lambda w=window: w._closed, timeout=10000)
        lane = window.bridge.worker_lane
        qtbot.waitUntil(lambda lane=lane: not lane.active, timeout=15000)
    qtbot.waitUntil(lambda: not env["lanes"].busy, timeout=15000)


def test_controls_warning_goes_once_the_jump_is_allowed_or_reached(qtbot) -> None:
    controls = PlayerControls()
    qtbot.addWidget(controls)
    controls.show()
    controls.set_policy(PlayerPolicy())
    controls.set_duration_ms(100_000)
    controls.set_position_ms(10_000)
    controls.set_credit(10.0, 100.0, [(0.0, 10.0)], 10.5, seek_ahead=False)
    assert not controls.seek_slider.request_seek(60_000)
    assert not QToolTip.isVisible()
    assert controls.warning_shown
    controls.set_credit(30.0, 100.0, [(0.0, 30.0)], 30.5, seek_ahead=False)
    assert controls.warning_shown  # 60 s is still ahead of what was watched
    controls.set_position_ms(59_000)
    assert controls.warning_shown
    controls.set_position_ms(60_000)  # playback got there: nothing to warn about any more
    assert not controls.warning_shown
    assert not controls.seek_slider.request_seek(90_000)
    controls.set_credit(95.0, 100.0, [(0.0, 95.0)], 95.5, seek_ahead=False)  # the limit passed it
    assert not controls.warning_shown
    controls.show_error("could not save")  # an error is not a warning: it stays
    controls.clear_warning()
    assert controls.message_label.text() == "could not save" and controls.message_label.isVisible()


def test_buttons_have_icons_and_words_and_the_coverage_bar_a_label(qtbot) -> None:
    controls = PlayerControls()
    qtbot.addWidget(controls)
    controls.show()
    for button in (controls.play_button, controls.fullscreen_button):
        assert not button.icon().isNull() and button.text()
        assert button.iconSize().height() >= 16
    assert controls.play_button.text() == "Play"
    play_icon = controls.play_button.icon().cacheKey()
    controls.set_playing(True)
    assert controls.play_button.text() == "Pause" and controls.play_button.icon().cacheKey() != play_icon
    controls.set_fullscreen(True)
    assert controls.fullscreen_button.text() == "Leave full screen" and not controls.rules_label.isVisible()
    controls.set_fullscreen(False)
    assert controls.fullscreen_button.text() == "Full screen"
    assert controls.coverage_label.text() == "Watched (green):" and controls.coverage_label.buddy() is controls.coverage
    assert controls.coverage.accessibleName()


def test_credit_percent_reaches_100_only_at_the_end() -> None:
    assert credit_percent(0.0, 60.0) == 0
    assert credit_percent(0.1, 600.0) == 1  # something watched is never 0%
    assert credit_percent(30.0, 60.0) == 50
    assert credit_percent(1799.0, 1800.0) == 99  # the last second is missing: not yet 100%
    assert credit_percent(1799.6, 1800.0) == 100
    assert credit_percent(60.0, 60.0) == 100


def test_durations_in_chinese(qapp) -> None:
    from client.durations import format_duration
    from client.i18n import Translator, ensure_built

    ensure_built()
    translator = Translator(qapp)
    assert translator.set_language("zh_CN")
    try:
        assert format_duration(90) == "1分30秒"
        assert format_duration(45) == "45秒"
        assert format_duration(5400) == "1:30:00"
        controls = PlayerControls()
        controls.set_duration_ms(90_000)
        controls.set_position_ms(65_000)
        assert controls.time_label.text() == "1分5秒 / 1分30秒"
        controls.deleteLater()
    finally:
        translator.uninstall()
