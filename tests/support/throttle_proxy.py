"""A TCP proxy on loopback that can throttle, count and cut connections (tests and benches).

It stands in for the network between the PC and the server: the bytes it forwards to the
client are counted (``bytes_down``, headers included), an optional rate cap paces them,
and ``cut_after`` lists cumulative downstream byte counts at which the live connections
are dropped, as a flaky link would.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class ThrottleProxy:
    def __init__(self, upstream_host: str, upstream_port: int, rate_bps: float = 0,
                 cut_after: list[int] | None = None) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.rate_bps = rate_bps
        self.cut_after = sorted(cut_after or [])
        self.bytes_down = 0
        self.bytes_up = 0
        self.cuts = 0
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name="proxy-accept")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThrottleProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut_all(count=False)
        self._thread.join(5)

    def __enter__(self) -> ThrottleProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def cut_all(self, count: bool = True) -> None:
        with self._lock:
            conns = list(self._conns)
            self._conns.clear()
            if count and conns:
                self.cuts += 1
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                c.close()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, downstream: bool) -> None:
        started, sent = time.monotonic(), 0
        try:
            while True:
                data = src.recv(16 * 1024 if not self.rate_bps else 4096)
                if not data:
                    break
                if downstream and self.rate_bps:
                    sent += len(data)
                    ahead = sent / self.rate_bps - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
                dst.sendall(data)
                if self._account(len(data), downstream):
                    self.cut_all()
                    return
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def _account(self, n: int, downstream: bool) -> bool:
        """Count ``n`` bytes; True when a planned cut is due."""
        with self._lock:
            if not downstream:
                self.bytes_up += n
                return False
            self.bytes_down += n
            if self.cut_after and self.bytes_down >= self.cut_after[0]:
                self.cut_after.pop(0)
                return True
            return False
