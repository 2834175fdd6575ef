"""The folder where test runs keep what is worth keeping beyond one checkout: the mypy cache of
``./run test``, the remembered module durations (tests/support/schedule.py) and the installer
test's build (tests/support/installer_cache.py).

``$STUDYDESK_TEST_CACHE`` if set, else the user's cache folder (``~/.cache/studydesk-tests`` on
Linux). A fresh clone on the same machine (or a CI job that restores this folder) starts from
there instead of from nothing; everything in it is checked before it is used, or only orders the
tests. ``python -m tests.support.tool_cache`` prints the folder (``./run test`` asks it).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def folder() -> Path:
    configured = os.environ.get("STUDYDESK_TEST_CACHE")
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("studydesk-tests"))


if __name__ == "__main__":
    print(folder())
