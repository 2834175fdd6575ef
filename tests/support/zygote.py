"""Real server processes without paying for a new interpreter each time.

Every ``studydesk-server serve`` a test starts would otherwise import FastAPI, SQLAlchemy,
pydantic, uvicorn and the whole server again: about a second of CPU, hundreds of times a run.
A zygote is one helper process per test process that imports all of that once, then forks a
server for each request: the server runs ``python -m server.cli ARGS`` in that fork (``runpy``,
so its ``__main__`` is ``server.cli`` exactly as on a command line), with the requester's
environment, working folder and log file. Nothing is shared with other servers after the fork:
each has its own memory, sockets, database connections and exit status, and dies of kill -9.

The fork is made twice (zygote -> intermediate -> server) and the intermediate exits at once,
so the server is adopted by the test process, which is a child subreaper (prctl
PR_SET_CHILD_SUBREAPER): the test process waits for its servers as for any child, gets their exit
status, and their CPU time counts in its own children's (what ``--cpu-report`` and ``time``
read). ``Forked`` is the test process's handle on one such server, like ``subprocess.Popen``.

In a parallel worker forked from the workers' zygote (tests/support/forked_workers.py), the zygote
is not a new interpreter: it is the worker's spare, a child the worker forked of itself before it started
a thread, which already holds what the test modules import (see ``forked_workers.Spare``). Its
interpreter read the same environment at its start (else a new interpreter is started, as below).

``run_module`` runs a command line the same way (``python -m server.cli ARGS`` or
``python -m client.cli ARGS``, the client's modules imported into the zygote on first use) with
its standard input, output and error in files, and answers as ``subprocess.run`` does: for tests
of what a command does and prints rather than of how an interpreter starts.

``spawn_server`` answers None (the caller starts a new interpreter instead) when the zygote cannot
serve: the environment differs from the zygote's in what only a new interpreter reads (``PYTHON*``,
``LD_*``, locale, time zone, libfaketime's settings), the platform has no subreaper or pidfd, the
zygote did not start, or ``STUDYDESK_TEST_ZYGOTE=0``.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.support import forked_workers

ROOT = Path(__file__).resolve().parents[2]
SWITCH_ENV = "STUDYDESK_TEST_ZYGOTE"
PRELOAD_ENV = "STUDYDESK_TEST_ZYGOTE_PRELOAD"
"""``0``: a zygote started with it imports only what each command line needs (``_import``), not ``preload``'s
modules: for a test of where the zygote comes from, not of what its forks hold."""
PR_SET_CHILD_SUBREAPER = 36
PRELOAD = (
    "server.cli", "server.app", "uvicorn", "uvicorn.supervisors", "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto", "uvicorn.lifespan.on", "uvicorn.loops.auto", "uvicorn.loops.asyncio",
    "anyio._backends._asyncio", "sqlalchemy.dialects.sqlite.pysqlite", "sqlalchemy.dialects.postgresql.psycopg",
    "psycopg", "alembic.command", "alembic.runtime.migration", "alembic.script", "alembic.op",
    "openpyxl", "openpyxl.styles", "openpyxl.utils", "openpyxl.utils.exceptions",
)
"""Imported by the zygote besides every module of the ``server`` package (its revisions excepted); openpyxl,
which the server imports on its first download or sheet read, costs each server doing that 0.15 CPU second."""


def _interpreter_key(name: str) -> bool:
    """An environment variable that a new interpreter reads at its start, which a fork cannot change."""
    return name.startswith(("PYTHON", "LD_", "LC_", "FAKETIME")) or name in {"LANG", "LANGUAGE", "TZ"}


class Forked:
    """A server process the zygote forked and this process adopted: the part of ``subprocess.Popen``
    that ServerProcess uses (pid, returncode, poll, wait, send_signal, terminate, kill)."""

    def __init__(self, pid: int, args: Sequence[str]) -> None:
        self.pid = pid
        self.args = list(args)
        self.returncode: int | None = None
        self._pidfd: int | None = os.pidfd_open(pid)
        """Readable once the process has ended; signals go through it, so never to a reused pid."""

    def _reaped(self, status: int) -> int:
        self.returncode = os.waitstatus_to_exitcode(status)
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        return self.returncode

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._reaped(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is not None:
            return self.returncode
        assert self._pidfd is not None
        if not select.select([self._pidfd], [], [], timeout)[0]:
            raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        return self._reaped(os.waitpid(self.pid, 0)[1])

    def send_signal(self, sig: int) -> None:
        if self.returncode is None and self._pidfd is not None:
            with contextlib.suppress(ProcessLookupError):  # ended, not yet waited for
                signal.pidfd_send_signal(self._pidfd, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class _Client:
    """This process's zygote: started on first use, stopped (and waited for) when this process exits."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        """A fork of this process inherits the object, not the zygote's pipes' use nor the subreaper."""
        self.env = dict(os.environ)
        args = ["-c", f"import sys; sys.path.insert(1, {str(ROOT)!r}); from tests.support.zygote import main; main()"]
        spare = forked_workers.take_spare()
        self.proc: subprocess.Popen[bytes] | Forked
        if spare is not None and not any(_interpreter_key(k) and self.env.get(k) != spare.interpreter_env.get(k)
                                         for k in {*self.env, *spare.interpreter_env}):
            # a forked worker's spare (its child, holding the imports of the test modules) becomes the zygote
            self.proc = Forked(spare.pid, [sys.executable, *args])
            self.requests, self.replies = spare.start(args, self.env, os.getcwd())
        else:
            self.proc = subprocess.Popen([sys.executable, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         env=self.env)
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.requests, self.replies = self.proc.stdin, self.proc.stdout
        if json.loads(self.replies.readline() or b"{}").get("ready") is not True:
            self.close()
            raise RuntimeError("the server zygote did not start")

    def spawn(self, argv: Sequence[str], env: Mapping[str, str], cwd: str, log: Path, module: str = "server.cli",
              stdin: Path | None = None, stdout: Path | None = None) -> int:
        """Fork ``python -m MODULE ARGV``: its stdin from the file ``stdin`` (else empty), its stdout to
        ``stdout`` (else ``log``), its stderr appended to ``log``."""
        self.requests.write(json.dumps({"argv": list(argv), "env": dict(env), "cwd": cwd, "log": str(log),
                                        "module": module, "stdin": str(stdin) if stdin else None,
                                        "stdout": str(stdout) if stdout else None}).encode() + b"\n")
        self.requests.flush()
        reply = json.loads(self.replies.readline() or b'{"error": "the zygote ended"}')
        if "pid" not in reply:
            raise RuntimeError(f"the server zygote could not fork: {reply.get('error')}")
        return int(reply["pid"])

    def close(self) -> None:
        with contextlib.suppress(OSError):  # a zygote that died leaves a broken pipe
            self.requests.close()
        self.proc.wait(30)


_client: _Client | None = None
_unusable = False
_lock = threading.Lock()


def _become_subreaper() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _stop_client() -> None:
    global _client
    if _client is not None and _client.owner == os.getpid():
        _client.close()
        _client = None


def zygote_pid() -> int | None:
    """This process's zygote, once started."""
    return _client.proc.pid if _client is not None else None


def spawn_server(args: Sequence[str], env: Mapping[str, str], log: Path) -> Forked | None:
    """``python -m server.cli ARGS`` forked from this process's zygote, its output appended to
    ``log``; None when a new interpreter must run it instead (see the module text)."""
    return _spawn("server.cli", args, env, log)


MODULES = ("server.cli", "client.cli", "tests.support.qt_child")
"""The command lines a zygote runs (the last one a GUI test's Qt child)."""


def run_module(module: str, args: Sequence[str], *, input: str | None = None, env: Mapping[str, str] | None = None,
               cwd: str | Path | None = None, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """``subprocess.run([sys.executable, "-m", module, *args], input=input, capture_output=True,
    text=True, timeout=timeout)`` (stdin empty when ``input`` is None), the process forked from the
    zygote where it can serve, else a new interpreter."""
    assert module in MODULES, module
    env = dict(os.environ if env is None else env)
    command = [sys.executable, "-m", module, *args]
    with tempfile.TemporaryDirectory(prefix="studydesk-run-") as folder:
        stdin, stdout, stderr = (Path(folder) / name for name in ("stdin", "stdout", "stderr"))
        stdin.write_text(input or "", encoding="utf-8")
        proc = _spawn(module, args, env, stderr, cwd=cwd, stdin=stdin, stdout=stdout)
        if proc is None:
            return subprocess.run(command, input=input or "", capture_output=True, text=True, env=env, cwd=cwd,
                                  timeout=timeout, check=False)
        try:
            status = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        return subprocess.CompletedProcess(command, status, stdout.read_text(encoding="utf-8"),
                                           stderr.read_text(encoding="utf-8"))


def _spawn(module: str, args: Sequence[str], env: Mapping[str, str], log: Path, *, cwd: str | Path | None = None,
           stdin: Path | None = None, stdout: Path | None = None) -> Forked | None:
    global _client, _unusable
    if os.environ.get(SWITCH_ENV, "1") == "0" or not hasattr(os, "pidfd_open"):
        return None
    with _lock:
        if _unusable:
            return None
        if _client is None:
            if not _become_subreaper():
                _unusable = True
                return None
            import atexit

            try:
                _client = _Client()
            except (OSError, RuntimeError, ValueError):
                _unusable = True
                return None
            atexit.register(_stop_client)
        if _client.owner != os.getpid():
            return None
        if any(_interpreter_key(k) and env.get(k) != _client.env.get(k) for k in {*env, *_client.env}):
            return None
        try:
            pid = _client.spawn(args, env, str(cwd or os.getcwd()), log, module, stdin, stdout)
        except (OSError, ValueError, RuntimeError):  # it died or could not fork: new interpreters from now on
            _unusable = True
            return None
    try:
        return Forked(pid, [sys.executable, "-m", module, *args])
    except ProcessLookupError:  # cannot happen while this process is its parent; refuse to guess
        raise RuntimeError(f"the forked server {pid} is gone before it was adopted") from None


# The zygote process ---------------------------------------------------------------------------


_preloaded = False


def preload() -> None:
    """Import what the servers and their commands use (also done, once a run, by the parallel workers'
    zygote before it forks them: their spares then have it)."""
    global _preloaded
    if _preloaded or os.environ.get(PRELOAD_ENV) == "0":
        return
    _preloaded = True
    import importlib
    import pkgutil

    import server

    names = list(PRELOAD)
    names += [m.name for m in pkgutil.walk_packages(server.__path__, "server.")
              if ".migrations" not in m.name]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a module not preloaded is imported by the server that needs it
            print(f"zygote: {name} not preloaded: {exc}", file=sys.stderr)
    from server.admin.render import compile_all
    from server.cli import build_parser

    build_parser()  # imports every command module
    compile_all()  # the admin web's templates, compiled once for every server forked
    try:
        from server.documents import read_font_ahead

        read_font_ahead()  # each fork's first PDF (a bulletin, certificates) without reading the font again
    except Exception as exc:  # no Chinese font: the server that makes a PDF says so
        print(f"zygote: the PDF font not read ahead: {exc}", file=sys.stderr)


def _import(module: str) -> None:
    """The command line's modules, in the zygote before its first fork that runs it: each later fork
    has them already."""
    import importlib

    if module not in sys.modules:
        try:
            imported = importlib.import_module(module)
            if hasattr(imported, "build_parser"):
                imported.build_parser()  # imports every command module
        except Exception as exc:  # the fork imports what it needs (and reports what fails)
            print(f"zygote: {module} not preloaded: {exc}", file=sys.stderr)


def _serve_requests() -> dict[str, Any]:
    """Answer requests until stdin ends (then exit); in a forked server, return its request."""
    requests_in = sys.stdin.buffer
    while line := requests_in.readline():
        request = json.loads(line)
        module = request.get("module", "server.cli")
        if module not in MODULES:
            os.write(1, json.dumps({"error": f"not a command line: {module}"}).encode() + b"\n")
            continue
        _import(module)
        if threading.active_count() != 1:  # a fork of a process with other threads may deadlock
            os.write(1, json.dumps({"error": "the zygote has other threads"}).encode() + b"\n")
            continue
        sys.stderr.flush()
        r, w = os.pipe()
        middle = os.fork()
        if middle == 0:
            os.close(r)
            server = os.fork()
            if server == 0:
                os.close(w)
                return dict(request)
            os.write(w, str(server).encode())
            os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as pipe:
            pid = pipe.read()
        os.waitpid(middle, 0)  # the server is now this zygote's parent's child
        os.write(1, json.dumps({"pid": int(pid)} if pid else {"error": "fork failed"}).encode() + b"\n")
    sys.exit(0)


def _become(request: Mapping[str, Any]) -> None:
    """In the fork: its streams, environment, folder and arguments, then its module
    as ``python -m`` runs it (its exit ends this process the ordinary way)."""
    import runpy

    gc.enable()
    module = request.get("module", "server.cli")
    log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    out = os.open(request["stdout"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) if request.get("stdout") else log
    source = os.open(request.get("stdin") or os.devnull, os.O_RDONLY)
    os.dup2(source, 0)
    os.dup2(out, 1)
    os.dup2(log, 2)
    for fd in {source, out, log}:
        os.close(fd)
    # this process's stdin until it ends, read as a new interpreter reads it
    sys.stdin = open(0, encoding=sys.stdout.encoding, closefd=False)  # noqa: SIM115
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv = [sys.executable, *request["argv"]]
    sys.modules.pop(module, None)  # as under ``python -m``: the module runs as __main__ only
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def main() -> None:
    gc.disable()  # no collection leaves holes in pages the forks share (the forks collect again)
    preload()
    gc.freeze()
    os.write(1, json.dumps({"ready": True}).encode() + b"\n")
    request = _serve_requests()
    forked_workers.run_as_process(lambda: _become(request))
