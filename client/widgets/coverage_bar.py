"""A thin bar that draws which parts of a lesson were watched (covered segments).

Used on the course page (one per lesson) and under the player's seek slider. Units are
media seconds. GUI thread only; no I/O. Must not import engines or windows.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


def merge_segments(segments: Iterable[tuple[float, float]], duration_s: float) -> list[tuple[float, float]]:
    """Clamp to [0, duration] and merge overlapping or touching segments (sorted)."""
    cleaned = sorted(
        (max(0.0, float(a)), min(float(duration_s), float(b)))
        for a, b in segments
        if duration_s > 0 and float(b) > float(a)
    )
    merged: list[tuple[float, float]] = []
    for start, end in cleaned:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class CoverageBar(QWidget):
    """Draws watched segments over the lesson's duration, and optionally the play position.
    GUI thread only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._duration_s = 0.0
        self._segments: list[tuple[float, float]] = []
        self._position_s: float | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    # -- data ------------------------------------------------------------------
    def set_duration(self, duration_s: float) -> None:
        self._duration_s = max(0.0, float(duration_s))
        self._segments = merge_segments(self._segments, self._duration_s)
        self._refresh()

    def set_segments(self, segments: Iterable[tuple[float, float]]) -> None:
        self._segments = merge_segments(segments, self._duration_s)
        self._refresh()

    def set_position(self, position_s: float | None) -> None:
        self._position_s = position_s
        self.update()

    @property
    def segments(self) -> list[tuple[float, float]]:
        return list(self._segments)

    @property
    def covered_ratio(self) -> float:
        if self._duration_s <= 0:
            return 0.0
        return min(1.0, sum(b - a for a, b in self._segments) / self._duration_s)

    def _refresh(self) -> None:
        percent = round(self.covered_ratio * 100)
        self.setToolTip(self.tr("Watched: {percent}%").format(percent=percent))
        self.setAccessibleDescription(self.toolTip())
        self.update()

    # -- drawing -----------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(160, max(8, self.fontMetrics().height() // 2))

    def minimumSizeHint(self) -> QSize:
        return QSize(40, max(8, self.fontMetrics().height() // 2))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        radius = rect.height() / 2
        palette = self.palette()
        groove = palette.color(QPalette.ColorRole.Mid)
        painter.setPen(groove)  # visible even when nothing is watched yet
        groove.setAlpha(90)
        painter.setBrush(groove)
        painter.drawRoundedRect(rect, radius, radius)
        painter.setPen(Qt.PenStyle.NoPen)
        if self._duration_s > 0:
            painter.setBrush(QColor("#2e7d32"))
            scale = rect.width() / self._duration_s
            for start, end in self._segments:
                x = rect.left() + start * scale
                width = max(1.0, (end - start) * scale)
                painter.drawRect(QRectF(x, rect.top(), width, rect.height()))
            if self._position_s is not None:
                x = rect.left() + min(self._duration_s, max(0.0, self._position_s)) * scale
                painter.setBrush(QColor("#c62828"))
                painter.drawRect(QRectF(x - 1, rect.top(), 2, rect.height()))
        painter.end()
