"""PyInstaller runtime hook: point libvlc at the plugins inside the bundle before anything loads it.

Runs in the frozen app before client code. Without it a frozen app on a PC without VLC gets
None from vlc.Instance() ("no plugins found"). Imports only the standard library.
"""

import os
import sys

_base = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
_plugins = os.path.join(_base, "vlc", "plugins")
if os.path.isdir(_plugins):
    os.environ["VLC_PLUGIN_PATH"] = _plugins
    os.environ["PYTHON_VLC_MODULE_PATH"] = _plugins
    for _name in ("libvlc.so.5", "libvlc.dll"):
        _lib = os.path.join(_base, _name)
        if os.path.isfile(_lib):
            os.environ["PYTHON_VLC_LIB_PATH"] = _lib
            break
