"""The player window's parts: the video area (video or a problem message) and the control bar.

``PlayerControls``: play/pause, time, seek slider with its policy limit, rate menu capped by
the policy's ``max_rate``, volume, full screen, the coverage bar, the lesson's credited time
and the study rules in one line. ``VideoArea``: the native video surface, or a clear
message with "download again" when the lesson cannot be played.
GUI thread only; no I/O. Must not import engines (only their data shapes via duck typing).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSlider,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from client.policy_text import PolicyLike, format_rate, policy_lines
from client.widgets.coverage_bar import CoverageBar
from client.widgets.seek_slider import SeekSlider
from client.widgets.video_surface import VideoSurface

RATES = (0.75, 1.0, 1.25, 1.5, 2.0)


def allowed_rates(max_rate: float) -> list[float]:
    """The rate menu: the usual steps up to the policy's maximum (and the maximum itself)."""
    rates = [r for r in RATES if r <= max_rate + 1e-9]
    if max_rate not in rates and max_rate >= 1.0:
        rates.append(max_rate)
    return sorted(rates)


def clock_text(seconds: float) -> str:
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class VideoArea(QStackedWidget):
    """The video, or a message saying why there is none. GUI thread only."""

    download_clicked = Signal()
    close_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.surface = VideoSurface(self)
        self.problem = QWidget(self)
        self.problem_label = QLabel(self.problem)
        self.problem_label.setWordWrap(True)
        self.problem_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.download_button = QPushButton(self.problem)
        self.download_button.clicked.connect(self.download_clicked)
        self.close_button = QPushButton(self.problem)
        self.close_button.clicked.connect(self.close_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self.problem)
        layout.addStretch(1)
        layout.addWidget(self.problem_label)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.addWidget(self.surface)
        self.addWidget(self.problem)
        self.retranslate()

    def retranslate(self) -> None:
        self.download_button.setText(self.tr("Download again"))
        self.close_button.setText(self.tr("Close"))

    def show_problem(self, text: str, can_redownload: bool) -> None:
        self.problem_label.setText(text)
        self.download_button.setVisible(can_redownload)
        self.setCurrentWidget(self.problem)


class PlayerControls(QWidget):
    """The control bar under the video. GUI thread only."""

    play_clicked = Signal()
    rate_chosen = Signal(float)
    volume_changed = Signal(int)
    fullscreen_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._duration_s = 0.0
        self._position_s = 0.0
        self._playing = False
        self._rate = 1.0
        self._policy: PolicyLike | None = None
        self._covered_s = 0.0
        self.play_button = QPushButton(self)
        self.play_button.clicked.connect(self.play_clicked)
        self.time_label = QLabel(self)
        self.seek_slider = SeekSlider(self)
        self.rate_button = QToolButton(self)
        self.rate_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.rate_menu = QMenu(self.rate_button)
        self.rate_button.setMenu(self.rate_menu)
        self._rate_group = QActionGroup(self)
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 8)
        self.volume.valueChanged.connect(self.volume_changed)
        self.volume_label = QLabel(self)
        self.fullscreen_button = QPushButton(self)
        self.fullscreen_button.clicked.connect(self.fullscreen_clicked)
        for control in (self.play_button, self.rate_button, self.volume, self.fullscreen_button):
            control.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the window's shortcuts
        self.coverage = CoverageBar(self)
        self.credit_label = QLabel(self)
        self.rules_label = QLabel(self)
        self.rules_label.setWordWrap(True)
        self.message_label = QLabel(self)
        self.message_label.setProperty("role", "error")
        self.seek_slider.refused.connect(self.message_label.setText)

        row = QHBoxLayout()
        for left in (self.play_button, self.time_label):
            row.addWidget(left)
        row.addWidget(self.seek_slider, 1)
        for right in (self.rate_button, self.volume_label, self.volume, self.fullscreen_button):
            row.addWidget(right)
        info = QHBoxLayout()
        info.addWidget(self.credit_label)
        info.addWidget(self.message_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addLayout(row)
        layout.addWidget(self.coverage)
        layout.addLayout(info)
        layout.addWidget(self.rules_label)
        self.retranslate()

    # -- texts ---------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.play_button.setText(self.tr("Pause") if self._playing else self.tr("Play"))
        self.play_button.setToolTip(self.tr("Play or pause (Space)"))
        self.fullscreen_button.setText(self.tr("Full screen"))
        self.fullscreen_button.setToolTip(self.tr("Full screen (F11, Esc to leave)"))
        self.volume_label.setText(self.tr("Volume"))
        self.rate_button.setText(self.tr("Speed {rate}×").format(rate=format_rate(self._rate)))
        self.rate_button.setToolTip(self.tr("Playback speed"))
        self._update_time()
        self._update_credit()
        if self._policy is not None:
            self.rules_label.setText(self.tr("Study rules: ") + "；".join(policy_lines(self._policy)))

    def _update_time(self) -> None:
        self.time_label.setText(f"{clock_text(self._position_s)} / {clock_text(self._duration_s)}")

    def _update_credit(self) -> None:
        percent = round(100 * self._covered_s / self._duration_s) if self._duration_s > 0 else 0
        self.credit_label.setText(self.tr("Credited for this lesson: {time} ({percent}%)").format(
            time=clock_text(self._covered_s), percent=percent))

    # -- state from the window ---------------------------------------------------------------
    def set_policy(self, policy: PolicyLike) -> None:
        self._policy = policy
        self.rate_menu.clear()
        for action in self._rate_group.actions():
            self._rate_group.removeAction(action)
        for rate in allowed_rates(policy.max_rate):
            action = QAction(f"{format_rate(rate)}×", self.rate_menu)
            action.setCheckable(True)
            action.setChecked(abs(rate - self._rate) < 1e-9)
            action.setData(rate)
            action.triggered.connect(lambda _=False, r=rate: self.choose_rate(r))
            self._rate_group.addAction(action)
            self.rate_menu.addAction(action)
        self.retranslate()

    def rates(self) -> list[float]:
        return [float(a.data()) for a in self.rate_menu.actions()]

    def choose_rate(self, rate: float) -> None:
        if self._policy is not None and rate > self._policy.max_rate + 1e-9:
            return
        self._rate = rate
        self.retranslate()
        self.rate_chosen.emit(rate)

    def set_playing(self, playing: bool) -> None:
        self._playing = playing
        self.retranslate()

    def set_duration_ms(self, duration_ms: int) -> None:
        self._duration_s = duration_ms / 1000.0
        self.seek_slider.set_duration_ms(duration_ms)
        self.coverage.set_duration(self._duration_s)
        self._update_time()

    def set_position_ms(self, position_ms: int) -> None:
        self._position_s = position_ms / 1000.0
        self.seek_slider.set_position_ms(position_ms)
        self.coverage.set_position(self._position_s)
        self._update_time()

    def set_credit(self, covered_s: float, duration_s: float, segments: Iterable[tuple[float, float]],
                   seek_limit_s: float, seek_ahead: bool) -> None:
        self._covered_s = covered_s
        if abs(duration_s - self._duration_s) > 1e-3:
            self.set_duration_ms(int(duration_s * 1000))
        self.coverage.set_segments(segments)
        self.seek_slider.set_limit_ms(None if seek_ahead else int(seek_limit_s * 1000))
        self._update_credit()
