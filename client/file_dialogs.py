"""Where file dialogs open: a mounted USB stick when there is one, else the person's home folder.

Never the program's own folder (the working directory of a shortcut), which means nothing to
the people using the app. ``start_folder()`` is passed as the ``dir`` of every QFileDialog
call that picks a course folder or a place for an exported file.

Also marks the few strings of Qt's own file dialog that Qt's zh_CN catalogue lacks, so that
they are filed in this app's catalogue under Qt's context and translated there.
GUI thread (QStorageInfo); no other I/O than listing mounted volumes. Must not import windows.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QStorageInfo

from client.i18n import QT_TRANSLATE_NOOP

# Labels of Qt's widget-based file dialog (Linux) missing from qtbase_zh_CN.qm.
QT_FILE_DIALOG_TEXTS = (
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
)

_DRIVE_REMOVABLE = 2  # GetDriveTypeW


def removable_prefixes(user: str | None = None) -> tuple[str, ...]:
    """Linux folders under which desktops mount USB sticks, most specific first."""
    name = user if user is not None else _user_name()
    per_user = (f"/media/{name}/", f"/run/media/{name}/") if name else ()
    return (*per_user, "/media/", "/mnt/")


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a service account without one)
        return ""


def _is_removable_drive(root: str) -> bool:
    """Windows: a drive whose type is "removable" (a USB stick or a card reader)."""
    import ctypes

    windll = getattr(ctypes, "windll", None)
    if windll is None:
        return False
    return int(windll.kernel32.GetDriveTypeW(root)) == _DRIVE_REMOVABLE


def usb_folders(mounts: Iterable[str] | None = None, *, platform: str = sys.platform,
                prefixes: tuple[str, ...] | None = None) -> list[str]:
    """Mounted removable volumes, from ``mounts`` (root paths; default: every mounted, ready
    volume QStorageInfo lists), in the order they were given."""
    if mounts is None:
        mounts = [v.rootPath() for v in QStorageInfo.mountedVolumes() if v.isValid() and v.isReady()]
    found: list[str] = []
    if platform.startswith("win"):
        return [m for m in mounts if _is_removable_drive(m)]
    wanted = prefixes if prefixes is not None else removable_prefixes()
    for prefix in wanted:  # the per-user mount folders first
        for mount in mounts:
            path = mount.rstrip("/") + "/"
            if path.startswith(prefix) and path != prefix and mount not in found and os.path.isdir(mount):
                found.append(mount)
    return found


def start_folder(mounts: Iterable[str] | None = None, *, platform: str = sys.platform,
                 prefixes: tuple[str, ...] | None = None, home: Path | None = None) -> str:
    """The folder a file dialog opens in: the first mounted USB stick, else the home folder."""
    sticks = usb_folders(mounts, platform=platform, prefixes=prefixes)
    if sticks:
        return sticks[0]
    return str(home if home is not None else Path.home())


def start_path(file_name: str) -> str:
    """A save dialog's starting file: ``file_name`` in ``start_folder()``."""
    return str(Path(start_folder()) / file_name)
