"""The player window's parts: the video area (video, a problem message, or the lesson's end) and
the control bar.

``PlayerControls``: play/pause and full screen (icon and word), time, seek slider with its
policy limit, rate menu capped by the policy's ``max_rate``, volume, the labelled coverage bar,
the lesson's credited time, why playback is paused, the red warning of a refused jump, and the
study rules in one line. ``VideoArea``: the native video surface; or a clear message with
"download again" when the lesson cannot be played; or, at the end of the lesson, whether it is
complete, with "next lesson" and "watch again".
GUI thread only; no I/O. Must not import engines (only their data shapes via duck typing).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QSize, Qt, Signal
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

from client.durations import format_duration
from client.policy_text import PolicyLike, format_rate, policy_lines
from client.theme import icon
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


END_TOLERANCE_S = 0.5
"""Coverage this close to the whole lesson shows as 100% (player time is in coarse steps)."""


def credit_percent(covered_s: float, duration_s: float) -> int:
    """Whole percent of the lesson covered: 100 once all of it is (to within END_TOLERANCE_S),
    never before (a missing last second of a long lesson shows 99), and 1 as soon as anything is."""
    if duration_s <= 0 or covered_s <= 0:
        return 0
    if covered_s >= duration_s - END_TOLERANCE_S:
        return 100
    return min(99, max(1, round(100 * covered_s / duration_s)))


class VideoArea(QStackedWidget):
    """The video, a message saying why there is none, or the lesson's end. GUI thread only."""

    download_clicked = Signal()
    close_clicked = Signal()
    next_clicked = Signal()
    again_clicked = Signal()

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
        layout = QVBoxLayout(self.problem)
        layout.addStretch(1)
        layout.addWidget(self.problem_label)
        layout.addLayout(_centred(self.download_button, self.close_button))
        layout.addStretch(1)

        self.finished = QWidget(self)
        self.finished_title = QLabel(self.finished)
        self.finished_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.finished_title.setWordWrap(True)
        self.finished_detail = QLabel(self.finished)
        self.finished_detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.finished_detail.setWordWrap(True)
        self.next_button = QPushButton(self.finished)
        self.next_button.setProperty("role", "primary")
        self.next_button.setIcon(icon("next"))
        self.next_button.clicked.connect(self.next_clicked)
        self.again_button = QPushButton(self.finished)
        self.again_button.setIcon(icon("replay"))
        self.again_button.clicked.connect(self.again_clicked)
        self.finished_close_button = QPushButton(self.finished)
        self.finished_close_button.clicked.connect(self.close_clicked)
        for button in (self.next_button, self.again_button, self.finished_close_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space belongs to the window
        end = QVBoxLayout(self.finished)
        end.setSpacing(14)
        end.addStretch(1)
        end.addWidget(self.finished_title)
        end.addWidget(self.finished_detail)
        end.addLayout(_centred(self.next_button, self.again_button, self.finished_close_button))
        end.addStretch(1)

        self.addWidget(self.surface)
        self.addWidget(self.problem)
        self.addWidget(self.finished)
        _fit_icons(self.fontMetrics().height(), self.next_button, self.again_button)
        self._complete = False
        self._next_title: str | None = None
        self._missing_s = 0.0
        self.retranslate()

    def retranslate(self) -> None:
        self.download_button.setText(self.tr("Download again"))
        self.close_button.setText(self.tr("Close"))
        self.finished_close_button.setText(self.tr("Close"))
        self.next_button.setText(self.tr("Next lesson"))
        self.again_button.setText(self.tr("Watch again"))
        if self._complete:
            self.finished_title.setText(self.tr("This lesson is complete"))
        else:
            self.finished_title.setText(self.tr("You reached the end of this lesson"))
        lines = []
        if not self._complete:
            lines.append(self.tr("{time} more must be watched before it counts as complete. Watch again to "
                                 "see the parts you missed.").format(time=format_duration(self._missing_s)))
        if self._next_title is not None:
            lines.append(self.tr("Next lesson: {title}").format(title=self._next_title))
        elif self._complete:
            lines.append(self.tr("This was the last lesson of the course."))
        self.finished_detail.setText("\n".join(lines))

    def show_problem(self, text: str, can_redownload: bool) -> None:
        self.problem_label.setText(text)
        self.download_button.setVisible(can_redownload)
        self.setCurrentWidget(self.problem)

    def show_finished(self, complete: bool, next_title: str | None, missing_s: float = 0.0) -> None:
        """The lesson played to its end: say whether it is complete; offer the next one if any."""
        self._complete, self._next_title, self._missing_s = complete, next_title, missing_s
        self.finished_title.setProperty("role", "done" if complete else "h2")
        self.finished_title.style().unpolish(self.finished_title)
        self.finished_title.style().polish(self.finished_title)
        self.next_button.setVisible(next_title is not None)
        self.retranslate()
        self.setCurrentWidget(self.finished)

    def show_video(self) -> None:
        self.setCurrentWidget(self.surface)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            _fit_icons(self.fontMetrics().height(), self.next_button, self.again_button)
        super().changeEvent(event)


def _fit_icons(text_height: int, *buttons: QPushButton) -> None:
    """Icons as tall as the buttons' text, whatever the text size."""
    side = max(16, text_height)
    for button in buttons:
        button.setIconSize(QSize(side, side))


def _centred(*buttons: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


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
        self._fullscreen = False
        self._rate = 1.0
        self._policy: PolicyLike | None = None
        self._covered_s = 0.0
        self._refused_ms: int | None = None  # the target of the jump the red warning is about
        self._message_is_warning = False
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
        self.volume.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 6)
        self.volume.valueChanged.connect(self.volume_changed)
        self.volume_label = QLabel(self)
        self.volume_label.setBuddy(self.volume)
        self.fullscreen_button = QPushButton(self)
        self.fullscreen_button.clicked.connect(self.fullscreen_clicked)
        for control in (self.play_button, self.rate_button, self.volume, self.fullscreen_button):
            control.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the window's shortcuts
        self.coverage_label = QLabel(self)
        self.coverage = CoverageBar(self)
        self.coverage_label.setBuddy(self.coverage)
        self.credit_label = QLabel(self)
        self.notice_label = QLabel(self)  # why playback is paused
        self.notice_label.setProperty("role", "notice")
        self.notice_label.setWordWrap(True)
        self.rules_label = QLabel(self)
        self.rules_label.setWordWrap(True)
        self.message_label = QLabel(self)  # a refused jump, or a save that failed (red)
        self.message_label.setProperty("role", "error")
        self.message_label.setWordWrap(True)
        self.seek_slider.refused.connect(self._on_refused)
        self.seek_slider.seek_requested.connect(lambda _ms: self.clear_warning())

        row = QHBoxLayout()
        for left in (self.play_button, self.time_label):
            row.addWidget(left)
        row.addWidget(self.seek_slider, 1)
        for right in (self.rate_button, self.volume_label, self.volume, self.fullscreen_button):
            row.addWidget(right)
        watched = QHBoxLayout()
        watched.addWidget(self.coverage_label)
        watched.addWidget(self.coverage, 1)
        watched.addWidget(self.credit_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addLayout(row)
        layout.addLayout(watched)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.rules_label)
        self.notice_label.hide()
        self.message_label.hide()
        _fit_icons(self.fontMetrics().height(), self.play_button, self.fullscreen_button)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            _fit_icons(self.fontMetrics().height(), self.play_button, self.fullscreen_button)
        super().changeEvent(event)

    # -- texts ---------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.play_button.setText(self.tr("Pause") if self._playing else self.tr("Play"))
        self.play_button.setIcon(icon("pause" if self._playing else "play"))
        self.play_button.setToolTip(self.tr("Play or pause (Space)"))
        if self._fullscreen:
            self.fullscreen_button.setText(self.tr("Leave full screen"))
            self.fullscreen_button.setToolTip(self.tr("Leave full screen (Esc)"))
        else:
            self.fullscreen_button.setText(self.tr("Full screen"))
            self.fullscreen_button.setToolTip(self.tr("Full screen (F11, Esc to leave)"))
        self.fullscreen_button.setIcon(icon("fullscreen-exit" if self._fullscreen else "fullscreen"))
        self.volume_label.setText(self.tr("Volume"))
        self.volume.setAccessibleName(self.tr("Volume"))
        self.rate_button.setText(self.tr("Speed {rate}×").format(rate=format_rate(self._rate)))
        self.rate_button.setToolTip(self.tr("Playback speed"))
        self.coverage_label.setText(self.tr("Watched (green):"))
        self.coverage.setAccessibleName(self.tr("Parts of this lesson already watched"))
        self._update_time()
        self._update_credit()
        if self._policy is not None:
            self.rules_label.setText(self.tr("Study rules: ") + "；".join(policy_lines(self._policy)))

    def _update_time(self) -> None:
        self.time_label.setText(f"{format_duration(self._position_s)} / {format_duration(self._duration_s)}")

    def _update_credit(self) -> None:
        self.credit_label.setText(self.tr("Credited for this lesson: {time} ({percent}%)").format(
            time=format_duration(self._covered_s), percent=credit_percent(self._covered_s, self._duration_s)))

    # -- messages --------------------------------------------------------------------------
    def set_notice(self, text: str) -> None:
        """Why playback is paused ("" when it plays)."""
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def show_error(self, text: str) -> None:
        """A problem that stays until the next one (a save that failed)."""
        self._message_is_warning = False
        self._refused_ms = None
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def _on_refused(self, text: str) -> None:
        self._message_is_warning = True
        self._refused_ms = self.seek_slider.refused_target_ms
        self.message_label.setText(text)
        self.message_label.show()

    def clear_warning(self) -> None:
        """Take away the refused-jump warning (an error stays)."""
        if self._message_is_warning:
            self._message_is_warning = False
            self._refused_ms = None
            self.message_label.clear()
            self.message_label.hide()

    @property
    def warning_shown(self) -> bool:
        return self._message_is_warning and self.message_label.isVisibleTo(self)

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

    def set_fullscreen(self, fullscreen: bool) -> None:
        self._fullscreen = fullscreen
        self.rules_label.setVisible(not fullscreen)  # all the room for the video
        self.retranslate()

    def set_duration_ms(self, duration_ms: int) -> None:
        self._duration_s = duration_ms / 1000.0
        self.seek_slider.set_duration_ms(duration_ms)
        self.coverage.set_duration(self._duration_s)
        self._update_time()
        self._update_credit()

    def set_position_ms(self, position_ms: int) -> None:
        self._position_s = position_ms / 1000.0
        self.seek_slider.set_position_ms(position_ms)
        self.coverage.set_position(self._position_s)
        self._update_time()
        if self._refused_ms is not None and position_ms >= self._refused_ms:
            self.clear_warning()  # playback reached the point the person wanted to jump to

    def set_credit(self, covered_s: float, duration_s: float, segments: Iterable[tuple[float, float]],
                   seek_limit_s: float, seek_ahead: bool) -> None:
        self._covered_s = covered_s
        if abs(duration_s - self._duration_s) > 1e-3:
            self.set_duration_ms(int(duration_s * 1000))
        self.coverage.set_segments(segments)
        limit_ms = None if seek_ahead else int(seek_limit_s * 1000)
        self.seek_slider.set_limit_ms(limit_ms)
        if limit_ms is None or (self._refused_ms is not None and limit_ms >= self._refused_ms):
            self.clear_warning()  # that jump would be allowed now
        self._update_credit()
