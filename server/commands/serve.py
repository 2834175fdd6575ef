"""``studydesk-server serve``: the API and the course repository over HTTP.

``--workers N`` (PostgreSQL only) runs N worker processes that share one listening socket: the
parent binds it, then uvicorn's own supervisor (``uvicorn.supervisors.Multiprocess``, as
``_Supervisor``) starts the workers (each forked from a fork server that has imported the server
once, not a new interpreter: _workers_from_forkserver), pings each one every half second, starts
a new one in place of any that dies (at its next ping, so within a second or two) or hangs (no
answer for HEALTHCHECK_S), and on SIGTERM or SIGINT stops them all, each finishing the requests it has
begun (at most GRACEFUL_S). Workers keep nothing that must be shared in memory: sign-in throttles, lockout,
tokens, devices and records live in the database, and ingest locks per person there
(server.storage.engine). What each worker has of its own: its API slots (``--api-slots``), its
upload slots (``--upload-slots``; by default 2 each, default_upload_slots),
password-hashing threads (server.password_pool) and its database connection pool, so a site's
totals are N times those. SQLite has one writer: more than one worker is refused (exit 2).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing.context
import os
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # uvicorn is imported only by the command that serves
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

from server.commands import N_, _
from server.config import DEFAULT_API_SLOTS, DEFAULT_MAX_DEVICES, DEFAULT_UPLOAD_SLOTS, HEADER_TIMEOUT_S, ServerConfig

MAX_CONNECTIONS = 4096
KEEP_ALIVE_S = 15
"""Seconds an idle connection is kept open: well past the longest wait a busy server asks for
(server.limits: a Retry-After of at most RETRY_AFTER_S x BUSY_JITTER, which a client spreads by up
to a quarter more: 5 s). At 5 s, a client coming back after a 503 raced the server's close of its
connection and now and then lost (a reset, an error to the client); a busy 503 now also closes
its connection itself (server.limits.busy_answer). nginx keeps its connections to the server for
less (deploy/nginx-studydesk.conf), so it never reuses one being closed."""
MAX_HEADER_BYTES = 16 * 1024
GRACEFUL_S = 20
"""On SIGTERM, how long a worker may take to finish its requests (below systemd's TimeoutStopSec=30)."""
MAX_WORKERS = 64
HEALTHCHECK_S = 30
"""A worker that does not answer the supervisor's ping for this long is taken for hung and replaced
(generous: a worker busy on a loaded machine must not be killed mid-request)."""

SQLITE_ONE_WORKER = N_(
    "error: --workers %(n)s: a site on SQLite runs one worker (SQLite has one writer); use PostgreSQL "
    "(--database or $STUDYDESK_DATABASE_URL) for more")
"""Printed in the run's language (server.commands)."""


MAINTENANCE_CONNECTIONS = 5
"""PostgreSQL connections left for the backup and the admin commands beside the workers' pools."""

TOO_FEW_CONNECTIONS = N_(
    "warning: %(workers)s worker(s) with --api-slots %(slots)s may hold up to %(need)s PostgreSQL connections at "
    "their busiest, and the database allows %(allowed)s (max_connections %(maximum)s less %(reserved)s kept for "
    "superusers); raise max_connections to at least %(wanted)s, or lower --api-slots. Until then a request that "
    "finds no connection is answered 503 with Retry-After, and a backup or an admin command may find none either")
"""Printed in the run's language at the start, like SQLITE_ONE_WORKER."""


NOT_READY_LOG = N_(
    "warning: a worker cannot build its application yet (%(error)s); until it can, it answers every request "
    "503 with Retry-After and tries again at a request")
"""Printed by a worker (WorkerApp) in the run's language, like SQLITE_ONE_WORKER."""


async def _not_ready(scope: Any, receive: Any, send: Any) -> None:
    """The answer of a worker whose app is not built: 503 with Retry-After (server.limits.busy_answer)."""
    from server.limits import RETRY_AFTER_S, busy_answer
    from sync.protocol.errors import ServerBusyError

    busy = ServerBusyError("server_busy", "the server is starting; try again shortly", retry_after_s=RETRY_AFTER_S)
    await busy_answer(busy)(scope, receive, send)


def connections_warning(url: str, workers: int, api_slots: int) -> str | None:
    """TOO_FEW_CONNECTIONS when the workers' pools at their busiest, and MAINTENANCE_CONNECTIONS,
    need more connections than the PostgreSQL at ``url`` allows; None when they fit (or on SQLite)."""
    import sqlalchemy as sa

    from server.app import POOL_SPARE
    from server.storage.engine import create, database_url

    if database_url(url).get_backend_name() != "postgresql":
        return None
    need = workers * 2 * (api_slots + POOL_SPARE)  # a pool keeps api_slots + POOL_SPARE and lends as many again
    engine = create(url, pool_size=1)
    try:
        with engine.connect() as conn:
            maximum = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
            reserved = int(conn.exec_driver_sql("SHOW superuser_reserved_connections").scalar_one())
    except sa.exc.DBAPIError:
        return None  # no database to ask: the start fails on it next, with its own message
    finally:
        engine.dispose()
    allowed = maximum - reserved
    if need + MAINTENANCE_CONNECTIONS <= allowed:
        return None
    return _(TOO_FEW_CONNECTIONS) % {"workers": workers, "slots": api_slots, "need": need, "allowed": allowed,
                                     "maximum": maximum, "reserved": reserved,
                                     "wanted": need + MAINTENANCE_CONNECTIONS + reserved}


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _private_database(config: ServerConfig) -> None:
    """Make the SQLite database (created by then) readable by the server's user only: the web
    server that serves repo/ may share the data folder's group. SQLite gives its -wal and -shm
    files the database's mode."""
    if config.uses_sqlite_file:
        os.chmod(config.db_path, 0o600)


def _cores() -> int:
    """The cores this process may run on (a service's CPU affinity counts, not only the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def default_upload_slots(cores: int) -> int:
    """Each worker's upload slots when the site names none. A worker is one Python process: it runs
    Python on one core at a time, and a batch's ingest also waits on the database (its round trips,
    the database's own work). With one slot a worker sits idle through those waits while batches
    queue for it; two let one batch's Python run while the other waits. More gain nothing in one
    process. So DEFAULT_UPLOAD_SLOTS for every worker, however many there are (--workers is what
    spends the cores), and one on a single core."""
    return max(1, min(DEFAULT_UPLOAD_SLOTS, cores))


def _workers(text: str) -> int:
    n = int(text)
    if not 1 <= n <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(_("between 1 and %(most)s") % {"most": MAX_WORKERS})
    return n


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help=_("serve the API and the course repository over HTTP"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8470)
    p.add_argument("--log-level", default="warning")
    p.add_argument("--workers", type=_workers, default=int(_env_float("STUDYDESK_WORKERS", 1)),
                   help=_("worker processes sharing the port (PostgreSQL only; default 1, or $STUDYDESK_WORKERS); "
                          "a worker that dies is replaced"))
    p.add_argument("--max-devices", type=int, default=int(_env_float("STUDYDESK_MAX_DEVICES", DEFAULT_MAX_DEVICES)),
                   help=_("devices one person may enrol (default %(n)s, or $STUDYDESK_MAX_DEVICES)") % {
                       "n": DEFAULT_MAX_DEVICES})
    p.add_argument("--api-slots", type=int, default=int(_env_float("STUDYDESK_API_SLOTS", DEFAULT_API_SLOTS)),
                   help=_("API requests served at once by each worker; more wait briefly, then get 503 with "
                          "Retry-After (default %(n)s, or $STUDYDESK_API_SLOTS)") % {"n": DEFAULT_API_SLOTS})
    slots = os.environ.get("STUDYDESK_UPLOAD_SLOTS")
    p.add_argument("--upload-slots", type=int, default=int(slots) if slots else None,
                   help=_("record batches each worker parses and ingests at once; more wait briefly, then get 503 "
                          "with Retry-After (default %(n)s, 1 on a single core; or $STUDYDESK_UPLOAD_SLOTS)") % {
                       "n": DEFAULT_UPLOAD_SLOTS})
    p.add_argument("--header-timeout", type=float,
                   default=_env_float("STUDYDESK_HEADER_TIMEOUT_S", HEADER_TIMEOUT_S),
                   help=_("seconds a connection has to send its request headers (default %(n)s, or "
                          "$STUDYDESK_HEADER_TIMEOUT_S)") % {"n": f"{HEADER_TIMEOUT_S:.0f}"})
    p.add_argument("--max-connections", type=int, default=MAX_CONNECTIONS,
                   help=_("open connections and requests (per worker) beyond which new requests get 503 "
                          "(default %(n)s, lowered to what the open-files limit allows)") % {"n": MAX_CONNECTIONS})
    p.set_defaults(func=run, audited=False)


@dataclass(frozen=True, slots=True)
class WorkerApp:
    """The ASGI application of one worker process, built in that process on its first event (the
    lifespan start-up): the supervisor hands this small object to each new worker, and no
    database connection ever crosses a fork.

    A worker that cannot build it (the database refuses connections: restarting, not up yet, at its
    limit when a worker replaces a dead one) serves all the same: each request is answered 503 with
    Retry-After (_not_ready), and the app is built again at a request, at most once per RETRY_AFTER_S
    and away from the event loop (a connection may take long to fail), until it is. A start-up that
    raises instead would be taken by uvicorn for an app without start-up, and every request would
    be answered 500."""

    config: ServerConfig

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        worker = _built.setdefault(self.config, _Built(self.config))
        if scope["type"] == "lifespan" and worker.app is None:
            # nothing is served yet: built here, in the event loop, as at one worker's start
            if not (worker.claim() and worker.build()):
                await _lifespan_without_app(receive, send)
                return
        elif worker.app is None and worker.claim():
            import anyio.to_thread

            await anyio.to_thread.run_sync(worker.build)
        if worker.app is not None:
            await worker.app(scope, receive, send)
        elif scope["type"] == "http":
            await _not_ready(scope, receive, send)
        else:  # a WebSocket: closed as "try again later"
            await send({"type": "websocket.close", "code": 1013})


class _Built:
    """The one application of this worker process (for WorkerApp), or when it was last tried."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.app: Any = None
        self.tried = -math.inf
        self.building = False
        self.failure = ""

    def claim(self) -> bool:
        """Whether to build now: none is under way and the last try is RETRY_AFTER_S old. The caller
        then calls build (claimed in the event loop, so that two requests never both build)."""
        from server.limits import RETRY_AFTER_S

        if self.building or time.monotonic() - self.tried < RETRY_AFTER_S:
            return False
        self.building, self.tried = True, time.monotonic()
        return True

    def build(self) -> bool:
        from server.app import create_app

        try:
            app = create_app(self.config)
            app.state.totals.watch()  # stored years gone stale are rebuilt in the background
            self.app = app
            return True
        except Exception as exc:  # what went wrong is printed when it changes, and requests are turned away
            failure = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if failure != self.failure:
                print(_(NOT_READY_LOG) % {"error": failure}, file=sys.stderr, flush=True)
            self.failure = failure
            return False
        finally:
            self.building = False


_built: dict[ServerConfig, _Built] = {}


async def _lifespan_without_app(receive: Any, send: Any) -> None:
    """The lifespan protocol of a worker whose app is not built: started, and stopped when asked."""
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from server.backup import serve_lock
    from server.connections import raise_fd_limit
    from server.storage.engine import database_url

    fits = raise_fd_limit()
    upload_slots = args.upload_slots if args.upload_slots is not None else default_upload_slots(_cores())
    config = ServerConfig(args.data, max_devices=args.max_devices, api_slots=args.api_slots,
                          upload_slots=upload_slots, database_url=args.database)
    if args.workers > 1 and database_url(config.url).get_backend_name() == "sqlite":
        print(_(SQLITE_ONE_WORKER) % {"n": args.workers}, file=sys.stderr)
        return 2
    warning = connections_warning(config.url, args.workers, args.api_slots)
    if warning:
        print(warning, file=sys.stderr)
    options: dict[str, Any] = dict(
        host=args.host, port=args.port, log_level=args.log_level, access_log=False,
        timeout_keep_alive=KEEP_ALIVE_S, limit_concurrency=min(args.max_connections, fits), backlog=2048,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES, timeout_graceful_shutdown=GRACEFUL_S)
    if args.workers == 1:
        from server.app import create_app
        from server.connections import guarded_h11

        app = create_app(config)
        app.state.totals.watch()  # stored years gone stale are rebuilt in the background
        _private_database(config)
        with serve_lock(args.data):  # restore refuses to replace the folder while this is held
            uvicorn.run(app, http=guarded_h11(args.header_timeout), **options)
        return 0
    return _supervise(config, args.workers, args.header_timeout, options)


def _supervise(config: ServerConfig, workers: int, header_timeout_s: float, options: dict[str, Any]) -> int:
    """Bind once, then run ``workers`` worker processes on the socket until SIGTERM or SIGINT."""
    import uvicorn

    from server.backup import serve_lock
    from server.connections import GUARDED_H11, HEADER_TIMEOUT_ENV
    from server.forkserver import start_forkserver, stop_forkserver
    from server.site_rules import load_site_rules
    from server.storage.schema import open_database

    config.ensure()
    # read here as one worker reads them before it serves: a worker that cannot build its app at its first
    # event serves on, answering 503 to everything until it can (WorkerApp), which broken rules never allow
    load_site_rules(config.data_dir)  # a broken rules.toml stops the start, naming the key
    open_database(config.url, pool_size=1).dispose()  # the schema is upgraded once, before any worker starts
    # what a worker needs travels in the pickled WorkerApp and in the environment, set here before the
    # first worker starts (a fork server passes on the environment it started with: server.forkserver)
    os.environ[HEADER_TIMEOUT_ENV] = str(header_timeout_s)
    if _workers_from_forkserver():
        start_forkserver()  # a fork of this process, before it binds or locks anything: no new interpreter
    uv_config = uvicorn.Config(WorkerApp(config), http=GUARDED_H11, workers=workers,
                               timeout_worker_healthcheck=HEALTHCHECK_S, **options)
    with serve_lock(config.data_dir):
        sock = uv_config.bind_socket()
        try:
            _supervisor(uv_config, sock).run()
        finally:
            sock.close()
            stop_forkserver()  # the workers have ended: serve ends after their fork server
    return 0


WORKER_PRELOAD = (
    __name__, "server.app", "server.connections", "server.admin.web", "server.admin.sections", "server.class_report",
    "server.organization", "server.repository", "server.person_year", "server.routes_assignments",
    "server.routes_auth", "server.routes_certificates", "server.routes_records", "server.storage.schema",
    "sqlalchemy.dialects.postgresql.psycopg", "psycopg", "jinja2", "alembic.command",
    "alembic.runtime.migration", "alembic.script", "uvicorn.supervisors.multiprocess",
    "uvicorn.protocols.http.h11_impl", "uvicorn.protocols.websockets.auto", "uvicorn.lifespan.on",
    "uvicorn.loops.auto", "uvicorn.loops.asyncio", "anyio._backends._asyncio",
)
"""What the fork server of ``serve --workers N`` imports once for every worker: the modules a worker
imports before it serves (most of the server's are imported by create_app, not by server.app). None
opens a connection or starts a thread when imported."""


def _workers_from_forkserver() -> bool:
    """Have uvicorn's supervisor start its workers from a fork server that preloads WORKER_PRELOAD
    (server.forkserver) rather than each as a new interpreter, which imports the server again
    (about 1.5 CPU seconds, at every start and every replacement of a dead worker). False, and the
    workers spawned as uvicorn starts them, when uvicorn has no longer the hook this relies on.

    uvicorn has no setting for how its workers start: each worker is
    ``uvicorn._subprocess.spawn.Process(...)`` (a "spawn" context of multiprocessing), so the
    context is replaced there, for the rest of this process (the command's own). Everything else is
    unchanged: the same pickled arguments, the same socket and pipes handed to each worker (as file
    descriptors, which the fork server passes on), the same pings and replacement. Pinned by
    tests/integration/test_workers.py, which fails if uvicorn drops or renames it."""
    from uvicorn import _subprocess

    from server.forkserver import forkserver_context

    if not isinstance(getattr(_subprocess, "spawn", None), multiprocessing.context.SpawnContext):
        return False
    _subprocess.spawn = forkserver_context(WORKER_PRELOAD)  # type: ignore[assignment]
    return True


def _supervisor(uv_config: uvicorn.Config, sock: socket.socket) -> Multiprocess:
    from uvicorn.supervisors import Multiprocess

    class _Supervisor(Multiprocess):
        """uvicorn's supervisor, told at once when a worker dies while it waits for that worker's
        answer to a ping.

        The supervisor pings a worker over a pipe and waits up to HEALTHCHECK_S for the answer.
        It keeps its own copy of the worker's end of that pipe, so a worker killed mid-ping
        (SIGKILL, the kernel's OOM killer) never closes the pipe: the supervisor waited the whole
        HEALTHCHECK_S before it saw the death and started a new worker, and under load, when a
        ping takes long enough to be caught in flight, that was the common case. The worker has
        its own copy of its end from its start on, so the supervisor closes its copy: a dead
        worker's pipe then reads as closed at once, and the worker is replaced.
        """

        def keep_subprocess_alive(self) -> None:
            for process in self.processes:  # all started (new ones start in the previous call or in a signal's)
                child_end = getattr(process, "child_conn", None)
                if child_end is not None and process.pid is not None:
                    child_end.close()  # closing twice (uvicorn's terminate and kill close it too) is harmless
            super().keep_subprocess_alive()

    return _Supervisor(uv_config, sockets=[sock])
