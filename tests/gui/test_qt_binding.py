"""The Qt binding itself: PySide6 6.12.0 dropped a reference to ``True`` on every signal emit
from Python, so a lesson played for a few minutes (position ticks at 4 Hz) aborted the app
with "bool_dealloc". pyproject.toml keeps that release out; this test fails loudly if a
binding with the same bug is ever installed again."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Ticker(QObject):
    ticked = Signal(int)


def test_emitting_signals_does_not_leak_references_to_true(qapp: object) -> None:
    ticker = _Ticker()
    received: list[int] = []
    ticker.ticked.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(200):
        ticker.ticked.emit(i)
    assert len(received) == 200
    assert sys.getrefcount(True) >= before - 5
