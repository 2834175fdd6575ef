"""Worker processes forked from a fork server that has imported the server's modules once.

A new interpreter ("spawn") imports FastAPI, SQLAlchemy, the schema and the server's own modules
again in every worker: a second or two of CPU each time. multiprocessing's "forkserver" start
method starts one fresh interpreter, the fork server, the first time a process of its context is
started; it imports the modules named by ``set_forkserver_preload`` and then forks each new
process from itself, so each starts with those modules already imported.

Why it is safe: the fork server is a new interpreter (started by fork and exec, whatever threads
the caller has), and it runs one thread: no lock held by another thread, and no database
connection or engine, crosses a fork. The modules preloaded must therefore start no thread and open
nothing when imported (the server's modules open their engines and start their threads only when
asked to). A child gets what a spawned one gets: its arguments pickled (file descriptors such as
sockets and pipes handed over by the fork server), and the fork server's environment: the
environment of the process at the moment it started its first child, so what a child must find
there is set before that. A module that fails to import is left to the child, which imports it
(or fails) as a spawned one would.

One fork server serves a process: its modules are those asked for by every caller up to its start.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
from collections.abc import Iterable

_preload: list[str] = []


def forkserver_context(modules: Iterable[str]) -> multiprocessing.context.BaseContext:
    """The "forkserver" context, its fork server to import ``modules`` (besides those asked for before)."""
    for name in modules:
        if name not in _preload:
            _preload.append(name)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(_preload))
    return context


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
