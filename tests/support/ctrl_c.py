"""Start a child process that takes Ctrl-C (SIGINT), whatever the test run's own SIGINT disposition.

A shell without job control starts a background command (``pytest ... &`` in a script, as
some CI runners and wrapper scripts do) with SIGINT and SIGQUIT ignored, and an ignored
signal stays ignored across fork and exec. Python installs its KeyboardInterrupt handler
only when SIGINT has its default action, so every process such a run starts would ignore
the SIGINT a test sends as its Ctrl-C: a command that should stop keeps running to its end,
and one that waits for Ctrl-C waits for ever. A caught signal, unlike an ignored one, gets
its default action back in the new program at exec. So while a child starts, this process
catches SIGINT with a handler that does nothing (it still ignores Ctrl-C itself), and the
child starts with SIGINT's default action, as from a terminal.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any


def _ignore(signum: int, frame: FrameType | None) -> None:
    """Caught and dropped: this process goes on ignoring SIGINT, but its children do not inherit that."""


@contextmanager
def children_take_ctrl_c() -> Iterator[None]:
    """Processes started inside start with SIGINT's default action, even when this process ignores SIGINT."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, _ignore)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def popen_taking_ctrl_c(args: Sequence[str | Path], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen(args, **kwargs)`` for a child that a test stops with SIGINT."""
    with children_take_ctrl_c():
        return subprocess.Popen(args, **kwargs)
