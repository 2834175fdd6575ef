"""``studydesk --self-check``: prove that an installed (or source) StudyDesk has every part it needs.

Checks, in order: Qt loads (offscreen platform, a CJK font, a widget renders), the zh_CN
translation loads, libvlc starts with its plugins and plays one second of the bundled sample
clip headless (dummy video and audio output) with the clock advancing, and the site file is
read. Each line says what was found; the exit code is non-zero with a clear reason when any
part is missing. Works the same frozen (PyInstaller) and from a source checkout.

Must not import windows or widgets of the app: it checks the parts, not the GUI.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from client.i18n import QT_TRANSLATE_NOOP
from sync.protocol.errors import SyncError

if TYPE_CHECKING:
    from player.vlc_backend import VlcBackend
from sync.site.config import default_site_paths, load_site

_CTX = "SelfCheck"
CLIP_RELATIVE = Path("installer") / "assets" / "selfcheck.mp4"
PLAY_TARGET_MS = 1000
PLAY_TIMEOUT_S = 15.0

LABELS = {
    "bundle": QT_TRANSLATE_NOOP("SelfCheck", "Program"),
    "qt": QT_TRANSLATE_NOOP("SelfCheck", "Qt (offscreen)"),
    "font": QT_TRANSLATE_NOOP("SelfCheck", "Chinese font"),
    "translation": QT_TRANSLATE_NOOP("SelfCheck", "Chinese translation"),
    "vlc": QT_TRANSLATE_NOOP("SelfCheck", "Video playback (VLC)"),
    "site": QT_TRANSLATE_NOOP("SelfCheck", "Site file"),
}


@dataclass(frozen=True, slots=True)
class CheckLine:
    key: str
    ok: bool
    detail: str


def resource_root() -> Path:
    """The folder holding resources/ and installer/assets/: the bundle when frozen, else the checkout."""
    frozen = getattr(sys, "_MEIPASS", None)
    return Path(frozen) if frozen else Path(__file__).resolve().parent.parent


def sample_clip() -> Path:
    return resource_root() / CLIP_RELATIVE


def check_bundle() -> CheckLine:
    frozen = bool(getattr(sys, "frozen", False))
    where = Path(sys.executable).resolve().parent if frozen else resource_root()
    kind = "frozen" if frozen else "source"
    return CheckLine("bundle", True, f"{kind}: {where} (Python {sys.version.split()[0]})")


def check_qt() -> list[CheckLine]:
    from PySide6.QtGui import QFontDatabase
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(["studydesk-self-check"])
    platform = QApplication.platformName()
    label = QLabel("学习桌 StudyDesk")
    label.adjustSize()
    pixmap = label.grab()
    ok = platform == "offscreen" and not pixmap.isNull()
    lines = [CheckLine("qt", ok, f"Qt {_qt_version()}, platform {platform!r}, "
                                f"widget rendered {pixmap.width()}x{pixmap.height()}")]
    families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    lines.append(CheckLine("font", bool(families),
                           ", ".join(families[:3]) if families else "no font with Chinese characters found "
                           "(install fonts-wqy-microhei or fonts-noto-cjk)"))
    del app
    return lines


def _qt_version() -> str:
    from PySide6.QtCore import qVersion

    return qVersion()


def check_translation() -> CheckLine:
    from client.i18n import Translator, ensure_built, qm_dir

    app = QCoreApplication.instance()
    if app is None:
        return CheckLine("translation", False, "Qt did not start")
    ensure_built()  # from source: compile a missing or stale .qm; frozen: the bundle ships them
    translator = Translator(app)
    ok = translator.set_language("zh_CN")
    qm = qm_dir() / "studydesk_zh_CN.qm"
    sample = QCoreApplication.translate(_CTX, str(LABELS["site"]))
    detail = f"{qm} ({sample})" if ok else f"{qm} is missing or unreadable"
    translator.uninstall()
    return CheckLine("translation", ok, detail)


def check_vlc(clip: Path | None = None) -> CheckLine:
    """Play one second of ``clip`` headless through the app's own VLC backend."""
    from player.errors import PlaybackError
    from player.vlc_backend import VlcBackend, libvlc_version

    clip = clip or sample_clip()
    if not clip.is_file():
        return CheckLine("vlc", False, f"sample clip {clip} is missing")
    plugins = os.environ.get("VLC_PLUGIN_PATH", "(libvlc default)")
    try:
        backend = VlcBackend(headless=True)
    except PlaybackError as exc:
        return CheckLine("vlc", False, f"{exc.detail} (plugin path: {plugins})")
    try:
        reached_ms, refused = _play_one_second(backend, clip)
    finally:
        backend.release()
    ok = reached_ms >= PLAY_TARGET_MS
    detail = (f"libvlc {libvlc_version()}{_loaded_from('libvlccore')}, plugins {plugins}, "
              f"played {reached_ms} ms of {clip.name}")
    if ok:
        return CheckLine("vlc", True, detail)
    return CheckLine("vlc", False, detail + f" (playback did not advance{': ' + refused if refused else ''})")


