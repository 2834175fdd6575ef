"""A real TCP proxy on loopback that can cut connections part-way, for sync tests and benches.

Each new connection takes the next plan from a queue (default: pass everything through):
``cut_request(n)`` forwards only the first n request bytes, then drops both sides;
``cut_response(n)`` forwards the whole request but only n bytes of the answer;
``after_request(n, fn)`` calls ``fn()`` once n request bytes have gone upstream (e.g. kill the
server mid-batch); ``respond(raw)`` answers with canned bytes without contacting the server
(what an overloaded reverse proxy in front of the server does: 503/429 with Retry-After);
``hold_response(n, gate)`` forwards the first n bytes of the answer (headers included) and
holds the rest in the server's socket until the test sets ``gate``: a download through it is
still under way for as long as the test wants, however slowly the machine runs the test.
``default_plan`` is the plan of a connection when the queue is empty.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType


@dataclass
class Plan:
    cut_up_after: int | None = None
    cut_down_after: int | None = None
    after_up: tuple[int, Callable[[], None]] | None = None
    canned: bytes | None = None
    hold_down: tuple[int, threading.Event] | None = None


def cut_request(n: int) -> Plan:
    return Plan(cut_up_after=n)


def cut_response(n: int) -> Plan:
    return Plan(cut_down_after=n)


def after_request(n: int, fn: Callable[[], None]) -> Plan:
    return Plan(after_up=(n, fn))


def hold_response(n: int, gate: threading.Event) -> Plan:
    return Plan(hold_down=(n, gate))


def respond(status: int, reason: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Plan:
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return Plan(canned=("\r\n".join(lines) + "\r\n\r\n").encode() + body)


@dataclass
class _Conn:
    client: socket.socket
    upstream: socket.socket | None
    plan: Plan
    closed: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        self.closed.set()
        for s in (self.client, self.upstream):
            if s is None:
                continue
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()


class CuttingProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._plans: deque[Plan] = deque()
        self.default_plan = Plan()
        self._lock = threading.Lock()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self._conns: list[_Conn] = []
        self._stop = threading.Event()
        self.connections = 0
        self.bytes_up = 0
        self.bytes_down = 0
        self._thread = threading.Thread(target=self._accept_loop, name="cutting-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plan(self, *plans: Plan) -> None:
        with self._lock:
            self._plans.extend(plans)

    def pending_plans(self) -> int:
        with self._lock:
            return len(self._plans)

    def start(self) -> CuttingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.close()
        for c in list(self._conns):
            c.close()
        self._thread.join(5)

    def __enter__(self) -> CuttingProxy:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        self._sock.settimeout(0.1)  # so stop() is noticed promptly
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            with self._lock:
                plan = self._plans.popleft() if self._plans else self.default_plan
                self.connections += 1
            threading.Thread(target=self._serve, args=(client, plan), daemon=True).start()

    def _serve(self, client: socket.socket, plan: Plan) -> None:
        if plan.canned is not None:
            conn = _Conn(client, None, plan)
            self._conns.append(conn)
            with contextlib.suppress(OSError):
                client.settimeout(2)
                client.recv(65536)  # read (some of) the request, then answer
                client.sendall(plan.canned)
            conn.close()
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()  # the server is down: the client sees the connection close
            return
        conn = _Conn(client, upstream, plan)
        self._conns.append(conn)
        threading.Thread(target=self._pump, args=(conn, client, upstream, True), daemon=True).start()
        self._pump(conn, upstream, client, False)

    def _pump(self, conn: _Conn, src: socket.socket, dst: socket.socket, up: bool) -> None:
        limit = conn.plan.cut_up_after if up else conn.plan.cut_down_after
        sent = 0
        hook = conn.plan.after_up if up else None
        hold = None if up else conn.plan.hold_down
        while not conn.closed.is_set():
            try:
                src.settimeout(0.5)
                data = src.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            if hold is not None and not hold[1].is_set() and sent + len(data) > hold[0]:
                head, data = data[: max(hold[0] - sent, 0)], data[max(hold[0] - sent, 0) :]
                try:
                    dst.sendall(head)
                except OSError:
                    break
                sent += len(head)
                self._count(up, len(head))
                while not hold[1].wait(0.1):  # held: nothing more is read from the server meanwhile
                    if conn.closed.is_set():
                        return
                hold = None
            if limit is not None and sent + len(data) >= limit:
                data = data[: max(limit - sent, 0)]
                with contextlib.suppress(OSError):
                    dst.sendall(data)
                self._count(up, len(data))
                break
            try:
                dst.sendall(data)
            except OSError:
                break
            sent += len(data)
            self._count(up, len(data))
            if hook is not None and sent >= hook[0]:
                fn, hook = hook[1], None
                fn()
        conn.close()

    def _count(self, up: bool, n: int) -> None:
        with self._lock:
            if up:
                self.bytes_up += n
            else:
                self.bytes_down += n
