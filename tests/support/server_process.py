"""A real ``studydesk-server serve`` process on loopback, for integration tests and benches,
on the SQLite file in its data folder or on a PostgreSQL database named by URL. The process is
forked from this test process's zygote, which has the server's modules imported already
(tests/support/zygote.py), or is a new interpreter where the zygote cannot serve."""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout, suppress
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from server.config import ServerConfig
from server.forkserver import FORKSERVER_NAME
from tests.support.zygote import Forked, run_module, spawn_server

POLL_S = 0.02
"""How often a starting server is asked whether it answers."""


_migrated: list[Path] = []


def migrated_sqlite() -> Path:
    """A new server database at the newest revision, made once per test process by the code every
    server runs at its start (server.storage.schema.open_database): copying it takes a millisecond,
    running the revisions a tenth of a CPU second in every server."""
    if not _migrated:
        import atexit

        from server.storage.schema import open_database

        config = ServerConfig(Path(tempfile.mkdtemp(prefix="studydesk-migrated-")))
        atexit.register(shutil.rmtree, config.data_dir, ignore_errors=True)
        path = config.db_path
        open_database(config.url, pool_size=1).dispose()  # the last connection folds the WAL back in
        leftovers = sorted(p.name for p in path.parent.iterdir() if p != path)
        if leftovers:
            raise RuntimeError(f"the migrated database left {leftovers} beside it")
        _migrated.append(path)
    return _migrated[0]


PORT_BLOCK = 1400
"""Ports each test process hands out, from a block of its own below the kernel's ephemeral range."""
_PORTS_FROM = 12000
_next_port: list[int] = []


