"""The browser of the admin web's tests: Debian's Chromium headless shell (the package
chromium-headless-shell, which ``./run setup`` installs), driven by Playwright. It is the same
Chromium, built without the windowed browser around it, as Playwright itself runs headless: the
same pages and pictures for about 40% less CPU than the full browser started headless. One is
started at the first test of this folder that asks for it and stopped after this folder's last test
in a row (a package-scoped fixture): Playwright's sync API keeps its event loop marked as running in
the main thread, and a later test of another folder that runs an event loop (asyncio.run) would be
refused. Each test opens its own contexts (cookies, storage) in it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium-headless-shell")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is not installed (./run setup installs chromium-headless-shell)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, env={**os.environ, "LANGUAGE": "zh_CN"},
                              args=["--no-sandbox", "--lang=zh-CN", "--disable-background-networking",
                                    "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-sync"])
        yield b
        b.close()
