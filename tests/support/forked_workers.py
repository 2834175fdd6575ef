"""Parallel test workers forked from one process that has imported what the test modules import.

Every pytest-xdist worker is a new interpreter that imports the whole suite to collect it: FastAPI,
SQLAlchemy, pydantic, alembic, PySide6, hypothesis, openpyxl, the server, the client… about 3 CPU
seconds each, six times a run, before the first parallel test starts. Here the controller starts one
zygote before its workers: it imports, once, every module that a test module or a test support
module imports at module level (outside ``tests``), then forks one worker for each interpreter the
controller asks for. A forked worker then imports only the test modules themselves, and runs exactly
as the interpreter it replaces would have: execnet's bootstrap line read from its standard input,
with the requester's standard input, output and error, environment, working folder and interpreter
options (``-u``; ``-B``). It has its own memory and exit status; nothing is shared after the fork.

How: each worker's interpreter (``spec.python``, for execnet's popen gateways) is this module run as
a script (``python -I -S forked_workers.py SOCKET PYTHON``), a stub that hands its three standard
streams to the zygote over a Unix socket (SCM_RIGHTS), waits for the fork's exit status and exits
with it. Killing the stub (execnet kills a worker that does not stop) kills the fork; SIGTERM and
SIGHUP are passed on; SIGINT reaches the fork from the terminal like any process of the run. When
the zygote cannot serve (it did not start, it refused because a preloaded module started a thread,
``STUDYDESK_FORKED_WORKERS=0``, no ``os.fork``), the stub becomes the normal interpreter (exec).

The modules of the pytest plugins installed (anyio, hypothesis, xdist…) are then already imported when
a worker's pytest marks them for assertion rewriting: pytest warns that their own ``assert``
statements will not be rewritten (pyproject.toml ignores that one warning). Test modules, conftest
files and the plugins of ``tests`` are imported by the worker itself, so they are rewritten as ever.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
from typing import Any

_STREAMS = (0, 1, 2)
_HEADER = 8  # the request's length, in ASCII digits


def enabled() -> bool:
    return (os.environ.get("STUDYDESK_FORKED_WORKERS", "1") != "0" and hasattr(os, "fork")
            and hasattr(socket, "send_fds") and sys.platform.startswith("linux"))


class Zygote:
    """The controller's handle: the zygote process and the interpreter command its workers use."""

    def __init__(self, rootdir: str) -> None:
        import shlex
        import subprocess
        import tempfile

        self.folder = tempfile.mkdtemp(prefix="studydesk-workers-")
        self.path = os.path.join(self.folder, "zygote")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        listener.listen(64)  # workers wait in the backlog while the zygote imports
        code = (f"import sys; sys.path.insert(0, {rootdir!r}); from tests.support import forked_workers; "
                f"forked_workers.zygote({listener.fileno()}, {rootdir!r})")
        # stdin: the zygote stops (once its workers have ended) when the controller closes it or dies
        self.proc = subprocess.Popen([sys.executable, "-u", "-c", code], stdin=subprocess.PIPE,
                                     pass_fds=[listener.fileno()])
        listener.close()
        self.python = " ".join(shlex.quote(part) for part in
                               (sys.executable, "-I", "-S", os.path.abspath(__file__), self.path, sys.executable))

    def stop(self) -> None:
        import shutil

        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


# ----------------------------------------------------------------------------------------- zygote

def module_level_imports(rootdir: str) -> dict[str, set[str]]:
    """What the modules under tests/ import at module level, outside ``tests``: module -> names imported
    from it (``from X import a, b``; empty for ``import X``). ``if TYPE_CHECKING:`` blocks are skipped."""
    import ast

    found: dict[str, set[str]] = {}
    for folder, _dirs, files in os.walk(os.path.join(rootdir, "tests")):
        for name in files:
            if not name.endswith(".py"):
                continue
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as source:
                    tree = ast.parse(source.read())
            except (OSError, SyntaxError, ValueError):
                continue
            statements: list[ast.stmt] = list(tree.body)
            while statements:
                node = statements.pop()
                if isinstance(node, ast.Try):
                    statements.extend(node.body)
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        found.setdefault(alias.name, set())
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.setdefault(node.module, set()).update(alias.name for alias in node.names)
    return {module: names for module, names in found.items()
            if module.split(".")[0] not in ("tests", "__future__")}


def _preload(rootdir: str) -> None:
    for module, names in sorted(module_level_imports(rootdir).items()):
        # not preloaded (a module a test puts on the path itself, or a failure): the worker imports
        # it as before and reports any failure there
        with contextlib.suppress(BaseException):
            __import__(module, fromlist=sorted(names - {"*"}))


