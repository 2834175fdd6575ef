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

Each fork, before it starts the worker (which then starts threads), forks a spare of itself: a child
that waits, holding the zygote's imports, to become the one process the worker asks for (its server
zygote, tests/support/zygote.py) instead of a new interpreter; unused, it ends with the worker. The
zygote also imports, once, what the server zygotes import (``zygote.preload``), so a spare has that too.

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
from collections.abc import Callable
from typing import Any, NoReturn

_STREAMS = (0, 1, 2)
_HEADER = 8  # the request's length, in ASCII digits


def enabled() -> bool:
    return (os.environ.get("STUDYDESK_FORKED_WORKERS", "1") != "0" and hasattr(os, "fork")
            and hasattr(socket, "send_fds") and sys.platform.startswith("linux"))


class Zygote:
    """The controller's handle: the zygote process and the interpreter command its workers use."""

    def __init__(self, rootdir: str, imports: tuple[str, ...] | None = None) -> None:
        """``imports``: the only modules the zygote imports before it forks (default: what the test
        modules and the server zygotes import, see ``_preload``)."""
        import shlex
        import subprocess
        import tempfile

        self.folder = tempfile.mkdtemp(prefix="studydesk-workers-")
        self.path = os.path.join(self.folder, "zygote")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        listener.listen(64)  # workers wait in the backlog while the zygote imports
        code = (f"import sys; sys.path.insert(0, {rootdir!r}); from tests.support import forked_workers; "
                f"forked_workers.zygote({listener.fileno()}, {rootdir!r}, {imports!r})")
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
    """Import what the test modules import, and what the workers' server zygotes import (their spares).

    Qt's binding and the client (which imports it) come last: once PySide6 is imported, its import hook
    reads the source of every module imported after it (to see whether it names PySide6): for the 1,400
    others, about a third of a CPU-second."""
    imports = module_level_imports(rootdir)
    qt = {module for module in imports if module.split(".")[0] in ("PySide6", "shiboken6", "client")}
    for module in sorted(imports.keys() - qt):
        _import(module, imports[module])
    with contextlib.suppress(BaseException):
        from tests.support import zygote as servers

        servers.preload()
    for module in sorted(qt):
        _import(module, imports[module])


def _import(module: str, names: set[str]) -> None:
    # not preloaded (a module a test puts on the path itself, or a failure): the worker imports
    # it as before and reports any failure there
    with contextlib.suppress(BaseException):
        __import__(module, fromlist=sorted(names - {"*"}))


def zygote(listener_fd: int, rootdir: str, imports: tuple[str, ...] | None = None) -> None:
    """Import (``imports`` only, if given), then fork a worker for each request; returns only in a fork,
    which then becomes one."""
    import gc
    import threading

    _INTERPRETER_ENV.update(os.environ)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the controller's and the workers' business
    if imports is None:
        _preload(rootdir)
    else:
        for module in imports:
            _import(module, set())
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
        _make_spare()
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


# ------------------------------------------------------------------------------------------ spare

_INTERPRETER_ENV: dict[str, str] = {}
"""The environment this zygote's interpreter started with (what it read of ``PYTHON*``, locale…)."""


class Spare:
    """A forked worker's copy of itself, made before it ran anything (one thread, the zygote's imports),
    and its child: it waits for the one command line the worker asks it to be (``start``), then is that
    process as a new interpreter ``python ARGS`` would be, without loading again what it holds. Unused, it
    ends with the worker."""

    def __init__(self, pid: int, requests: int, replies: int) -> None:
        self.pid, self.owner = pid, os.getpid()
        self.requests, self.replies = requests, replies
        self.interpreter_env = _INTERPRETER_ENV

    def start(self, args: list[str], env: dict[str, str], cwd: str) -> tuple[Any, Any]:
        """Be ``python ARGS`` (``-c CODE``) with ``env`` and ``cwd``: its standard input and output, as
        the binary files of ``subprocess.Popen(..., stdin=PIPE, stdout=PIPE)``."""
        body = json.dumps({"args": args, "cwd": cwd, "env": env}).encode()
        os.write(self.requests, f"{len(body):0{_HEADER}d}".encode())
        while body:
            body = body[os.write(self.requests, body):]
        return os.fdopen(self.requests, "wb"), os.fdopen(self.replies, "rb")


_spare: Spare | None = None


def take_spare() -> Spare | None:
    """This forked worker's spare, once; None elsewhere (its forks, a new interpreter)."""
    global _spare
    spare, _spare = _spare, None
    return spare if spare is not None and spare.owner == os.getpid() else None


def _make_spare() -> None:
    global _spare
    requests_read, requests_write = os.pipe()
    replies_read, replies_write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(requests_read)
        os.close(replies_write)
        _spare = Spare(pid, requests_write, replies_read)
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C while it waits is not its business
    for fd in (requests_write, replies_read):
        os.close(fd)
    for fd, target in ((requests_read, 0), (replies_write, 1)):
        os.dup2(fd, target)
        os.close(fd)
    request = _read_request(0)
    if request is None:  # the worker ended, or it was not needed
        os._exit(0)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def be_requested() -> None:
        encoding = sys.stdout.encoding
        # as a new interpreter's: stdin and stdout are pipes, buffered (the worker's are unbuffered, -u)
        sys.stdin = open(0, encoding=encoding, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding=encoding, closefd=False)  # noqa: SIM115
        _become(request)

    run_as_process(be_requested)


def _read_request(fd: int) -> dict[str, Any] | None:
    def exactly(size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = os.read(fd, size - len(data))
            if not part:
                raise EOFError
            data += part
        return data

    try:
        return dict(json.loads(exactly(int(exactly(_HEADER)))))
    except (EOFError, OSError, ValueError):
        return None


def run_as_process(main: Callable[[], object]) -> NoReturn:
    """In a fork: run ``main`` as an interpreter runs its program, then end with the status it would:
    0, ``sys.exit``'s, or 1 after printing an uncaught exception's traceback."""
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exit_status(exc.code)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    exit_process(code)


def exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` gives a process: 0 for None, the number, else 1 (the text printed)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def exit_process(code: int) -> NoReturn:
    """End a fork as an interpreter ends, without its last step: what it leaves running is waited for
    (non-daemon threads), the exit handlers run (logging's flush among them) and the streams are
    flushed; then the process ends, not freeing every object one by one. That last step is what costs
    a fork most (each object it inherited, freed, copies its page: about a tenth of a CPU-second), as in
    multiprocessing's forked processes, which end the same way."""
    import atexit
    import threading

    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


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
