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

# The bootloader put the bundle first on LD_LIBRARY_PATH for this process (the dynamic loader
# read it at start-up already). Programs this app starts (xdg-open for a course document, a
# browser) must get the system's libraries, not ours: give them the original value back.
if sys.platform.startswith("linux") and "LD_LIBRARY_PATH" in os.environ:
    _orig = os.environ.get("LD_LIBRARY_PATH_ORIG")
    if _orig:
        os.environ["LD_LIBRARY_PATH"] = _orig
    else:
        del os.environ["LD_LIBRARY_PATH"]
