"""Limits that keep one client, or many at once, from taking the server down.

``Slots`` is the one admission mechanism: at most ``size`` holders at once, and a caller that
cannot get a slot within ``wait_s`` is answered 503 with a Retry-After (ServerBusyError) instead
of queueing without end. API requests, password hashing and the parsing of big record batches
each take one.

``BodyLimit`` (ASGI middleware) refuses a request body over MAX_BODY_BYTES with 413, whether it
declares its length or arrives chunked with none: bytes are counted as they arrive, so nothing
past the limit is ever held in memory. A body that stops arriving part-way is given up after
BODY_IDLE_TIMEOUT_S (408). ``read_body`` gives one route its own, smaller cap.

``Admission`` (ASGI middleware) lets at most ServerConfig.api_slots API requests run at once;
the rest wait up to ADMISSION_WAIT_S and are then answered 503 with Retry-After, before the database and the
worker threads saturate. A database that still stays busy (SQLite's "database is locked",
PostgreSQL's lock or statement timeout, no free pooled connection) becomes the same 503
(``server.storage.engine.is_busy``) rather than a 500.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sync.protocol.errors import FormatError, ServerBusyError

if TYPE_CHECKING:  # the admin commands use Slots without the web stack; the answers import it when made
    from fastapi import Request
    from starlette.responses import JSONResponse
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 8 * 1024 * 1024
BODY_IDLE_TIMEOUT_S = 30.0
ADMISSION_WAIT_S = 2.0
RETRY_AFTER_S = 2.0
BUSY_JITTER = 2.0
"""A busy 503's Retry-After is RETRY_AFTER_S (or the busy part's own) times up to this (busy_answer)."""
_jitter = random.Random()


class BodyTooLarge(FormatError):
    """A request body over its limit: answered 413."""

    def __init__(self, detail: str = "request body is too large") -> None:
        super().__init__("too_large", detail)


class BodyTimeout(FormatError):
    """A request body that stopped arriving: answered 408."""

    def __init__(self) -> None:
        super().__init__("body_timeout", f"the request body stopped arriving for {BODY_IDLE_TIMEOUT_S:.0f} s")


class _Waiter:
    """One caller queued for a slot; ``granted`` is set (under the Slots' lock) when a release hands it one."""

    __slots__ = ("granted", "wake")

    def __init__(self, wake: Callable[[], None]) -> None:
        self.granted = False
        self.wake = wake


class Slots:
    """At most ``size`` holders at once; waiting longer than ``wait_s`` for one raises a
    ServerBusyError with ``retry_after_s``. ``hold`` blocks (worker threads), ``acquire_async``
    waits without blocking the event loop.

    Callers that find no slot free queue, threads and event-loop tasks alike, and a release hands
    its slot straight to the one that has waited longest, waking it at once: no slot stands free
    while someone waits for it, and no late-comer takes one before those already waiting (who
    would otherwise run out their wait and be turned away while others are served)."""

    def __init__(self, size: int, *, wait_s: float, retry_after_s: float, what: str) -> None:
        self.size = size
        self.wait_s = wait_s
        self.retry_after_s = retry_after_s
        self.what = what
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[_Waiter] = deque()
        """Never non-empty while a slot is free: a release hands its slot to the first waiter."""

    def _busy(self) -> ServerBusyError:
        return ServerBusyError("server_busy", f"too many {self.what} at once; try again shortly",
                               retry_after_s=self.retry_after_s)

    def try_acquire(self) -> bool:
        """Take a slot if one is free now."""
        with self._lock:
            if self._free:
                self._free -= 1
                return True
            return False

    def _queue(self, wake: Callable[[], None]) -> _Waiter | None:
        """Take a free slot (None), or queue a waiter that ``wake`` wakes once it is handed one."""
        with self._lock:
            if self._free:
                self._free -= 1
                return None
            waiter = _Waiter(wake)
            self._waiting.append(waiter)
            return waiter

    def _leave(self, waiter: _Waiter) -> bool:
        """Stop waiting: True when a slot was handed to ``waiter`` meanwhile (the caller holds it)."""
        with self._lock:
            if waiter.granted:
                return True
            self._waiting.remove(waiter)
            return False

    def acquire(self) -> None:
        """Take a slot, waiting up to ``wait_s`` (blocking: for worker threads)."""
        if self.wait_s <= 0:
            if not self.try_acquire():
                raise self._busy()
            return
        handed = threading.Event()
        waiter = self._queue(handed.set)
        if waiter is not None and not handed.wait(self.wait_s) and not self._leave(waiter):
            raise self._busy()

    async def acquire_async(self) -> None:
        """Take a slot, waiting up to ``wait_s`` without blocking the event loop."""
        if self.wait_s <= 0:
            if not self.try_acquire():
                raise self._busy()
            return
        loop = asyncio.get_running_loop()
        handed: asyncio.Future[None] = loop.create_future()

        def handover() -> None:
            if not handed.done():  # not given up (timed out, cancelled) in the meantime
                handed.set_result(None)

        def wake() -> None:  # in whichever thread released the slot
            loop.call_soon_threadsafe(handover)

        waiter = self._queue(wake)
        if waiter is None:
            return
        try:
            await asyncio.wait_for(handed, self.wait_s)
        except TimeoutError:
            if not self._leave(waiter):
                raise self._busy() from None
        except asyncio.CancelledError:
            if self._leave(waiter):
                self.release()  # handed one just as the wait was given up: pass it on
            raise

    def release(self) -> None:
        with self._lock:
            if not self._waiting:
                if self._free >= self.size:
                    raise ValueError(f"{self.what}: a slot released more often than taken")
                self._free += 1
                return
            waiter = self._waiting.popleft()
            waiter.granted = True
        try:
            waiter.wake()
        except RuntimeError:  # its event loop has closed (the worker is stopping): the slot goes on
            self.release()

    @contextmanager
    def hold(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


def busy_answer(exc: ServerBusyError, status: int = 503, rng: random.Random | None = None) -> JSONResponse:
    """The answer to ``exc``: 503 (or ``status``) with Retry-After. A busy server's 503 names a wait
    drawn from [retry_after_s, BUSY_JITTER x retry_after_s]: clients turned away in the same
    instant then come back spread out, not in one herd that is turned away again. A 429's wait
    (a sign-in throttle's schedule, server.throttle) is named as it is.

    A busy 503 also closes the connection. Workers (serve --workers) share one listening socket and
    a kept-alive connection stays with the worker that accepted it: a client turned away by one busy
    worker would come back to that worker after its wait, however idle the others were. On a new
    connection it reaches whichever worker is free to accept it first, the least busy one. (Which
    worker accepts a new connection is otherwise a race that one worker may win for a whole burst
    of connections at once.)"""
    from starlette.responses import JSONResponse

    headers = {"Connection": "close"} if status == 503 else {}
    if exc.retry_after_s is not None:
        wait_s = exc.retry_after_s
        if status == 503:
            wait_s *= (rng or _jitter).uniform(1.0, BUSY_JITTER)
        headers["Retry-After"] = str(max(1, math.ceil(wait_s)))
    return JSONResponse({"code": exc.code, "detail": exc.detail}, status_code=status, headers=headers)


def database_busy() -> ServerBusyError:
    return ServerBusyError("server_busy", "the database is busy; try again shortly", retry_after_s=RETRY_AFTER_S)


class BodyLimit:
    """ASGI middleware: request bodies over ``max_bytes`` are refused as they arrive."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES,
                 idle_timeout_s: float = BODY_IDLE_TIMEOUT_S, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.idle_timeout_s = idle_timeout_s
        self.larger = larger or {}
        """Paths whose requests may carry more (an admin's course upload), path -> bytes."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                from starlette.responses import JSONResponse

                await JSONResponse({"code": "too_large", "detail": "request body is too large"},
                                   status_code=413, headers={"Connection": "close"})(scope, receive, send)
                return
        received = 0
        body_done = False

        async def limited_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # afterwards the app only listens for a disconnect, which may take hours
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.idle_timeout_s)
            except TimeoutError:
                raise BodyTimeout() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
                body_done = not message.get("more_body", False)
            return message

        await self.app(scope, limited_receive, send)


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole request body, refused (413) as soon as it passes ``max_bytes``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


class Admission:
    """ASGI middleware: at most ``slots.size`` API and admin web requests at once (the health check
    and the admin web's static files are free)."""

    def __init__(self, app: ASGIApp, slots: Slots) -> None:
        self.app = app
        self.slots = slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        counted = path.startswith("/api/") or (path.startswith("/admin") and not path.startswith("/admin/static/"))
        if scope["type"] != "http" or not counted or path == "/api/health":
            await self.app(scope, receive, send)
            return
        try:
            await self.slots.acquire_async()
        except ServerBusyError as exc:
            await busy_answer(exc)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release()


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (uvicorn applies X-Forwarded-For only from
    the trusted proxy addresses, by default 127.0.0.1)."""
    return request.client.host if request.client else ""