def _loaded_from(name: str) -> str:
    """' from <path>' of a loaded shared library (Linux), so a bundle using the system's copy shows."""
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    for line in maps.splitlines():
        path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
        if Path(path).name.startswith(name):
            return f" from {Path(path).parent}"
    return ""


def _play_one_second(backend: VlcBackend, clip: Path) -> tuple[int, str]:
    """Milliseconds of ``clip`` played (up to PLAY_TARGET_MS), and why it was refused, if it was."""
    from player.errors import PlaybackError

    try:
        backend.open(clip)
    except PlaybackError as exc:
        return 0, f"{exc.code}: {exc.detail}"
    backend.play()
    reached_ms = 0
    deadline = time.monotonic() + PLAY_TIMEOUT_S
    while time.monotonic() < deadline:
        time.sleep(0.05)
        reached_ms = max(reached_ms, int(backend.position_s() * 1000))
        if reached_ms >= PLAY_TARGET_MS or (not backend.is_playing() and reached_ms > 0):
            break
    backend.stop()
    return reached_ms, ""


def check_site(site_path: Path | None) -> CheckLine:
    try:
        site = load_site(site_path)
    except SyncError as exc:
        return CheckLine("site", False, f"{exc.code}: {exc.detail}")
    except OSError as exc:
        return CheckLine("site", False, str(exc))
    if site.source is None:
        looked = ", ".join(str(p) for p in default_site_paths())
        return CheckLine("site", False, f"no site file found (looked in {looked}); pass --site FILE")
    repo = site.repository or "-"
    detail = (f"{site.source}: server {site.server_url}, CA {site.ca_bundle or 'system'}, "
              f"{len(site.publisher_keys)} publisher key(s), repository {repo}, language {site.language}")
    return CheckLine("site", True, detail)


def run_checks(site_path: Path | None) -> list[CheckLine]:
    """Every check in order; Qt runs offscreen whatever the environment says."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    lines = [check_bundle()]
    steps: list[tuple[str, Callable[[], list[CheckLine]]]] = [
        ("qt", check_qt),
        ("translation", lambda: [check_translation()]),
        ("vlc", lambda: [check_vlc()]),
        ("site", lambda: [check_site(site_path)]),
    ]
    for key, step in steps:
        try:
            lines.extend(step())
        except Exception as exc:  # a self-check reports every failure, it never crashes
            lines.append(CheckLine(key, False, f"{type(exc).__name__}: {exc}"))
    return lines


def report(lines: list[CheckLine], out: Callable[[str], None] = print) -> int:
    for line in lines:
        mark = "OK  " if line.ok else "FAIL"
        out(f"[{mark}] {QCoreApplication.translate(_CTX, str(LABELS[line.key]))}: {line.detail}")
    failed = [line for line in lines if not line.ok]
    if failed:
        text = QCoreApplication.translate("SelfCheck", "Self-check failed: %1 part(s) missing or broken.")
        out(text.replace("%1", str(len(failed))))
        return 1
    out(QCoreApplication.translate("SelfCheck", "Self-check passed: every part works."))
    return 0


def main(site_path: Path | None = None, language: str = "en") -> int:
    """Run every check, then report in ``language`` (the run's language, as every command speaks)."""
    from client.i18n import command_translations

    lines = run_checks(site_path)
    with command_translations(language):
        return report(lines)
