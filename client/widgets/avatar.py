"""A round badge with a person's initial (the first character of their name). GUI thread only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

_COLOURS = ("#b8242a", "#1d5fa8", "#2e8b57", "#8a5a00", "#6b3fa0", "#00796b")


class AvatarLabel(QLabel):
    def __init__(self, name: str) -> None:
        super().__init__((name.strip()[:1] or "?").upper())
        self.setProperty("role", "avatar")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        colour = _COLOURS[sum(map(ord, name)) % len(_COLOURS)]
        self.setStyleSheet(f"background: {colour};")
