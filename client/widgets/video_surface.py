"""The native child window VLC draws the video into.

On xcb and Windows it is a real native window (``WA_NativeWindow``) so that ``winId()`` is an
X11 window id or a Windows HWND that libvlc can draw into (``set_xwindow`` / ``set_hwnd``).
Qt does not paint it (VLC does). Platforms without native windows (the ``offscreen``
platform used by tests, Wayland without XWayland) have no handle: the player then uses
VLC's headless output. GUI thread only. Must not import engines.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QMouseEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

_NATIVE_PLATFORMS = {"xcb", "windows"}


class VideoSurface(QWidget):
    """Black native area for VLC's video. GUI thread only."""

    double_clicked = Signal()
    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if QGuiApplication.platformName() in _NATIVE_PLATFORMS:
            # Elsewhere there is no handle to give VLC, and a native child would only make its
            # siblings native too, on a platform that cannot stack them.
            self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow, True)
            self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors, True)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("black"))
        self.setPalette(palette)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self.setMouseTracking(True)  # moves without a button pressed count as activity (idle timeout)
        self.setAccessibleName(self.tr("Video"))

    def sizeHint(self) -> QSize:
        return QSize(854, 480)

    def native_handle(self) -> int | None:
        """The X11 window id / HWND for libvlc, or None when this platform has no native windows."""
        if QGuiApplication.platformName() not in _NATIVE_PLATFORMS:
            return None
        return int(self.winId())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.double_clicked.emit()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        event.accept()
