"""The coverage bar merges and clamps segments and really draws them."""

from __future__ import annotations

from PySide6.QtGui import QColor

from client.widgets.coverage_bar import CoverageBar, merge_segments


def test_merge_and_clamp() -> None:
    assert merge_segments([(5, 8), (0, 2), (1, 3), (7, 20), (-4, -1)], 10) == [(0, 3), (5, 10)]
    assert merge_segments([(0, 5)], 0) == []


def test_draws_watched_segments(qtbot) -> None:
    bar = CoverageBar()
    qtbot.addWidget(bar)
    bar.resize(200, 10)
    bar.set_duration(100)
    bar.set_segments([(0, 25), (50, 75)])
    assert bar.covered_ratio == 0.5
    assert "50%" in bar.toolTip()
    image = bar.grab().toImage()
    green = QColor("#2e7d32")
    y = image.height() // 2

    def is_green(x: int) -> bool:
        c = image.pixelColor(x, y)
        return abs(c.red() - green.red()) < 8 and abs(c.green() - green.green()) < 8

    assert is_green(25) and is_green(125)  # inside (0-25) and (50-75)
    assert not is_green(75) and not is_green(175)  # the gaps
