"""The player's seek slider (milliseconds) that refuses a jump ahead the policy forbids.

A click jumps to the clicked point; a drag seeks on release. When the course forbids
skipping ahead, any target past ``limit_ms`` (the furthest point the accounting allows)
is refused: the handle snaps back and ``refused(message)`` is emitted; the control bar shows
the reason in red (no tooltip on top of it). The window still asks the accounting, which has
the last word.
GUI thread only. Must not import engines.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider, QWidget

from client.policy_text import seek_refused_text


class SeekSlider(QSlider):
    """Horizontal slider over the lesson in ms. GUI thread only."""

    seek_requested = Signal(int)  # target position, ms (allowed by the limit)
    refused = Signal(str)  # translated reason

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._limit_ms: int | None = None
        self._position_ms = 0
        self.refused_target_ms: int | None = None  # the last jump refused
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows belong to the window's shortcuts
        self.setRange(0, 0)
        self.setTracking(False)
        self.sliderReleased.connect(self._on_released)
        self.setAccessibleName(self.tr("Playback position"))

    # -- state from the player ------------------------------------------------------
    def set_duration_ms(self, duration_ms: int) -> None:
        self.setRange(0, max(0, int(duration_ms)))
        self.setPageStep(10_000)

    def set_position_ms(self, position_ms: int) -> None:
        """Follow playback, unless the person is dragging the handle."""
        self._position_ms = int(position_ms)
        if not self.isSliderDown():
            self.blockSignals(True)
            self.setValue(self._position_ms)
            self.blockSignals(False)

    def set_limit_ms(self, limit_ms: int | None) -> None:
        """The furthest allowed target, or None when skipping ahead is allowed."""
        self._limit_ms = None if limit_ms is None else int(limit_ms)

    @property
    def limit_ms(self) -> int | None:
        return self._limit_ms

    # -- requests -------------------------------------------------------------------
    def request_seek(self, target_ms: int) -> bool:
        """Check ``target_ms`` against the limit; emit seek_requested or refuse. Returns whether allowed."""
        target_ms = max(self.minimum(), min(self.maximum(), int(target_ms)))
        if self._limit_ms is not None and target_ms > max(self._limit_ms, self._position_ms):
            self.refuse(target_ms=target_ms)
            return False
        self.blockSignals(True)
        self.setValue(target_ms)
        self.blockSignals(False)
        self.seek_requested.emit(target_ms)
        return True

    def refuse(self, message: str | None = None, *, target_ms: int | None = None) -> None:
        """Snap back to the play position and say why (``target_ms``: where the person wanted to go)."""
        text = message or seek_refused_text()
        self.refused_target_ms = target_ms if target_ms is not None else self._limit_ms
        self.blockSignals(True)
        self.setValue(self._position_ms)
        self.blockSignals(False)
        self.refused.emit(text)

    def _value_at(self, x: int) -> int:
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        groove = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove,
                                             self)
        handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle,
                                             self)
        span = max(1, groove.width() - handle.width())
        return QStyle.sliderValueFromPosition(self.minimum(), self.maximum(), x - groove.x() - handle.width() // 2,
                                              span)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.maximum() > 0:
            opt = QStyleOptionSlider()
            self.initStyleOption(opt)
            handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                                 QStyle.SubControl.SC_SliderHandle, self)
            if not handle.contains(event.position().toPoint()):
                # a click on the groove jumps straight there (the usual video-player behaviour)
                self.request_seek(self._value_at(int(event.position().x())))
                event.accept()
                return
        super().mousePressEvent(event)

    def _on_released(self) -> None:
        self.request_seek(self.sliderPosition())