def zygote(listener_fd: int, rootdir: str) -> None:
    """Import, then fork a worker for each request; returns only in a fork, which then becomes one."""
    import gc
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the controller's and the workers' business
    _preload(rootdir)
    sys.path.remove(rootdir)  # as in a new interpreter: pytest puts the rootdir on the path itself
    # a thread would not exist in the forks (and might hold a lock): refuse, the stubs start interpreters
    serving = threading.active_count() == 1
    if not serving:
        print(f"forked workers: a preloaded module started a thread ({threading.enumerate()}): "
              "workers are new interpreters", file=sys.stderr)
    gc.collect()
    gc.freeze()  # the forks share the preloaded objects' pages instead of touching them at each collection
    request = _Server(socket.socket(fileno=listener_fd), serving).serve()
    if request is not None:
        _become(request)


class _Server:
    def __init__(self, listener: socket.socket, serving: bool) -> None:
        self.listener = listener
        self.serving = serving
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.workers: dict[int, socket.socket] = {}  # pid -> its stub's connection
        self.stubs: dict[socket.socket, int] = {}
        self.controller = True  # until the controller closes the zygote's standard input

    def serve(self) -> dict[str, Any] | None:
        """Until the controller is gone and every worker has ended; in a fork, its request."""
        import select

        while self.controller or self.workers:
            watched: list[Any] = [self.wake_read, *self.stubs]
            if self.controller:
                watched += [0, self.listener]
            ready, _, _ = select.select(watched, [], [])
            if 0 in ready and not os.read(0, 4096):
                self.controller = False
                self.listener.close()
            if self.listener in ready and self.controller:
                request = self._fork()
                if request is not None:
                    return request
            for conn in [c for c in self.stubs if c in ready]:
                if not conn.recv(1):  # the stub was killed: so is its worker
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.stubs[conn], signal.SIGKILL)
            if self.wake_read in ready:
                os.read(self.wake_read, 4096)
            self._reap()
        return None

    def _fork(self) -> dict[str, Any] | None:
        conn, _ = self.listener.accept()
        received = _receive(conn)
        if received is None or not self.serving:
            for fd in received[1] if received is not None else []:
                os.close(fd)
            conn.close()  # the stub starts a new interpreter
            return None
        request, fds = received
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for fd in (self.wake_read, self.wake_write, 0):
                os.close(fd)
            for sock in (self.listener, *self.stubs, conn):
                sock.close()
            for target, fd in zip(_STREAMS, fds, strict=True):
                os.dup2(fd, target)
                os.close(fd)
            return request
        for fd in fds:
            os.close(fd)
        conn.sendall(f"{pid}\n".encode())
        self.workers[pid] = conn
        self.stubs[conn] = pid
        return None

    def _reap(self) -> None:
        while self.workers:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return
            conn = self.workers.pop(pid)
            del self.stubs[conn]
            with contextlib.suppress(OSError):
                conn.sendall(f"{status}\n".encode())
            conn.close()


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    try:
        header, fds, _flags, _addr = socket.recv_fds(conn, _HEADER, len(_STREAMS))
        if len(fds) != len(_STREAMS) or len(header) != _HEADER:
            for fd in fds:
                os.close(fd)
            return None
        size = int(header)
        body = b""
        while len(body) < size:
            part = conn.recv(size - len(body))
            if not part:
                raise ConnectionError("the stub went away")
            body += part
        return json.loads(body), fds
    except (OSError, ValueError):
        return None


def _become(request: dict[str, Any]) -> None:
    """Be ``python -u [-B] -c "import sys;exec(eval(sys.stdin.readline()))"`` in the requester's place."""
    import builtins
    import types

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    options = request["args"]
    sys.dont_write_bytecode = "-B" in options or bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    code = options[options.index("-c") + 1]
    sys.argv = ["-c"]
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = main
    exec(compile(code, "<string>", "exec"), main.__dict__)


# ------------------------------------------------------------------------------------------- stub

def _stub(argv: list[str]) -> None:
    path, python, options = argv[0], argv[1], argv[2:]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker gets the terminal's Ctrl-C itself
    pid = None
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
        body = json.dumps({"args": options, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        socket.send_fds(conn, [f"{len(body):0{_HEADER}d}".encode()], list(_STREAMS))
        conn.sendall(body)
        answer = _line(conn)
        pid = int(answer) if answer else None
    except (OSError, ValueError):
        pid = None
    if pid is None:  # no zygote to fork from: be the interpreter the controller asked for
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execv(python, [python, *options])

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    status = _line(conn)
    if not status:
        os._exit(1)
    code = os.waitstatus_to_exitcode(int(status))
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)


def _line(conn: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        try:
            part = conn.recv(64)
        except InterruptedError:
            continue
        if not part:
            return ""
        data += part
    return data.decode().strip()


if __name__ == "__main__":
    _stub(sys.argv[1:])
