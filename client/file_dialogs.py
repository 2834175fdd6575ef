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


Volume = tuple[str, str]  # (mount folder, device), as QStorageInfo reports them


def mounted_volumes() -> list[Volume]:
    """Every mounted, ready volume: its folder and its device (e.g. ("/media/zhang/U盘", "/dev/sdb1"))."""
    return [(v.rootPath(), bytes(v.device().data()).decode(errors="replace"))
            for v in QStorageInfo.mountedVolumes() if v.isValid() and v.isReady()]


def usb_folders(volumes: Iterable[Volume] | None = None, *, platform: str = sys.platform,
                prefixes: tuple[str, ...] | None = None) -> list[str]:
    """The mounted USB sticks among ``volumes`` (default: ``mounted_volumes()``).

    Linux: a disk (a /dev/ device) mounted right inside one of the ``removable_prefixes()``,
    e.g. /media/zhang/KINGSTON or /mnt/usb, the per-user folders first; deeper folders under
    /mnt are other things (a program's own mounts). Windows: drives of the "removable" type."""
    vols = list(mounted_volumes() if volumes is None else volumes)
    if platform.startswith("win"):
        return [root for root, _device in vols if _is_removable_drive(root)]
    found: list[str] = []
    for prefix in prefixes if prefixes is not None else removable_prefixes():
        for root, device in vols:
            inside = (root.rstrip("/") + "/").removeprefix(prefix).strip("/")
            if (root.startswith(prefix) and inside and "/" not in inside and device.startswith("/dev/")
                    and root not in found and os.path.isdir(root)):
                found.append(root)
    return found


def start_folder(volumes: Iterable[Volume] | None = None, *, platform: str = sys.platform,
                 prefixes: tuple[str, ...] | None = None, home: Path | None = None) -> str:
    """The folder a file dialog opens in: the first mounted USB stick, else the home folder."""
    sticks = usb_folders(volumes, platform=platform, prefixes=prefixes)
    if sticks:
        return sticks[0]
    return str(home if home is not None else Path.home())


def start_path(file_name: str) -> str:
    """A save dialog's starting file: ``file_name`` in ``start_folder()``."""
    return str(Path(start_folder()) / file_name)
