"""PyInstaller's own hook for PySide6.QtGui, without the Qt plugins the client never loads
(installer/qt_parts.py). This hook takes the place of PyInstaller's (hookspath has the higher priority)."""

import qt_parts  # installer/qt_parts.py: the spec puts installer/ on sys.path
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = qt_parts.wanted_plugins(binaries)
