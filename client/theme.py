"""Look and feel: a CJK font, three text sizes for older eyes, one clean style sheet.

``Theme.apply(text_size)`` sets the application font and regenerates the style sheet from
resources/styles/app.qss with the sizes for that step, so every open window follows at
once. Font choice prefers a bundled font in resources/fonts/, then WenQuanYi Micro Hei or
Noto Sans CJK, then the Windows/macOS Chinese UI fonts. GUI thread only.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
STYLE_FILE = RESOURCES / "styles" / "app.qss"
ICON_DIR = RESOURCES / "icons"

# base point size per text size; headings scale from it
TEXT_SIZE_PT = {"normal": 12, "large": 14, "xlarge": 17}
CJK_FAMILIES = (
    "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
    "Microsoft YaHei", "Microsoft YaHei UI", "PingFang SC", "SimHei",
)


def icon(name: str) -> QIcon:
    return QIcon(str(ICON_DIR / f"{name}.svg"))


def pick_cjk_family() -> str | None:
    fonts_dir = RESOURCES / "fonts"
    if fonts_dir.is_dir():
        for f in sorted(fonts_dir.iterdir()):
            if f.suffix.lower() in (".ttf", ".ttc", ".otf"):
                fid = QFontDatabase.addApplicationFont(str(f))
                fams = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
                if fams:
                    return fams[0]
    available = set(QFontDatabase.families())
    return next((f for f in CJK_FAMILIES if f in available), None)


class Theme:
    """Owns the current text size; ``apply`` restyles the whole application."""

    def __init__(self, app: QApplication) -> None:
        self._app = app
        self.family = pick_cjk_family()
        self.text_size = "normal"
        self._template = Template(STYLE_FILE.read_text(encoding="utf-8")) if STYLE_FILE.exists() else None

    def point_size(self, step: int = 0) -> int:
        """The base size for the current text size, plus ``step`` points."""
        return TEXT_SIZE_PT.get(self.text_size, TEXT_SIZE_PT["normal"]) + step

    def apply(self, text_size: str) -> None:
        self.text_size = text_size if text_size in TEXT_SIZE_PT else "normal"
        base = self.point_size()
        font = QFont(self.family) if self.family else QFont(self._app.font())
        if self.family:
            font.setFamilies([self.family, *[f for f in CJK_FAMILIES if f != self.family]])
        font.setPointSize(base)
        font.setHintingPreference(QFont.HintingPreference.PreferFullHinting)
        self._app.setFont(font)
        if self._template is not None:
            sheet = self._template.safe_substitute(
                base=base, small=base - 1, h1=base + 8, h2=base + 4, h3=base + 2, big=base + 10,
                pad=max(6, base // 2), radius=6, icons=ICON_DIR.as_posix(),
            )
            if sheet != self._app.styleSheet():  # setting it again restyles every widget for nothing
                self._app.setStyleSheet(sheet)
