"""A plain static nginx (Debian's) serving a repository folder under ``/repo/`` on loopback.

Its own config, prefix and temp folders live in ``work_dir``; it runs in the foreground
(``daemon off``) as our child, and stops gracefully with SIGQUIT (SIGTERM is nginx's fast
shutdown, which drops connections mid-transfer).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.support.server_process import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_available() -> bool:
    return Path(NGINX).is_file() and os.access(NGINX, os.X_OK)


class Nginx:
    def __init__(self, repo_dir: Path, work_dir: Path, extra_server_conf: str = "") -> None:
        self.repo_dir = repo_dir
        self.work_dir = work_dir
        self.extra_server_conf = extra_server_conf  # more directives inside server { }
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/repo"

    def _servers(self) -> str:
        """The ``server { }`` blocks inside the test's ``http { }``."""
        return (f"  server {{\n    listen 127.0.0.1:{self.port};\n"
                f"    location /repo/ {{ alias {self.repo_dir.resolve()}/; }}\n{self.extra_server_conf}\n  }}\n")

    def _conf(self) -> str:
        w = self.work_dir
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read pytest's 0700 temp folders
        return (
            f"{user}daemon off;\nworker_processes 1;\npid {w}/nginx.pid;\nerror_log {w}/error.log warn;\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            f"  access_log off;\n  client_body_temp_path {w}/body;\n  proxy_temp_path {w}/proxy;\n"
            f"  fastcgi_temp_path {w}/fastcgi;\n  uwsgi_temp_path {w}/uwsgi;\n  scgi_temp_path {w}/scgi;\n"
            "  default_type application/octet-stream;\n  sendfile on;\n"
            f"{self._servers()}}}\n"
        )

    def start(self, timeout_s: float = 10.0) -> Nginx:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        conf = self.work_dir / "nginx.conf"
        conf.write_text(self._conf())
        log = open(self.work_dir / "stderr.log", "ab")  # noqa: SIM115 - handed to the child process
        self.proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(self.work_dir), "-e",
                                      str(self.work_dir / "error.log")], stdout=log, stderr=log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.work_dir / 'error.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()  # listening: ready
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class NginxSite(Nginx):
    """nginx running a complete site file (``server { }`` blocks) inside a test ``http { }``;
    ``port`` is the port start() waits on (the site's HTTPS listener)."""

    def __init__(self, site_conf: str, work_dir: Path, port: int) -> None:
        super().__init__(work_dir, work_dir)
        self.site_conf = site_conf
        self.port = port

    def _servers(self) -> str:
        return f"{self.site_conf}\n"
