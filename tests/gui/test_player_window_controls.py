"""The player's control bar on its own: the seek slider's policy limit under real mouse clicks,
the rate menu, the credit text, and the problem panel."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from client.durations import format_duration
from client.widgets.player_controls import PlayerControls, VideoArea, allowed_rates
from player.policy import PlayerPolicy


def test_click_ahead_of_the_limit_is_refused_and_behind_is_allowed(qtbot) -> None:
    controls = PlayerControls()
    qtbot.addWidget(controls)
    controls.resize(900, 120)
    controls.show()
    controls.set_policy(PlayerPolicy())
    controls.set_duration_ms(100_000)
    controls.set_position_ms(30_000)
    controls.set_credit(30.0, 100.0, [(0.0, 30.0)], 30.5, seek_ahead=False)
    slider = controls.seek_slider
    y = slider.height() // 2
    with qtbot.waitSignal(slider.refused, timeout=1000):
        qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(slider.width() * 9 // 10, y))
    assert slider.value() == 30_000  # snapped back
    assert "skipping ahead" in controls.message_label.text()
    with qtbot.waitSignal(slider.seek_requested, timeout=1000) as asked:
        qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(slider.width() // 10, y))
    assert 0 < asked.args[0] < 30_000
    controls.set_credit(30.0, 100.0, [(0.0, 30.0)], 100.0, seek_ahead=True)
    with qtbot.waitSignal(slider.seek_requested, timeout=1000) as ahead:
        qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(slider.width() * 9 // 10, y))
    assert ahead.args[0] > 70_000
    assert controls.credit_label.text() == "Credited for this lesson: 30 s (30%)"


def test_rates_and_texts() -> None:
    assert allowed_rates(1.5) == [0.75, 1.0, 1.25, 1.5]
    assert allowed_rates(1.0) == [0.75, 1.0]
    assert allowed_rates(1.75) == [0.75, 1.0, 1.25, 1.5, 1.75]
    assert allowed_rates(4.0) == [0.75, 1.0, 1.25, 1.5, 2.0, 4.0]
    assert format_duration(3725) == "1:02:05" and format_duration(65) == "1 min 5 s"


def test_problem_panel(qtbot) -> None:
    area = VideoArea()
    qtbot.addWidget(area)
    area.show()
    area.show_problem("gone", can_redownload=False)
    assert area.currentWidget() is area.problem
    assert not area.download_button.isVisible() and area.close_button.isVisible()
