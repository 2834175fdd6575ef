"""A private Xvfb server for the tests that need a real X display.

Xvfb picks a free display number itself (``-displayfd``) and writes it once it accepts
clients, so tests running in parallel never race for the same number. ``screen_fixture`` (the
fixture ``screen``) runs a test once on each of the small office screens, 1366x768 and 1024x768.
``app_env`` is the environment of a Qt child process drawing on such a display.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def start_xvfb(screen: str = "1366x768x24") -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb and wait until it is ready; returns the process and its ``:N`` display name."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            number = pipe.readline().strip().decode()  # written once the server is ready
    except OSError:
        number = ""
    if not number.isdigit():
        proc.kill()
        proc.wait()
        pytest.fail("Xvfb did not start")
    return proc, f":{number}"


def app_env(display: str, *, opengl: bool = False, **extra: str) -> dict[str, str]:
    """This process's environment for a Qt child on ``display`` (QT_QPA_PLATFORM=xcb), with ``extra``.

    Unless ``opengl``, it finds no OpenGL driver (LIBGL_DRIVERS_PATH names no folder), as on a PC without
    one: VLC then draws the video into the window with its X11 output (xcb_x11) instead of its OpenGL one,
    which on Xvfb runs on Mesa's software rasteriser at about five times the CPU (0.3 CPU-s per second of
    video at 1024x680, redrawn whatever the clip's frame rate). The pictures on the screen are the same
    video frames; tests/integration/test_vlc_window.py keeps the OpenGL output under test."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", **extra}
    if not opengl:
        env["LIBGL_DRIVERS_PATH"] = os.devnull
    return env


@contextmanager
def xvfb_display(screen: str = "1366x768x24") -> Iterator[str]:
    """A running Xvfb for the duration of the block (skips when Xvfb is not installed)."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian package xvfb; ./run setup installs it)")
    proc, display = start_xvfb(screen)
    try:
        yield display
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


SCREENS = ("1024x768", "1366x768")
"""The office screens the windows must fit, width x height."""
SCREEN_SIZES = ((1366, 768), (1024, 768))
"""The same screens as (width, height), the larger first (the screenshot scripts' order)."""
TEXT_SIZES = ("normal", "xlarge")
"""The text sizes (client.theme) each screen is checked and photographed at: the default and the largest."""


@pytest.fixture(params=SCREENS, name="screen")
def screen_fixture(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """An Xvfb of each screen in turn: the screen's name and the ``:N`` display. A test module imports
    ``screen_fixture`` (the name no test argument shadows) and asks for ``screen``."""
    name: str = request.param
    with xvfb_display(f"{name}x24") as display:
        yield name, display