def _port_block() -> int:
    """This test process's block: 0 for a lone pytest, 1 + N for xdist worker gwN."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return 1 + int(worker[2:]) % 13 if worker.startswith("gw") and worker[2:].isdigit() else 0


def free_port() -> int:
    """A port no other process of this run is about to take. A port the kernel picks (bind to 0) can be
    picked again by another test process, or taken by an outgoing connection, before the server binds
    it, and a test then talks to someone else's server. So each test process hands out ports from its
    own block below the ephemeral range (``ip_local_port_range`` starts at 32768), in turn, skipping
    any in use."""
    base = _PORTS_FROM + _port_block() * PORT_BLOCK
    if not _next_port:
        _next_port.append(os.getpid() % PORT_BLOCK)
    for _ in range(PORT_BLOCK):
        port = base + _next_port[0] % PORT_BLOCK
        _next_port[0] += 1
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {base} to {base + PORT_BLOCK - 1}")


class ServerProcess:
    """Starts, stops, kills and restarts one server process over a given data folder."""

    def __init__(self, data_dir: Path, port: int | None = None, log_path: Path | None = None,
                 database_url: str | None = None, workers: int = 1, from_template: bool = True,
                 serve_args: Sequence[str] = ()) -> None:
        self.data_dir = data_dir
        self.from_template = from_template
        """SQLite: a data folder without a database when the server starts gets a copy of this test
        process's migrated one (``migrated_sqlite``), as a PostgreSQL test gets a copy of a migrated
        template database. False: the server creates and migrates it itself, as on a new site."""
        self.workers = workers
        """``serve --workers``: more than one on PostgreSQL only."""
        self.serve_args = list(serve_args)
        """More options of ``serve``."""
        self.port = port or free_port()
        self.log_path = log_path or data_dir.parent / f"server-{self.port}.log"
        self.database_url = database_url
        """None: the SQLite file in the data folder."""
        self.proc: subprocess.Popen[bytes] | Forked | None = None
        """The running server: forked from this test process's zygote (tests/support/zygote.py), or a new
        interpreter where the zygote cannot serve."""
        self._engine: sa.Engine | None = None
        """The engine of ``sql`` and ``write_lock_held``, made on first use: it holds no connection (each
        use opens its own and closes it), only what SQLAlchemy works out once per engine (the dialect, the
        database's version and settings), which a new engine per statement read again every time."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def backend(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    @property
    def db_url(self) -> str:
        """The server's database, as SQLAlchemy names it."""
        return self.database_url or ServerConfig(self.data_dir).url

    def _site_arguments(self) -> list[str]:
        database = ["--database", self.database_url] if self.database_url else []
        return ["--data", str(self.data_dir), *database]

    def _command(self) -> list[str]:
        return [sys.executable, "-m", "server.cli", *self._site_arguments()]

    def sql(self, statement: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one SQL statement on the server's database, as another program would, and commit;
        the rows it returns."""
        with self._kept_engine().begin() as conn:
            result = conn.execute(sa.text(statement), dict(params or {}))
            return [tuple(r) for r in result] if result.returns_rows else []

    def _kept_engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(self.db_url, poolclass=sa.pool.NullPool)
        return self._engine

    @contextmanager
    def write_lock_held(self) -> Iterator[None]:
        """Another program holds the database's write lock meanwhile (SQLite's, or on PostgreSQL the
        advisory lock every write transaction of the server takes)."""
        from server.storage.engine import WRITE_LOCK_KEY

        with self._kept_engine().connect() as conn:
            if self.database_url:
                conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": WRITE_LOCK_KEY})
                try:
                    yield
                finally:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": WRITE_LOCK_KEY})
            else:
                raw = conn.connection.driver_connection
                assert raw is not None
                raw.isolation_level = None
                raw.execute("BEGIN IMMEDIATE")
                try:
                    yield
                finally:
                    raw.execute("ROLLBACK")

    def cli(self, *args: str, input: bytes | None = None, check: bool = True,
            process: bool = False, forked: bool = False,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run an admin command (``studydesk-server --data DIR [--database URL] ARGS``) against the same site.

        The same ``server.cli.main`` runs in this process, with its standard streams captured, unless
        ``process``: then in a new interpreter, as an administrator's shell starts it (a test that
        needs its own process: a crash, a signal, what a fresh interpreter imports); or ``forked``: in
        a process of its own forked from this test process's zygote (tests/support/zygote.py), the
        server's modules imported already (a command whose own processes the test is about: its
        workers, its exit); ``env``: the environment of such a process (default: this one's)."""
        assert env is None or process or forked, "an in-process command has this process's environment"
        if process:
            return subprocess.run([*self._command(), *args], input=input.decode() if input is not None else None,
                                  capture_output=True, text=True, check=check, timeout=120, env=env)
        if forked:
            result = run_module("server.cli", [*self._site_arguments(), *args],
                                input=input.decode() if input is not None else None, env=env)
        else:
            result = run_cli_in_process([*self._site_arguments(), *args], input)
        if check:
            result.check_returncode()
        return result

    def start(self, timeout_s: float | None = None) -> ServerProcess:
        """Start the server and wait until it answers (within ``timeout_s``, by default 60 s: a loaded
        machine, or several workers each a new Python process, can be slow to start)."""
        timeout_s = timeout_s if timeout_s is not None else 60.0
        self.data_dir.mkdir(parents=True, exist_ok=True)
        database = ServerConfig(self.data_dir).db_path
        if self.database_url is None and self.from_template and not database.exists():
            shutil.copyfile(migrated_sqlite(), database)
        workers = ["--workers", str(self.workers)] if self.workers != 1 else []
        args = [*self._site_arguments(), "serve", "--port", str(self.port), *workers, *self.serve_args]
        self.proc = spawn_server(args, dict(os.environ), self.log_path)
        if self.proc is None:
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen([sys.executable, "-m", "server.cli", *args], stdout=log, stderr=log,
                                             env=dict(os.environ))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early, see {self.log_path}:\n{self.log_path.read_text()[-2000:]}")
            if self._listening():  # a bare connect until then: a refused HTTP request costs far more
                try:
                    if requests.get(self.url + "/api/health", timeout=1).ok:
                        return self
                except requests.RequestException:
                    pass
            time.sleep(POLL_S)
        self.kill()  # not left running (holding its port and database) behind a failed start
        raise RuntimeError(f"server did not answer within {timeout_s}s, see {self.log_path}")

    def _listening(self) -> bool:
        with socket.socket() as s:
            s.settimeout(1)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def worker_pids(self) -> list[int]:
        """The live worker processes of ``serve --workers N``: the forks of the supervisor's fork
        server (server.forkserver), or the supervisor's spawned children."""
        import psutil

        def cmdline(process: psutil.Process) -> str:
            try:
                return " ".join(process.cmdline())
            except psutil.Error:  # gone, or a killed worker not yet reaped (a zombie)
                return ""

        def fork_server(process: psutil.Process) -> bool:
            """A fork server, started as a new interpreter or as a fork of the supervisor (its forks keep its
            command line, and its name)."""
            try:
                return "multiprocessing.forkserver" in cmdline(process) or process.name() == FORKSERVER_NAME
            except psutil.Error:
                return False

        assert self.proc is not None
        pids = []
        for child in psutil.Process(self.proc.pid).children():
            if "spawn_main" in cmdline(child):
                pids.append(child.pid)
            elif fork_server(child):
                with suppress(psutil.Error):
                    pids += [fork.pid for fork in child.children() if fork_server(fork)]
        return sorted(pids)

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


def run_cli_in_process(argv: list[str], input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """``server.cli.main(argv)`` in this process, its stdin fed from ``input`` and its stdout and
    stderr captured, answered as a finished process would be (argparse's exits become the status)."""
    from server.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(input.decode() if input is not None else "")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                status = main(argv)
            except SystemExit as exc:  # argparse's usage errors and --help
                status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
    finally:
        sys.stdin = saved_stdin
    return subprocess.CompletedProcess(argv, status, out.getvalue(), err.getvalue())


def add_user(server: ServerProcess, name: str, password: str, unit: str = "城关镇", display: str | None = None) -> None:
    """``studydesk-server user add`` with the password on stdin, as an administrator types it."""
    args = ["user", "add", name, "--unit", unit, "--new-unit", "--password-stdin"]
    if display:
        args += ["--display-name", display]
    server.cli(*args, input=(password + "\n").encode())
