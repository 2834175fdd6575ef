"""One window per data root: a second ``studydesk`` on the same data folder brings the first forward.

The first instance listens on a QLocalServer whose name is derived from the data root; a
later one connects, sends "activate" and exits. A stale socket left by a crashed instance
is removed before listening. GUI thread only; must not import windows.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

_CONNECT_TIMEOUT_MS = 500


def already_running_text() -> str:
    """What a second start prints before it exits (in the installed language)."""
    return QCoreApplication.translate("SingleInstance", "StudyDesk is already running on this data folder; its "
                                      "window was brought forward.")


def server_name(data_root: Path) -> str:
    digest = hashlib.sha256(str(data_root.resolve()).encode("utf-8")).hexdigest()[:16]
    return f"studydesk-{digest}"


class SingleInstance(QObject):
    """Call ``claim()`` once at start-up: True means this is the first instance and it now listens."""

    activation_requested = Signal()

    def __init__(self, data_root: Path) -> None:
        super().__init__()
        self.name = server_name(data_root)
        self._server: QLocalServer | None = None
        self._conns: list[QLocalSocket] = []

    def claim(self) -> bool:
        if self._ask_running_instance():
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            QLocalServer.removeServer(self.name)  # a stale socket from a crashed instance
            if not server.listen(self.name):
                return True  # cannot listen; run anyway rather than refuse to start
        server.newConnection.connect(self._on_server_new_connection)
        self._server = server
        return True

    def _ask_running_instance(self) -> bool:
        # Runs before the window exists and the event loop starts: a short local connect is
        # the only way to know whether another copy owns this data folder.
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(_CONNECT_TIMEOUT_MS):
            return False
        socket.write(b"activate\n")
        socket.flush()
        socket.waitForBytesWritten(_CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        return True

    def _on_server_new_connection(self) -> None:
        assert self._server is not None
        self._conns = [c for c in self._conns if c.state() != QLocalSocket.LocalSocketState.UnconnectedState]
        while (conn := self._server.nextPendingConnection()) is not None:
            self._conns.append(conn)  # keep the Python wrapper alive while Qt may still signal
            conn.readyRead.connect(self._on_conn_ready_read)

    def _on_conn_ready_read(self) -> None:
        for conn in list(self._conns):
            if conn.bytesAvailable() and bytes(conn.readAll().data()).strip() == b"activate":
                self.activation_requested.emit()

    def close(self) -> None:
        for conn in self._conns:
            conn.abort()
        self._conns = []
        if self._server is not None:
            self._server.close()
            self._server = None
