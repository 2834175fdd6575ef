"""A TCP proxy on loopback that holds each answer after a given number of bytes, until the test opens it.

It stands in for the network between the PC and the server. Requests go through as they
come; of each answer, the first ``hold_after`` bytes (headers included) go through, and the
rest waits in the server's socket until ``release()``. A download through it is therefore
still under way, with at most ``hold_after`` bytes received, for as long as the test wants:
a test that acts part-way (e.g. presses Ctrl-C) never finds the download already finished,
however slowly the machine runs the test. After ``release()`` everything passes at once.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class GateProxy:
    def __init__(self, upstream_host: str, upstream_port: int, hold_after: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.hold_after = hold_after
        self._open = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name="gate-proxy-accept")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GateProxy:
        self._thread.start()
        return self

    def release(self) -> None:
        """Let the held answers, and every later one, through whole."""
        self._open.set()

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
        with contextlib.suppress(OSError):
            self._listener.close()
        self._open.set()  # wakes the held pumps, which then find their sockets shut
        with self._lock:
            conns = list(self._conns)
            self._conns.clear()
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                c.close()
        self._thread.join(5)

    def __enter__(self) -> GateProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

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
        sent = 0
        try:
            while data := src.recv(64 * 1024):
                if downstream and not self._open.is_set() and sent + len(data) > self.hold_after:
                    head = data[:max(0, self.hold_after - sent)]
                    dst.sendall(head)
                    sent += len(head)
                    data = data[len(head):]
                    self._open.wait()  # held: nothing more is read from the server until release()
                    if self._stopped.is_set():
                        return
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
