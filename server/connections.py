"""Connection limits around uvicorn: a header timeout and enough file descriptors.

uvicorn only times out idle keep-alive connections. A connection that sends nothing, or only
part of a request header, would stay open for ever, and a thousand of them exhaust the
process's file descriptors. ``guarded_h11`` makes uvicorn's h11 protocol close a connection
whose request headers are not complete within ``header_timeout_s`` of its first byte being
awaited (the connection opening, or the previous answer). ``raise_fd_limit`` lifts the soft
limit on open files to the hard one and says how many connections fit under it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

from server.config import HEADER_TIMEOUT_S

FDS_KEPT_FREE = 64
"""For the database, the log and the course files being sent."""


class _GuardedH11Protocol(H11Protocol):
    header_timeout_s = HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None
    _armed_for: RequestResponseCycle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._header_timer is None:
            self._armed_for = self.cycle
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_timeout)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_headers():
            self._arm()
        super().data_received(data)
        if self.cycle is not self._armed_for:  # a new request's headers are complete
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._waiting_for_headers():
            self._disarm()  # idle now: uvicorn's keep-alive timeout takes over until bytes arrive

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self.cycle is self._armed_for and self._waiting_for_headers() and not self.transport.is_closing():
            with contextlib.suppress(h11.LocalProtocolError):
                self.conn.send(h11.ConnectionClosed())
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


HEADER_TIMEOUT_ENV = "STUDYDESK_HEADER_TIMEOUT_S"


class WorkerH11Protocol(_GuardedH11Protocol):
    """The guarded protocol of a worker process of ``serve --workers N``, named by an import path
    (GUARDED_H11) because the supervisor starts workers as new processes: its header timeout is
    read from $STUDYDESK_HEADER_TIMEOUT_S, which ``serve`` sets before it starts them, when a
    connection is made (not when this module is imported: a worker forked from a fork server that is
    a fork of the supervisor has it imported from before ``serve`` set it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_s = float(os.environ.get(HEADER_TIMEOUT_ENV) or HEADER_TIMEOUT_S)


GUARDED_H11 = f"{__name__}:{WorkerH11Protocol.__name__}"


def guarded_h11(header_timeout_s: float = HEADER_TIMEOUT_S) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing connections that do not send their headers in time."""

    class GuardedH11Protocol(_GuardedH11Protocol):
        pass

    GuardedH11Protocol.header_timeout_s = header_timeout_s
    return GuardedH11Protocol


def raise_fd_limit() -> int:
    """Lift the soft limit on open files to the hard limit; the connections that then fit."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return max(16, int(soft) - FDS_KEPT_FREE)
