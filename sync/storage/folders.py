"""Where StudyDesk keeps files on a PC: the one lookup of its folders, through platformdirs.

    user_data_dir(suffix)   one PC account's data: ``studydesk<suffix>`` under $XDG_DATA_HOME
                            (~/.local/share) on Linux, ``StudyDesk<suffix>`` under
                            %LOCALAPPDATA% on Windows
    machine_config_dir()    the PC-wide folder of the site file: /etc/studydesk on Linux (where
                            the .deb puts it), %PROGRAMDATA%\\StudyDesk on Windows

``data_dir(env, suffix)`` is the user data folder unless the environment variable ``env``
(e.g. STUDYDESK_DATA) names another. Must not import Qt or any client engine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs


def _app_name(suffix: str = "") -> str:
    return ("StudyDesk" if sys.platform == "win32" else "studydesk") + suffix


def user_data_dir(suffix: str = "") -> Path:
    """This PC account's data folder for StudyDesk (``suffix`` names a sibling, e.g. ``-server``)."""
    return Path(platformdirs.user_data_dir(_app_name(suffix), appauthor=False, roaming=False))


def data_dir(env: str, suffix: str = "") -> Path:
    """The folder named by the environment variable ``env`` when set, else ``user_data_dir(suffix)``."""
    if value := os.environ.get(env):
        return Path(value)
    return user_data_dir(suffix)


def machine_config_dir() -> Path:
    """The folder for this PC's site file, shared by every account."""
    if sys.platform == "win32":
        return Path(platformdirs.site_config_dir(_app_name(), appauthor=False))
    return Path("/etc") / _app_name()
