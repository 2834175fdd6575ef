"""The Qt child process of a GUI test: ``python -m tests.support.qt_child MODULE FUNCTION [ARG...]`` calls
``MODULE.FUNCTION(*ARGS)`` (each argument a string), on the display its environment names;
``python -m tests.support.qt_child client.cli ARG...`` runs the app as ``python -m client.cli ARG...`` does.

``run_child`` and ``run_app`` start it forked from this test process's zygote (tests/support/zygote.py),
where PySide6 and the client are imported already when the zygote is a parallel worker's spare (a new
interpreter pays about a CPU-second importing them), else as a new interpreter; either way a process of
its own, which creates its own QApplication. A test of what the app's command line prints as the
interpreter ends (tests/e2e/test_quit_xvfb.py) starts a new interpreter itself.
"""

from __future__ import annotations

import gc
import importlib
import runpy
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tests.support.zygote import run_module

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.support.qt_child"
APP = "client.cli"


def run_child(function: Callable[..., object], *args: str, env: Mapping[str, str],
              timeout: float) -> subprocess.CompletedProcess[str]:
    """``function(*args)`` in a child process with the environment ``env``, in the repository's folder;
    answers as ``subprocess.run(..., capture_output=True, text=True)``."""
    return run_module(MODULE, [function.__module__, function.__name__, *args], env=env, cwd=ROOT, timeout=timeout)


def run_app(args: Sequence[str], *, env: Mapping[str, str], timeout: float,
            cwd: str | Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``python -m client.cli ARGS``, the app as a learner's command line starts it, in such a child: its
    exit status is the app's, after the same end of Qt."""
    return run_module(MODULE, [APP, *args], env=env, cwd=cwd, timeout=timeout)


def main(argv: Sequence[str]) -> None:
    """The app (``APP ARG...``) or ``MODULE FUNCTION ARG...``, then the end of Qt that the end of an
    interpreter brings (a fork ends without it): a collection, then the application shut down with the
    objects it still holds, any error they raise printed on stderr as then."""
    try:
        if argv[0] == APP:
            sys.argv = [sys.argv[0], *argv[1:]]
            sys.modules.pop(APP, None)  # as under ``python -m``: the module runs as __main__ only
            runpy.run_module(APP, run_name="__main__", alter_sys=True)
        else:
            module, name, *arguments = argv
            getattr(importlib.import_module(module), name)(*arguments)
    finally:
        gc.collect()
        from PySide6.QtCore import QCoreApplication

        app = QCoreApplication.instance()
        if app is not None:
            app.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])
