"""Work-arounds for bugs in the Qt binding itself, applied once before any window exists.

PySide6 6.12.0: ``SignalInstance.emit()`` returns ``True`` without taking a reference, so
every signal emitted from Python lowers the reference count of ``True`` by one. After a
few thousand emits (a lesson played for some minutes: position ticks at 4 Hz) the count
reaches zero and the interpreter aborts with "Fatal Python error: bool_dealloc". The fix
wraps ``emit`` and gives the missing reference back. It first *measures* the bug with one
probe emit, so a PySide6 without the bug is left untouched.

Call ``apply()`` from the app's start-up and from the test configuration. Must not import
windows, widgets or engines.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

_applied = False


def _emit_leaks_true() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal(int)

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(4):
        probe.ping.emit(1)
    leaked = sys.getrefcount(True) < before - 2
    if leaked:  # give back what the probe itself took
        for _ in range(4):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return leaked


def apply() -> bool:
    """Patch ``SignalInstance.emit`` when this PySide6 has the refcount bug. Returns whether patched."""
    global _applied
    if _applied:
        return True
    from PySide6.QtCore import SignalInstance

    if not _emit_leaks_true():
        return False
    original = SignalInstance.emit
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None

    def emit(self: Any, *args: Any) -> Any:
        result = original(self, *args)
        if result is True or result is False:
            incref(result)  # the reference the binding forgot to take
        return result

    SignalInstance.emit = emit  # type: ignore[method-assign]
    _applied = True
    return True
