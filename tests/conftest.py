"""Test-wide settings. Qt must be told to render offscreen before anything imports it, and
keyring must use an explicit, real backend (never whatever happens to be installed)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.EncryptedKeyring"
os.environ.setdefault("STUDYDESK_LOG_LEVEL", "DEBUG")

# PySide6 6.12.0 loses a reference to True on every Python emit(); without this the test
# process aborts ("bool_dealloc") after a few thousand signals. See client/qt_fixes.py.
from client import qt_fixes

qt_fixes.apply()

pytest_plugins = ["tests.support.fixtures"]
