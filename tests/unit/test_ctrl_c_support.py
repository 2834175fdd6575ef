"""A child a test stops with Ctrl-C takes SIGINT even when the test run itself ignores it
(a run started in the background by a shell script inherits SIGINT ignored)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.ctrl_c import popen_taking_ctrl_c

SHOW = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"


@pytest.fixture
def run_ignoring_sigint() -> Iterator[None]:
    """This process ignores SIGINT, as a test run started with ``pytest ... &`` from a script does."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _child_handles_sigint(start: Callable[..., subprocess.Popen[Any]]) -> bool:
    proc = start([sys.executable, "-c", SHOW], stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    return {"True": True, "False": False}[out.strip()]


@pytest.mark.usefixtures("run_ignoring_sigint")
def test_a_child_takes_ctrl_c_while_the_run_ignores_it_and_the_run_still_ignores_it() -> None:
    assert not _child_handles_sigint(subprocess.Popen)  # what a plain Popen gives in such a run
    assert _child_handles_sigint(popen_taking_ctrl_c)
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_a_run_that_takes_ctrl_c_keeps_its_own_handler() -> None:
    before = signal.getsignal(signal.SIGINT)
    assert _child_handles_sigint(popen_taking_ctrl_c)
    assert signal.getsignal(signal.SIGINT) is before
