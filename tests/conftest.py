"""Test-wide settings. Qt must be told to render offscreen before anything imports it, and
keyring must use an explicit, real backend (never whatever happens to be installed)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.EncryptedKeyring"
os.environ.setdefault("STUDYDESK_LOG_LEVEL", "DEBUG")

pytest_plugins = ["tests.support.fixtures"]
