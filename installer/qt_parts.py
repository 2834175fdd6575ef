"""Which parts of Qt go into the frozen app, for the PyInstaller spec and its Qt hooks
(installer/hooks/hook-PySide6.*.py).

Qt's own translations only in Chinese and English; none of the QML files; and none of the plugins
the client never loads: the other windowing systems (Wayland, EGLFS, framebuffer, VNC, Vulkan
display), the GTK theme, input-device plugins for a bare console, the rarer image formats, and the
network-information and TLS back-ends (QtNetwork only carries the one-instance local socket; the
client's HTTPS goes through requests). Imports nothing from the app.
"""

from __future__ import annotations

import os

DROPPED = (
    "/qml/", "/platforms/libqeglfs", "/platforms/libqlinuxfb", "/platforms/libqminimalegl",
    "/platforms/libqvkkhrdisplay", "/platforms/libqvnc", "/platforms/libqwayland",
    "/platformthemes/libqgtk3", "libQt6Wayland", "libQt6WlShell", "libQt6EglFS", "libQt6EglFs",
    "/imageformats/libqtiff", "/imageformats/libqwebp", "/imageformats/libqtga",
    "/imageformats/libqicns", "/imageformats/libqwbmp", "/generic/", "/plugins/qmltooling/",
    "/plugins/designer/", "/plugins/sqldrivers/", "/plugins/printsupport/", "/plugins/wayland-",
    "/plugins/egldeviceintegrations/", "/plugins/networkinformation/", "/plugins/tls/",
    "/plugins/geometryloaders/", "/plugins/sceneparsers/", "/plugins/renderers/", "/plugins/multimedia/",
)
"""Parts of a destination path (inside the frozen folder) that mark a Qt file the client never loads."""


def wanted(dest: str) -> bool:
    """Whether the file that goes to ``dest`` (relative to the frozen folder) belongs in the app."""
    dest = dest.replace("\\", "/")
    if "/translations/" in dest and dest.startswith("PySide6/"):
        return dest.rsplit("/", 1)[-1].endswith(("_zh_CN.qm", "_en.qm"))
    return not any(part in dest for part in DROPPED)


def wanted_plugins(binaries: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A Qt hook's (source, destination folder) binaries without the plugins the client never loads:
    left out there, their libraries are neither analysed nor copied into the app."""
    return [(src, folder) for src, folder in binaries if wanted(f"{folder}/{os.path.basename(src)}")]
