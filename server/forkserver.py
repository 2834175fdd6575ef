"""Worker processes forked from a fork server that has imported the server's modules once.

A new interpreter ("spawn") imports FastAPI, SQLAlchemy, the schema and the server's own modules
again in every worker: a second or two of CPU each time. multiprocessing's "forkserver" start
method starts one fork server the first time a process of its context is started; it imports the
modules named by ``set_forkserver_preload`` and then forks each new process from itself, so each
starts with those modules already imported.

multiprocessing starts the fork server as a fresh interpreter, which imports those modules once
more (about 1.4 CPU seconds for a server's workers). ``start_forkserver`` starts it instead as a
fork of the caller, which has imported most of them already, when that is as safe: the caller
runs one thread (Linux: one task in /proc/self/task; elsewhere, or with more, multiprocessing
starts it as ever). The fork then becomes what a fresh fork server would be: every file descriptor
but its standard streams and the two multiprocessing hands a fork server (its listening socket
and the "alive" pipe) is replaced by /dev/null (no socket, pipe, lock file or database connection
of the caller crosses: their numbers stay taken, so an object of the caller that still names
one can only ever touch /dev/null), the signal handlers the caller set in Python are back to
their defaults, it is named FORKSERVER_NAME (its command line stays the caller's), and it runs
multiprocessing's own fork server loop (``multiprocessing.forkserver.main``), never returning
into the caller's code: it ends with ``os._exit``, running none of the caller's exit handlers.

Why it is safe: the fork server runs one thread (a fresh interpreter, or a fork of a
single-threaded caller): no lock held by another thread, and no database connection or engine,
crosses a fork. The modules preloaded must therefore start no thread and open nothing when
imported (the server's modules open their engines and start their threads only when asked to). A
child gets what a spawned one gets: its arguments pickled (file descriptors such as sockets and
pipes handed over by the fork server), and the fork server's environment: the environment of the
process at the moment the fork server started (``start_forkserver``, else the first child), so
what a child must find there is set before that. A module that fails to import is left to the
child, which imports it (or fails) as a spawned one would.

One fork server serves a process: its modules are those asked for by every caller up to its start.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import os
import signal
import socket
import sys
from collections.abc import Iterable

_preload: list[str] = []

FORKSERVER_NAME = "sd-forkserver"
"""The process name (``/proc/PID/comm``, what ``ps -o comm`` and ``top`` show) of a fork server
started as a fork of its caller, and so of the processes it forks."""

_FORKSERVER_STATE = {"_forkserver_address", "_forkserver_alive_fd", "_forkserver_pid", "_inherited_fds", "_lock",
                     "_preload_modules"}
"""What multiprocessing's ForkServer keeps (Python 3.11 to 3.13), which ``start_forkserver`` fills in as
its ``ensure_running`` does; on a Python whose ForkServer keeps more (3.14: an authentication key),
multiprocessing starts its fork server itself."""


def forkserver_context(modules: Iterable[str]) -> multiprocessing.context.BaseContext:
    """The "forkserver" context, its fork server to import ``modules`` (besides those asked for before)."""
    for name in modules:
        if name not in _preload:
            _preload.append(name)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(_preload))
    return context


def _one_thread() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # not Linux: no way to count threads not started by Python
        return False


def start_forkserver() -> bool:
    """Start this process's fork server now, as a fork of this process (see the module text), unless one
    runs already. False, and nothing started (multiprocessing starts a fresh interpreter at the first
    child), when this process runs more than one thread or the platform or Python does not allow it."""
    from multiprocessing import connection, resource_tracker, util

    state = vars(multiprocessing.forkserver._forkserver)  # typeshed omits its attributes
    if set(state) != _FORKSERVER_STATE or not hasattr(os, "fork") or not _one_thread():
        return False
    if state["_forkserver_pid"] is not None:
        return True
    resource_tracker.ensure_running()  # a fresh interpreter of its own, as multiprocessing starts it
    with socket.socket(socket.AF_UNIX) as listener:
        address = connection.arbitrary_address("AF_UNIX")  # type: ignore[attr-defined]
        listener.bind(address)
        if not util.is_abstract_socket_namespace(address):
            os.chmod(address, 0o600)
        listener.listen()
        # the processes it forks hold the write end of the "alive" pipe; when all have ended the read end
        # becomes readable and the fork server ends
        alive_r, alive_w = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # nothing buffered is written twice
        pid = os.fork()
        if pid == 0:
            _serve(listener.fileno(), alive_r, list(state["_preload_modules"]))
        os.close(alive_r)
    state.update(_forkserver_address=address, _forkserver_alive_fd=alive_w, _forkserver_pid=pid)
    return True


def _serve(listener: int, alive: int, preload: list[str]) -> None:
    """In the fork: become a fork server and end with its loop."""
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
            if fd in {0, 1, 2, listener, alive, devnull}:
                continue
            try:
                os.fstat(fd)
            except OSError:  # the listing's own descriptor, closed by now
                continue
            os.dup2(devnull, fd, inheritable=False)
        os.close(devnull)
        signal.set_wakeup_fd(-1)
        for sig in signal.valid_signals():
            if callable(signal.getsignal(sig)):
                signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a new interpreter
        with contextlib.suppress(OSError), open("/proc/self/comm", "w", encoding="ascii") as comm:
            comm.write(FORKSERVER_NAME)
        multiprocessing.forkserver.main(listener, alive, preload)
    except SystemExit:  # the loop's end: every process it forked has ended
        code = 0
    except BaseException:
        sys.excepthook(*sys.exc_info())
    finally:
        sys.stderr.flush()
        os._exit(code)


def stop_forkserver() -> None:
    """Stop this process's fork server, if one runs, and wait for it to end: call it once the
    processes it forked have ended. Otherwise the fork server ends only when this process has ended
    (it then finds its pipe to this process closed) and is left to whatever adopts orphans, which may
    never wait for it: its children's CPU time then counts nowhere, and a test's process (a child
    subreaper) keeps it as a zombie. Uses multiprocessing's own ``_stop`` (what its tests stop the
    fork server with); does nothing on a Python without it."""
    stop = getattr(multiprocessing.forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()
