"""A cancel that reaches a thread blocked in a read: a ``threading.Event`` that also calls its hooks.

A download thread looks at its cancel event between chunks, but on a stalled connection (a
server or a proxy that keeps it open and sends nothing) it sits inside one socket read until the
read timeout. Whoever holds such a read hooks a way to end it for as long as it reads (the HTTP
source shuts the socket for reading), and ``set()`` calls that hook at once, on the thread that
cancels (the GUI thread, the Ctrl-C handler). Everything else uses it as a plain Event.
Must not import Qt or anything from client/ or server/.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["CancelEvent"]


class CancelEvent(threading.Event):
    """A threading.Event whose ``set()`` also calls the interrupts hooked with ``while_set_calls``."""

    def __init__(self) -> None:
        super().__init__()
        # Reentrant: a Ctrl-C handler may call set() on the thread that is just hooking.
        self._hooks_lock = threading.RLock()
        self._hooks: list[Callable[[], None]] = []

    def set(self) -> None:
        super().set()
        with self._hooks_lock:
            hooks = list(self._hooks)
        for interrupt in hooks:
            interrupt()

    @contextmanager
    def while_set_calls(self, interrupt: Callable[[], None]) -> Iterator[None]:
        """Inside the block, a ``set()`` calls ``interrupt`` (at once if the event is already set).

        ``interrupt`` runs on the cancelling thread, must not block or raise, and may run once more
        just after the block ends (a ``set()`` that took its list of hooks just before), so it must
        also be harmless on what the block has finished with.
        """
        with self._hooks_lock:
            self._hooks.append(interrupt)
        try:
            if self.is_set():
                interrupt()
            yield
        finally:
            with self._hooks_lock:
                self._hooks.remove(interrupt)
