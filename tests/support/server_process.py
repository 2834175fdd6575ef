"""A real ``studydesk-server serve`` process on loopback, for integration tests and benches."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """Starts, stops, kills and restarts one server process over a given data folder."""

    def __init__(self, data_dir: Path, port: int | None = None, log_path: Path | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.log_path = log_path or data_dir.parent / f"server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run an admin command (``studydesk-server --data DIR ARGS``) against the same data folder."""
        return subprocess.run(
            [sys.executable, "-m", "server.cli", "--data", str(self.data_dir), *args],
            input=input.decode() if input is not None else None,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def start(self, timeout_s: float = 20.0) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        cmd = [sys.executable, "-m", "server.cli", "--data", str(self.data_dir), "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=dict(os.environ))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early, see {self.log_path}:\n{self.log_path.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/api/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"server did not answer within {timeout_s}s, see {self.log_path}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self) -> ServerProcess:
        self.stop()
        return self.start()


def add_user(server: ServerProcess, name: str, password: str, unit: str = "城关镇", display: str | None = None) -> None:
    """``studydesk-server user add`` with the password on stdin, as an administrator types it."""
    args = ["user", "add", name, "--unit", unit, "--password-stdin"]
    if display:
        args += ["--display-name", display]
    server.cli(*args, input=(password + "\n").encode())
