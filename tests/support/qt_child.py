"""The Qt child process of a GUI test: ``python -m tests.support.qt_child MODULE FUNCTION [ARG...]`` calls
``MODULE.FUNCTION(*ARGS)`` (each argument a string), on the display its environment names.

``run_child`` starts it forked from this test process's zygote (tests/support/zygote.py), where PySide6
and the client are imported already when the zygote is a parallel worker's spare (a new interpreter pays
about a CPU-second importing them), else as a new interpreter; either way a process of its own, which
creates its own QApplication.
"""

from __future__ import annotations

import gc
import importlib
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.support.zygote import run_module

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.support.qt_child"


def run_child(function: Callable[..., object], *args: str, env: Mapping[str, str],
              timeout: float) -> subprocess.CompletedProcess[str]:
    """``function(*args)`` in a child process with the environment ``env``, in the repository's folder;
    answers as ``subprocess.run(..., capture_output=True, text=True)``."""
    return run_module(MODULE, [function.__module__, function.__name__, *args], env=env, cwd=ROOT, timeout=timeout)


def main(module: str, name: str, *arguments: str) -> None:
    """``module.name(*arguments)``, then the end of Qt that the end of an interpreter brings (a fork ends
    without it): the application and the objects left go, any error they raise printed as then."""
    getattr(importlib.import_module(module), name)(*arguments)
    gc.collect()
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance()
    if app is not None:
        app.shutdown()


if __name__ == "__main__":
    main(*sys.argv[1:])
