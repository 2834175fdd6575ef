"""VLC draws a real clip into a native X11 window given with ``set_window`` (Xvfb).

A child process opens a Qt widget on a private Xvfb display, hands its window id to
VlcBackend (real video output, not the dummy one), plays the generated test clip and grabs
the window: the test pattern's colours must be on screen and playback must have advanced.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.media import MediaFactory
from tests.support.xvfb import app_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xvfb

CHILD = r"""
import json, sys, time
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget
from player.vlc_backend import VlcBackend

app = QApplication([])
widget = QWidget()
widget.setGeometry(300, 220, 320, 240)  # away from (0, 0), where a stray VLC window would open
palette = widget.palette()
palette.setColor(QPalette.ColorRole.Window, QColor(Qt.GlobalColor.black))
widget.setPalette(palette)
widget.setAutoFillBackground(True)
widget.show()
for _ in range(20):
    app.processEvents()
    time.sleep(0.01)
backend = VlcBackend(headless=False, extra_args=("--aout=dummy",))
info = backend.open(sys.argv[1])
backend.set_window(int(widget.winId()))
backend.play()
deadline = time.monotonic() + 20.0  # a busy machine plays slowly: wait for a second of video
while time.monotonic() < deadline and backend.position_s() < 1.0:
    app.processEvents()
    time.sleep(0.02)
image = widget.screen().grabWindow(int(widget.winId())).toImage()
colours = {image.pixel(x, y) for x in range(0, image.width(), 8) for y in range(0, image.height(), 8)}
kinds = [str(e.kind) for e in backend.drain_events()]
print(json.dumps({"position": backend.position_s(), "colours": len(colours), "events": kinds,
                  "size": [image.width(), image.height()]}))
backend.release()
"""


def test_plays_into_a_native_x11_window(xvfb: str, media: MediaFactory) -> None:
    env = app_env(xvfb, opengl=True, PYTHONPATH=str(ROOT))  # VLC's OpenGL output, as on a PC with a driver
    out = subprocess.run([sys.executable, "-c", CHILD, str(media.clip(5.0))], env=env, capture_output=True,
                         text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "playing" in result["events"] and "error" not in result["events"], result
    assert result["position"] > 1.0, result
    # A black window has one colour; the testsrc pattern drawn by VLC has many.
    assert result["colours"] > 10, f"nothing drawn in the window: {result}"
