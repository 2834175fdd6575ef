"""``./run bench server_load``: many learners studying a day and syncing it at once, SQLite with one
worker next to PostgreSQL with two, at several sizes, in one run (issue 13 point 8).

A run is ``LEARNERSxHOURS``: that many learners, each with a day of ``HOURS`` hours of study signed
by a PC of its own at the protocol v2 cadence (one signed watch record per minute-long span, 60 per
learner-hour), the bodies the real player makes. The records are signed, and each hour's batches
encoded and gzipped as the app sends them, before any clock starts: the server's work is measured,
not the bench's. Each run has a fresh server and database.

The learners are driven by ``--generators`` load-generator processes (spawned, so each has a core's
worth of its own), each running its share of the learners as asyncio tasks over one httpx client:
a learner waiting costs nothing, and a request costs the generator well under a millisecond of CPU.
Each generator measures how late its own event loop runs (its "loop lag"): when that stays small,
the latencies printed are the server's, not the generator's. Every generator's CPU is printed next
to the server's, PostgreSQL's and the rest of the machine's, so a reader sees who used the cores.

1. Sign-in: every learner signs in once and enrols its PC, starting spread over ``--ramp`` seconds
   (scrypt in the server's password pool: measured on its own, CPU included).
2. The day: each learner's hours are compressed to ``--hour-s`` seconds each; at the end of each
   studied hour the learner syncs what is pending, in the batches the real uploader makes (at most
   ``sync.records.uploader.DEFAULT_BATCH`` records each). Learners start their day spread over
   ``--ramp`` seconds. A try the server turns away on purpose (503 or 429 with Retry-After) is
   counted apart from errors and tried again no sooner than the Retry-After, with the uploader's own
   backoff (``sync.records.uploader.upload_backoff``); an error (a timeout, a dropped connection, a
   5xx, a 503 without Retry-After) is counted by kind and tried again the same way. A run is
   bounded: learners still syncing after ``--limit`` seconds give up (and are reported).

Printed per run: accepted records/s over the day phase; served batch latency p50/p99 (one try's
time until the server answered it: what a served learner waits) next to every turned-away try and
every error; the time until each learner's day is fully acked, counted from when its last sync was
due (so a server that turns everyone away cannot look fast); CPU seconds per 1,000 records (the
server's processes and PostgreSQL's, psutil) and per sign-in; acked == stored, records missing or
doubled (the server's own database, chain by chain, ids and hashes) and every honest minute
credited. On PostgreSQL one worker is killed with SIGKILL half-way through the day (``--no-kill``
to skip): nothing acked may be lost or doubled, and the time until a new worker runs is printed.
The reference, measured in the same run on the same server by the same generators: bare
``/api/health`` round trips.

The bench starts its own throw-away PostgreSQL (tests/support/postgres.py: Debian's postgresql)
and its own servers.
Usage: python -m bench.server_load [--runs 200x3,1000x1] [--quick] [--workers 2] [--only sqlite]
                                   [--generators 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.load_probe import Probe
from sync.net.transport import DEFAULT_TIMEOUT, encode_body, error_for
from sync.protocol.errors import AuthError, RetryableError, ServerBusyError, SyncError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, V2, DeviceSigner, Record, make_record
from sync.protocol.watch import to_v2
from sync.records.uploader import DEFAULT_BATCH, upload_backoff
from tests.support.courses import publish_lessons
from tests.support.load import COURSE, LESSON, chain_problems, percentile, stored
from tests.support.postgres import Cluster
from tests.support.server_process import ServerProcess
from tests.support.watch import iso

PASSWORD = "pass-word"
SPAN_S = 60.0
"""One signed watch record per minute-long span: the v2 cadence, 60 per learner-hour."""
LESSON_S = 12 * 3600.0
REPLACED_WITHIN_S = 120.0
KILL_DROPS_WITHIN_S = 10.0
"""Errors this soon after the SIGKILL are counted as its doing (the killed worker's connections)."""
LOOP_TICK_S = 0.05


@dataclass(frozen=True)
class Run:
    learners: int
    hours: int

    @property
    def label(self) -> str:
        return f"{self.learners} learners x {self.hours} h"


@dataclass
class Learner:
    index: int
    user_id: str
    device_id: str
    public_key: str
    day: list[Record]
    """The whole day's records, in chain order (a run of fewer hours uses the first ones)."""
    day_start: float

    @property
    def username(self) -> str:
        return f"learner{self.index:05d}"


@dataclass(frozen=True)
class Plan:
    """One learner as a generator process drives it: everything it sends, encoded beforehand."""

    username: str
    device_id: str
    public_key: str
    forwarded_for: str
    """Each learner on a PC of its own, as nginx tells the server (it trusts the header from 127.0.0.1)."""
    hours: tuple[tuple[bytes, ...], ...]
    """Each studied hour's batches: request bodies as the app sends them (gzipped JSON)."""
    signin_at_s: float
    day_at_s: float
    """When, after its phase began, the learner signs in, and its day begins."""


@dataclass
class Seen:
    """What generator processes saw in one phase (picklable; merged in the bench's process)."""

    answered: int = 0
    latencies_s: list[float] = field(default_factory=list)
    turned_away: Counter[str] = field(default_factory=Counter)
    """Tries answered 503 or 429 with Retry-After, by reason: overload answered as it should be."""
    errors: Counter[str] = field(default_factory=Counter)
    """Tries that got no proper answer, by kind."""
    error_times: list[float] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    acked_after_due_s: list[float] = field(default_factory=list)
    """Per learner: seconds from its last sync's due moment until its whole day was acked."""
    unfinished: int = 0
    cpu_s: float = 0.0
    """The generator processes' own CPU in the phase."""
    loop_lag_s: list[float] = field(default_factory=list)
    count: int = 0
    last_ack: float = 0.0
    """When the last batch of the phase was acked (time.monotonic, the same clock in every process)."""
    acks: list[tuple[float, int]] = field(default_factory=list)
    """Each answered batch: when (time.monotonic), and how many of its records were acked."""
    lanes_full_until: float = math.inf
    """The capacity phase: when the first lane found no learner left to send (from then on fewer
    batches than --lanes are in flight: the phase's tail, which the generator, not the server, paces)."""

    def merge(self, other: Seen) -> None:
        self.answered += other.answered
        self.latencies_s += other.latencies_s
        self.turned_away.update(other.turned_away)
        self.errors.update(other.errors)
        self.error_times += other.error_times
        for kind, text in other.examples.items():
            self.examples.setdefault(kind, text)
        self.acked |= other.acked
        self.statuses.update(other.statuses)
        self.acked_after_due_s += other.acked_after_due_s
        self.unfinished += other.unfinished
        self.cpu_s += other.cpu_s
        self.loop_lag_s += other.loop_lag_s
        self.count += other.count
        self.last_ack = max(self.last_ack, other.last_ack)
        self.acks += other.acks
        self.lanes_full_until = min(self.lanes_full_until, other.lanes_full_until)


@dataclass
class Outcome:
    site: str
    run: Run
    records: int
    day_s: float
    signin_s: float
    day: Seen
    signins: Seen
    cpu: dict[str, float]
    """CPU seconds in the day phase: server, postgresql, generators, bench, others, capacity."""
    cpu_signin_s: float
    health_per_s: float
    problems: list[str]
    stored_rows: int
    credited_ok: bool
    killed: str = ""
    kill_drops: int = 0
    tracebacks: int = 0
    load: tuple[float, float] = (0.0, 0.0)
    workers_cpu_s: list[float] = field(default_factory=list)
    """Each worker process's own CPU seconds in the day phase (one entry for a one-process server)."""
    workers_waited_s: list[float] = field(default_factory=list)
    """Each worker's seconds runnable but waiting for a core (taken by other processes) in the phase."""
    profile: list[str] = field(default_factory=list)
    """The lines of each worker's sampled profile (--profile) and states (--waits), ready to print."""
    workers: int = 1
    steady_s: float = math.nan
    """The capacity phase: seconds from its start until the first lane found no learner left."""
    steady_records: int = 0
    """Records acked in those seconds."""


# ----- set-up (not measured) --------------------------------------------------------------------
def _day(index: int, hours: int, start: float) -> Learner:
    """A learner's day: ``hours`` x 60 honest v2 watch records, minute-long spans one after the other
    from ``start`` (epoch seconds), through a lesson longer than the day."""
    user_id = str(uuid.UUID(int=index + 1))
    signer = DeviceSigner(str(uuid.uuid4()), user_id, PrivateKey.generate())
    out: list[Record] = []
    prev = GENESIS
    for seq in range(1, hours * 60 + 1):
        media = ((seq - 1) * SPAN_S, seq * SPAN_S)
        t0 = start + (seq - 1) * SPAN_S
        body = {"segments": [list(media)], "credited_s": SPAN_S, "study_s": SPAN_S, "elapsed_mono_s": SPAN_S,
                "wall_start": iso(t0), "wall_end": iso(t0 + SPAN_S), "max_rate": 1.0, "position_s": media[1],
                "covered_s": media[1], "duration_s": LESSON_S, "completed": False, "version": 1}
        r = make_record(signer, seq=seq, prev=prev, record_type="watch", course_id=COURSE, lesson_id=LESSON,
                        body=to_v2(body), v=V2)
        out.append(r)
        prev = r.hash
    return Learner(index, user_id, signer.device_id, signer.key.public.to_text(), out, start)


def _encoded(records: list[Record], size: int) -> tuple[bytes, ...]:
    """``records`` in batches of at most ``size``, each a request body as the app sends it."""
    return tuple(encode_body({"records": [r.to_dict() for r in records[k:k + size]]}, gzip_body=True)[0]
                 for k in range(0, len(records), size))


def _plan(x: Learner, hours: int, ramp_s: float, batch: int | None = None) -> Plan:
    """What ``x`` sends: each hour's records at the end of that hour, in the uploader's batches; or,
    with ``batch`` (the capacity mode), all ``hours`` of records in batches of ``batch``, at once."""
    if batch is None:
        batches = tuple(_encoded(x.day[hour * 60:(hour + 1) * 60], DEFAULT_BATCH) for hour in range(hours))
    else:
        batches = (_encoded(x.day[:hours * 60], batch),)
    i = x.index
    return Plan(x.username, x.device_id, x.public_key, f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
                batches, random.Random(i).uniform(0, ramp_s), random.Random(-i).uniform(0, ramp_s))


def _add_users(server: ServerProcess, learners: list[Learner]) -> None:
    """The learners' accounts (learner00000 ...) sharing one password hash."""
    from server.storage.engine import transaction
    from server.storage.schema import open_database
    from server.storage.tables import users
    from server.users import hash_password

    digest = hash_password(PASSWORD)
    engine = open_database(server.db_url, pool_size=1)
    try:
        with engine.connect() as conn, transaction(conn):
            conn.execute(users.insert(), [
                {"user_id": x.user_id, "username": x.username, "display_name": x.username,
                 "unit": "bench", "password_hash": digest} for x in learners])
    finally:
        engine.dispose()


def _backdate_devices(server: ServerProcess, since: float) -> None:
    """The PCs were enrolled just now, for a day of study that began hours ago: as if each had been
    enrolled before its day (otherwise every window would be moved to the enrolment as clock skew)."""
    server.sql("UPDATE devices SET enrolled_at = :at", {"at": iso(since)})


def _tracebacks(server: ServerProcess) -> int:
    """Exceptions the server logged (a 500 or a worker's crash): there must be none."""
    try:
        return server.log_path.read_text(errors="replace").count("Traceback")
    except OSError:
        return 0


def _tree_cpu_s(pid: int | None) -> float:
    """CPU seconds of a process and its descendants, those it has reaped included."""
    if pid is None:
        return 0.0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
    return total


def _postmaster_pid(cluster: Cluster | None) -> int | None:
    if cluster is None or cluster.folder is None:
        return None
    with contextlib.suppress(OSError, ValueError):
        return int((cluster.folder / "data" / "postmaster.pid").read_text().split()[0])
    return None


def _cpu_by_pid(pid: int | None) -> dict[int, float]:
    """Each process's own CPU seconds (not its children's): ``pid`` and its descendants."""
    if pid is None:
        return {}
    out: dict[int, float] = {}
    with contextlib.suppress(psutil.NoSuchProcess):
        root = psutil.Process(pid)
        for p in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
    return out


def _schedstat(pid: int) -> dict[int, tuple[float, float]]:
    """Each thread of ``pid``: seconds on a core and seconds runnable but waiting for one (Linux's
    /proc/PID/task/TID/schedstat). A thread waiting for Python's GIL sleeps, so it counts in neither."""
    out: dict[int, tuple[float, float]] = {}
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                run_ns, wait_ns = (task / "schedstat").read_text().split()[:2]
                out[int(task.name)] = (int(run_ns) / 1e9, int(wait_ns) / 1e9)
    return out


def _waited_s(before: dict[int, tuple[float, float]], after: dict[int, tuple[float, float]]) -> float:
    """Seconds the threads of a process waited for a core between two _schedstat readings."""
    return sum(w - before.get(tid, (0.0, 0.0))[1] for tid, (_, w) in after.items())


def _machine_busy_s() -> float:
    t = psutil.cpu_times()
    busy: float = sum(t) - t.idle - getattr(t, "iowait", 0.0)
    return busy


# ----- a generator process: its learners as asyncio tasks ------------------------------------
class _GaveUp(Exception):
    pass


def _count(error: SyncError, what: str, seen: Seen) -> None:
    if isinstance(error, ServerBusyError) and error.retry_after_s is not None:
        seen.turned_away[f"{error.code}: {error.detail}"[:120]] += 1  # which limit: the reason names it
        return
    kind = "503 without Retry-After" if isinstance(error, ServerBusyError) else error.code
    seen.errors[kind] += 1
    seen.error_times.append(time.monotonic())
    seen.examples.setdefault(kind, f"{what}: {error.detail}"[:300])


class _Learners:
    """One generator process's learners, over one httpx client (a connection per request in flight)."""

    def __init__(self, url: str, plans: list[Plan]) -> None:
        self.plans = plans
        self.http = httpx.AsyncClient(
            base_url=url, timeout=httpx.Timeout(DEFAULT_TIMEOUT[1], connect=DEFAULT_TIMEOUT[0]),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=len(plans) + 64),
            headers={"User-Agent": "StudyDesk/0.1 (bench)"})
        self.tokens: dict[str, tuple[str, str]] = {}
        """username -> (access, refresh)"""

    async def _post(self, path: str, body: bytes, headers: dict[str, str], what: str,
                    http: httpx.AsyncClient | None = None) -> Any:
        """One try: the answer's JSON, or the SyncError it stands for (as the app's transport maps it)."""
        try:
            resp = await (http or self.http).post(path, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise RetryableError("timeout", f"{what}: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise RetryableError("network", f"{what}: {type(exc).__name__}: {exc}") from exc
        if resp.status_code >= 400:
            raise error_for(resp.status_code, resp.content, resp.headers.get("Retry-After"), f"POST {path}")
        return resp.json()

    async def request(self, plan: Plan, path: str, body: bytes, content: dict[str, str], seen: Seen,
                      deadline: float, what: str, *, authed: bool = True, http: httpx.AsyncClient | None = None
                      ) -> Any:
        """POST ``body`` until the server answers; each answered try's time goes to
        ``seen.latencies_s``, each turned-away or failed try is counted by kind."""
        backoff = upload_backoff()
        while True:
            headers = {"Accept": "application/json", "X-Forwarded-For": plan.forwarded_for, **content}
            if authed:
                headers["Authorization"] = f"Bearer {self.tokens[plan.username][0]}"
            started = time.monotonic()
            try:
                payload = await self._post(path, body, headers, what, http)
            except AuthError as exc:
                if exc.code != "token_expired" or not authed:
                    raise
                await self.refresh(plan, seen, deadline)
                continue
            except SyncError as exc:
                _count(exc, what, seen)
                wait = backoff.delay_after(exc)  # never sooner than a busy server's Retry-After
                if not isinstance(exc, RetryableError) or time.monotonic() + wait > deadline:
                    raise _GaveUp(f"{what}: {exc.code}") from exc  # the app would not try a refusal again
                await asyncio.sleep(wait)
                continue
            seen.latencies_s.append(time.monotonic() - started)
            seen.answered += 1
            return payload

    async def refresh(self, plan: Plan, seen: Seen, deadline: float) -> None:
        body, content = encode_body({"refresh_token": self.tokens[plan.username][1]})
        payload = await self.request(plan, "/api/auth/refresh", body, content, seen, deadline, "refresh",
                                     authed=False)
        self.tokens[plan.username] = (str(payload["access_token"]), str(payload["refresh_token"]))

    async def sign_in(self, plan: Plan, t0: float, deadline: float, seen: Seen) -> None:
        await asyncio.sleep(max(0.0, t0 + plan.signin_at_s - time.monotonic()))
        body, content = encode_body({"username": plan.username, "password": PASSWORD})
        try:
            payload = await self.request(plan, "/api/auth/login", body, content, seen, deadline, "sign-in",
                                         authed=False)
            self.tokens[plan.username] = (str(payload["access_token"]), str(payload["refresh_token"]))
            body, content = encode_body({"device_id": plan.device_id, "public_key": plan.public_key})
            await self.request(plan, "/api/devices", body, content, seen, deadline, "enrol")
        except _GaveUp:
            seen.unfinished += 1

    async def study_day(self, plan: Plan, t0: float, hour_s: float, hours: int, deadline: float,
                        seen: Seen) -> None:
        """Sync the day hour by hour; how long after the last sync was due all was acked."""
        if plan.username not in self.tokens:  # never signed in
            seen.unfinished += 1
            return
        day_start = t0 + plan.day_at_s
        due = day_start
        _, content = encode_body({}, gzip_body=True)
        try:
            for hour in range(hours):
                due = day_start + (hour + 1) * hour_s
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                for body in plan.hours[hour]:
                    await self.upload(plan, body, content, seen, deadline)
        except _GaveUp:
            seen.unfinished += 1
            return
        seen.acked_after_due_s.append(time.monotonic() - due)

    async def upload(self, plan: Plan, body: bytes, content: dict[str, str], seen: Seen, deadline: float,
                     http: httpx.AsyncClient | None = None) -> None:
        """One batch, sent until the server answers; its acked records counted."""
        payload = await self.request(plan, "/api/records/batch", body, content, seen, deadline, "batch", http=http)
        acked = 0
        for r in payload["results"]:
            seen.statuses[str(r.get("reason") or r["status"])] += 1
            if r["status"] in ("stored", "duplicate"):
                seen.acked.add(str(r["id"]))
                acked += 1
        seen.last_ack = time.monotonic()
        seen.acks.append((seen.last_ack, acked))

    async def flood(self, lanes: int, deadline: float, seen: Seen) -> None:
        """The capacity phase: ``lanes`` batches in flight at all times. Each lane takes the next
        learner that has not synced and sends all its batches, in chain order, back to back (a
        learner's batches never race each other) over a connection of its own, as a PC does (one
        connection kept alive through the run would stay with the worker process that accepted
        it); a turned-away batch waits its Retry-After."""
        waiting = list(reversed(self.plans))
        _, content = encode_body({}, gzip_body=True)

        async def lane() -> None:
            while waiting:
                plan = waiting.pop()
                async with httpx.AsyncClient(base_url=self.http.base_url, timeout=self.http.timeout,
                                             headers=self.http.headers) as pc:
                    try:
                        for body in (b for hour in plan.hours for b in hour):
                            await self.upload(plan, body, content, seen, deadline, pc)
                    except _GaveUp:
                        seen.unfinished += 1
            seen.lanes_full_until = min(seen.lanes_full_until, time.monotonic())

        await asyncio.gather(*(lane() for _ in range(lanes)))

    async def health(self, lanes: int, seconds: float, seen: Seen) -> None:
        stop = time.monotonic() + seconds

        async def lane() -> None:
            while time.monotonic() < stop:
                with contextlib.suppress(httpx.HTTPError):
                    if (await self.http.get("/api/health")).status_code == 200:
                        seen.count += 1

        await asyncio.gather(*(lane() for _ in range(lanes)))


async def _ticking(lags: list[float]) -> None:
    """How late this process's event loop wakes up: the generator's own delay in every figure."""
    while True:
        asked = time.monotonic()
        await asyncio.sleep(LOOP_TICK_S)
        lags.append(time.monotonic() - asked - LOOP_TICK_S)


async def _phase(learners: _Learners, message: tuple[Any, ...]) -> Seen:
    seen = Seen()
    cpu0 = time.process_time()
    ticker = asyncio.create_task(_ticking(seen.loop_lag_s))
    kind = message[0]
    if kind == "health":
        _, lanes, seconds = message
        await learners.health(lanes, seconds, seen)
    elif kind == "signin":
        _, t0, deadline = message
        await asyncio.gather(*(learners.sign_in(p, t0, deadline, seen) for p in learners.plans))
    elif kind == "day":
        _, t0, hour_s, hours, deadline = message
        await asyncio.gather(*(learners.study_day(p, t0, hour_s, hours, deadline, seen) for p in learners.plans))
    elif kind == "flood":
        _, lanes, deadline = message
        await learners.flood(lanes, deadline, seen)
    ticker.cancel()
    seen.cpu_s = time.process_time() - cpu0
    return seen


async def _generate(conn: Connection, url: str, plans: list[Plan]) -> None:
    learners = _Learners(url, plans)
    loop = asyncio.get_running_loop()
    try:
        while True:
            message = await loop.run_in_executor(None, conn.recv)
            if message[0] == "stop":
                return
            conn.send(await _phase(learners, message))
    finally:
        await learners.http.aclose()


def _generator_main(conn: Connection, url: str, plans: list[Plan], nice: int) -> None:
    """A generator process: its learners, one phase at a time as the bench's process says."""
    from server.connections import raise_fd_limit

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the bench's process stops it
    if nice:
        os.nice(nice)
    raise_fd_limit()  # a connection per learner in flight: past the usual 1,024 open files
    asyncio.run(_generate(conn, url, plans))


class Generators:
    """The generator processes of one run, each with its share of the learners."""

    def __init__(self, url: str, plans: list[Plan], count: int, nice: int = 0) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no thread or lock crosses a fork
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for k in range(count):
            mine, theirs = context.Pipe()
            proc = context.Process(target=_generator_main, args=(theirs, url, plans[k::count], nice),
                                   daemon=True)
            proc.start()
            theirs.close()
            self.conns.append(mine)
            self.procs.append(proc)

    def phase(self, *message: Any) -> Seen:
        """Every generator runs the phase; what they saw, together."""
        for conn in self.conns:
            conn.send(message)
        seen = Seen()
        for conn in self.conns:
            seen.merge(conn.recv())
        return seen

    def stop(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(("stop",))
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join()


# ----- where a worker's time goes (--profile) ----------------------------------------------------
class Profiler:
    """py-spy samples each worker, from ``after_s`` into the phase for ``seconds``, counting only
    the thread that holds the GIL at each sample (``--gil``; ``--nonblocking``: the worker is never
    paused): a Python process runs Python on one core at a time, and the samples say where that
    core's time went."""

    RATE = 100

    def __init__(self, workers: list[int], after_s: float, seconds: float) -> None:
        self.workers = workers
        self.seconds = seconds
        self.folder = Path(tempfile.mkdtemp(prefix="studydesk-profile-"))
        self.outputs: dict[int, Path] = {}
        self.threads = [threading.Thread(target=self._record, args=(w, after_s)) for w in workers]
        for t in self.threads:
            t.start()

    def _record(self, pid: int, after_s: float) -> None:
        time.sleep(after_s)
        out = self.folder / f"{pid}.txt"
        spy = Path(sys.executable).with_name("py-spy")
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run([str(spy), "record", "--pid", str(pid), "--duration", str(int(self.seconds)),
                            "--rate", str(self.RATE), "--gil", "--nonblocking", "--threads", "--function",
                            "--full-filenames", "--format", "raw", "--output", str(out)],
                           capture_output=True, timeout=self.seconds + 60, check=False)
            self.outputs[pid] = out

    def join(self) -> None:
        for t in self.threads:
            t.join()

    def report(self) -> list[str]:
        lines = []
        for pid in self.workers:
            path = self.outputs.get(pid)
            text = path.read_text(errors="replace") if path is not None and path.exists() else ""
            stacks = []
            for line in text.splitlines():
                frames, _, count = line.rpartition(" ")
                if frames and count.isdigit():
                    stacks.append((frames.split(";"), int(count)))
            lines += profile_summary(pid, stacks, self.RATE * self.seconds)
        shutil.rmtree(self.folder, ignore_errors=True)
        return lines


PROFILE_PARTS = (
    ("parse a batch (inflate, JSON, validate)", ("parse_batch",)),
    ("ingest: verify signatures", ("verify",)),
    ("ingest: SQL (SQLAlchemy, psycopg, sqlite3)", ("sqlalchemy/", "psycopg/", "sqlite3/")),
    ("ingest: the rest", ("server/ingest.py",)),
    ("sign-in token check", ("user_for_access_token",)),
    ("HTTP: h11, uvicorn", ("h11/", "uvicorn/")),
    ("answer: response model, JSON", ("serialize_response", "jsonable_encoder", "responses.py")),
    ("asyncio event loop (other)", ("asyncio/",)),
)
"""Where a sample's time is counted: the first part any of whose markers is in one of its frames
(markers are checked part by part, each against the whole stack)."""


def profile_summary(pid: int, stacks: list[tuple[list[str], int]], ticks: float) -> list[str]:
    """Lines telling where a worker held the GIL: its share of the wall time, by part and by function."""
    total = sum(n for _, n in stacks)
    if not total:
        return [f"worker {pid}: no samples"]
    parts: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for frames, n in stacks:
        parts[next((name for name, marks in PROFILE_PARTS if any(m in f for m in marks for f in frames)),
                   "other")] += n
        leaf = frames[-1]
        name, _, where = leaf.partition(" (")
        where = where.rstrip(")").rsplit("site-packages/", 1)[-1]
        leaves[f"{name} ({where})"] += n
    out = [f"worker {pid}: {total:,} samples holding the GIL ({total / ticks:.0%} of those meant to be taken, "
           "fewer when py-spy itself waits for a core); by part:"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in parts.most_common()]
    out.append("  most samples in (function, own time):")
    out += [f"  {n / total:6.1%}  {name}" for name, n in leaves.most_common(12)]
    return out


# ----- one run on one site -------------------------------------------------------------------
def _killer(server: ServerProcess, after_s: float, done: threading.Event, out: list[str],
            kill_times: list[float]) -> None:
    if done.wait(after_s):
        out.append("the day ended before the kill was due")
        return
    pids = server.worker_pids()
    if not pids:
        out.append("no worker to kill")
        return
    os.kill(pids[0], signal.SIGKILL)
    killed = time.monotonic()
    kill_times.append(killed)
    while time.monotonic() < killed + REPLACED_WITHIN_S:
        now = server.worker_pids()
        if len(now) == len(pids) and pids[0] not in now:
            out.append(f"worker {pids[0]} killed with SIGKILL {after_s:.0f} s into the day, a new one running "
                       f"{time.monotonic() - killed:.1f} s later")
            return
        time.sleep(0.1)
    out.append(f"worker {pids[0]} killed {after_s:.0f} s into the day and NOT replaced within "
               f"{REPLACED_WITHIN_S:.0f} s")


def _workers_of(server: ServerProcess) -> list[int]:
    """The processes that serve requests: the workers of ``serve --workers N``, else the server itself."""
    assert server.proc is not None
    return server.worker_pids() if server.workers > 1 else [server.proc.pid]


def run_site(site: str, server: ServerProcess, cluster: Cluster | None, run: Run, learners: list[Learner],
             plans: list[Plan], args: argparse.Namespace, kill: bool) -> Outcome:
    assert server.proc is not None
    publish_lessons(server.data_dir, COURSE, {LESSON: LESSON_S}, max_rate=1.0)
    _add_users(server, learners)
    gens = Generators(server.url, plans, min(args.generators, run.learners), args.nice)
    _running.append(gens)
    profiler: Profiler | None = None
    probe: Probe | None = None
    try:
        lanes = max(1, min(run.learners, 32) // len(gens.procs))
        health = gens.phase("health", lanes, 2.0).count / 2.0
        pid, pg = server.proc.pid, _postmaster_pid(cluster)
        limit = time.monotonic() + (args.limit or 120.0 + 0.5 * run.learners * run.hours)
        # 1. everyone signs in and enrols
        cpu0, t0 = _tree_cpu_s(pid), time.monotonic()
        signins = gens.phase("signin", t0, limit)
        signin_s, cpu_signin = time.monotonic() - t0, _tree_cpu_s(pid) - cpu0
        _backdate_devices(server, learners[0].day_start - 600.0)
        # 2. the day (or, in the capacity mode, every learner's records as fast as the server takes them)
        done = threading.Event()
        killed: list[str] = []
        kill_times: list[float] = []
        killer = None
        workers = _workers_of(server)
        per_pid = _cpu_by_pid(pid)
        sched = [_schedstat(w) for w in workers]
        before = (_tree_cpu_s(pid), _tree_cpu_s(pg), time.process_time(), _machine_busy_s())
        t0 = time.monotonic()
        if kill:
            killer = threading.Thread(target=_killer, args=(server, args.ramp / 2 + run.hours * args.hour_s / 2, done,
                                                            killed, kill_times))
            killer.start()
        if args.profile:
            profiler = Profiler(workers, args.profile_after, args.profile)
        if args.waits:
            probe = Probe(workers, server.port, server.database_url)
        if args.capacity:
            day = gens.phase("flood", max(1, args.lanes // len(gens.procs)), limit)
            day_s = max(day.last_ack, t0) - t0
        else:
            day = gens.phase("day", t0, args.hour_s, run.hours, limit)
            day_s = time.monotonic() - t0
        done.set()
        if probe is not None:
            probe.stop()
        if killer is not None:
            killer.join()
        after = (_tree_cpu_s(pid), _tree_cpu_s(pg), time.process_time(), _machine_busy_s())
        per_pid_after = _cpu_by_pid(pid)
        waited = [_waited_s(b, _schedstat(w)) if w in per_pid_after else math.nan
                  for b, w in zip(sched, workers, strict=True)]
        new = [w for w in _workers_of(server) if w not in workers]  # replacing a killed one: all its CPU is the day's
        if profiler is not None:
            profiler.join()
    finally:
        gens.stop()
        _running.remove(gens)
    wall_s = max(day_s, 1e-9)
    cpu = {"server": after[0] - before[0], "postgresql": after[1] - before[1], "generators": day.cpu_s,
           "bench": after[2] - before[2], "capacity": (os.cpu_count() or 1) * wall_s}
    cpu["others"] = max(0.0, after[3] - before[3] - cpu["server"] - cpu["postgresql"] - cpu["generators"]
                        - cpu["bench"])
    kill_drops = sum(1 for t in day.error_times if any(k <= t <= k + KILL_DROPS_WITHIN_S for k in kill_times))
    found = stored(server)
    chains = {x.device_id: x.day[:run.hours * 60] for x in learners}
    problems = chain_problems(chains, found)
    wanted = {r.id for c in chains.values() for r in c}
    if day.acked != wanted:
        problems.append(f"{len(wanted - day.acked)} records were never acked")
    expected_s = SPAN_S * run.hours * 60
    credited_ok = all(abs(found.credited_s.get(x.user_id, 0.0) - expected_s) < 1e-3 for x in learners) and not any(
        found.windows_doubled_s.values())
    return Outcome(site, run, len(wanted), day_s, signin_s, day, signins, cpu, cpu_signin, health, problems,
                   sum(len(v) for v in found.per_device.values()), credited_ok, "; ".join(killed), kill_drops,
                   _tracebacks(server), os.getloadavg()[:2],
                   [per_pid_after[w] - per_pid.get(w, 0.0) if w in per_pid_after else math.nan for w in workers]
                   + [per_pid_after.get(w, 0.0) for w in new], waited + [_waited_s({}, _schedstat(w)) for w in new],
                   (profiler.report() if profiler is not None else [])
                   + (probe.report() if probe is not None else []), server.workers,
                   steady_s=day.lanes_full_until - t0 if args.capacity else math.nan,
                   steady_records=sum(n for t, n in day.acks if t <= day.lanes_full_until))


# ----- the report ---------------------------------------------------------------------------
def _ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:,.0f}" if values else "-"


def _s(values: list[float], p: float) -> str:
    return f"{percentile(values, p):.1f}" if values else "-"


_WIDTH = 26
"""Characters of each site's column."""


def _row(name: str, values: list[str]) -> None:
    print(f"{name:<44}" + "".join(f"{v:>{_WIDTH}}" for v in values))


def _per_1000(o: Outcome, seconds: float) -> str:
    return f"{seconds / max(1, o.records) * 1000:.2f}"


def _rate(o: Outcome) -> float:
    return len(o.day.acked) / max(o.day_s, 1e-9)


def _steady_rate(o: Outcome) -> float:
    """Records acked per second while every lane had a learner to send: the server set the pace."""
    return o.steady_records / o.steady_s if o.steady_s > 0 else math.nan


def _served_rows(results: list[Outcome]) -> None:
    """The record uploads: how many were served, how fast, turned away and failed."""
    _row("batches served", [f"{o.day.answered:,}" for o in results])
    _row("served batch p50 / p99 ms", [f"{_ms(o.day.latencies_s, 50)} / {_ms(o.day.latencies_s, 99)}"
                                       for o in results])
    _row("turned away: 503/429 with Retry-After", [str(sum(o.day.turned_away.values())) for o in results])
    _row("errors (timeout, dropped, 5xx, 503 bare)", [str(sum(o.day.errors.values())) for o in results])
    for kind in sorted({k for o in results for k in o.day.errors}):
        _row(f"  {kind}", [str(o.day.errors.get(kind, 0)) for o in results])


def _cpu_rows(results: list[Outcome], phase: str, generators: str, bench_apart: bool) -> None:
    """Where the phase's CPU went: per record, the cores kept busy, and every process group."""
    _row("CPU s per 1,000 records: server", [_per_1000(o, o.cpu["server"]) for o in results])
    _row("  PostgreSQL", [_per_1000(o, o.cpu["postgresql"]) if o.cpu["postgresql"] else "-" for o in results])
    _busy_rows(_row, results)
    _row(f"CPU s in the {phase}: server's processes", [f"{o.cpu['server']:.1f}" for o in results])
    _row("  PostgreSQL's", [f"{o.cpu['postgresql']:.1f}" for o in results])
    _row(f"  {generators}", [f"{o.cpu['generators']:.1f}" for o in results])
    if bench_apart:
        _row("  the bench's own (checks, killer)", [f"{o.cpu['bench']:.1f}" for o in results])
        _row("  everything else on the machine", [f"{o.cpu['others']:.1f}" for o in results])
    else:
        _row("  everything else on the machine", [f"{o.cpu['others'] + o.cpu['bench']:.1f}" for o in results])
    _row(f"  of the cores' capacity (cores x {phase} s)", [f"{o.cpu['capacity']:.0f}" for o in results])
    _row("generators' loop lag p50 / p99 ms", [f"{_ms(o.day.loop_lag_s, 50)} / {_ms(o.day.loop_lag_s, 99)}"
                                               for o in results])


def _check_rows(results: list[Outcome]) -> None:
    """Exactly once: every acked record stored, none missing or doubled, every minute credited once."""
    _row("acked == stored", [str(len(o.day.acked) == o.stored_rows) for o in results])
    _row("missing or doubled", [str(len(o.problems)) for o in results])
    _row("every honest minute credited once", [str(o.credited_ok) for o in results])


def _load_row(results: list[Outcome]) -> None:
    _row("load average (1 / 5 min) at the end", [f"{o.load[0]:.1f} / {o.load[1]:.1f}" for o in results])


def _head_rows(results: list[Outcome], records: str) -> None:
    """Each column's site and run, and how many records its learners sent."""
    print()
    _row("", [o.site for o in results])
    _row("run", [o.run.label for o in results])
    _row(records, [f"{o.records:,}" for o in results])


def report(results: list[Outcome]) -> None:
    _head_rows(results, "records in the day")
    _row("sign-in + enrol phase s", [f"{o.signin_s:.1f}" for o in results])
    _row("  sign-in served p50 / p99 ms", [f"{_ms(o.signins.latencies_s, 50)} / {_ms(o.signins.latencies_s, 99)}"
                                           for o in results])
    _row("  server CPU ms per sign-in", [f"{o.cpu_signin_s / o.run.learners * 1000:.0f}" for o in results])
    _row("  turned away (503/429) / errors", [f"{sum(o.signins.turned_away.values())} / "
                                              f"{sum(o.signins.errors.values())}" for o in results])
    _row("day phase s", [f"{o.day_s:.1f}" for o in results])
    _row("accepted records/s", [f"{len(o.day.acked) / o.day_s:,.0f}" for o in results])
    _served_rows(results)
    _row("  of which the SIGKILL's drops", [str(o.kill_drops) if o.killed else "-" for o in results])
    _row("day acked, s after last sync due p50", [_s(o.day.acked_after_due_s, 50) for o in results])
    _row("  p99 / max", [f"{_s(o.day.acked_after_due_s, 99)} / {_s(o.day.acked_after_due_s, 100)}"
                         for o in results])
    _row("learners not done within the limit", [str(o.day.unfinished + o.signins.unfinished) for o in results])
    _cpu_rows(results, "day", "the load generators'", bench_apart=True)
    _check_rows(results)
    _row("reference: /api/health per s", [f"{o.health_per_s:.0f}" for o in results])
    _load_row(results)
    _notes(results)


def _busy_rows(row: Callable[[str, list[str]], None], results: list[Outcome]) -> None:
    """How many cores the server and PostgreSQL kept busy, and each worker: on a core, and waiting
    for one (a worker that is on a core or waiting for one all the time needs a core of its own)."""
    def share(seconds: float, o: Outcome) -> str:
        return "killed" if math.isnan(seconds) else f"{seconds / max(o.day_s, 1e-9):.2f}"

    row("server cores busy (CPU s / wall s)", [share(o.cpu["server"], o) for o in results])
    row("  each worker", [" ".join(share(c, o) for c in o.workers_cpu_s) for o in results])
    row("  each worker, waiting for a core", [" ".join(share(c, o) for c in o.workers_waited_s) for o in results])
    row("PostgreSQL cores busy", [share(o.cpu["postgresql"], o) for o in results])


def _notes(results: list[Outcome]) -> None:
    """What a table cannot show: errors' examples, tracebacks, problems, profiles."""
    for o in results:
        for kind, example in sorted({**o.signins.examples, **o.day.examples}.items()):
            print(f"{o.site}, {o.run.label}: an error of kind {kind}: {example}")
        if o.tracebacks:
            print(f"{o.site}, {o.run.label}: {o.tracebacks} tracebacks in the server's log")
        if o.killed:
            print(f"{o.site}, {o.run.label}: {o.killed}")
        for reason, n in sorted({**o.signins.turned_away, **o.day.turned_away}.items()):
            print(f"{o.site}, {o.run.label}: turned away {n} times: {reason}")
        for p in o.problems[:10]:
            print(f"{o.site}, {o.run.label}: PROBLEM {p}")
        if o.profile:
            print(f"{o.site}, {o.run.label}: where each worker's time went (--profile: py-spy, GIL held; --waits):")
            for line in o.profile:
                print(f"  {line}")


def report_capacity(results: list[Outcome]) -> None:
    """The capacity mode's table: what each site stores per second when the server is the bottleneck."""
    _head_rows(results, "records sent")
    _row("phase s (first batch sent to last acked)", [f"{o.day_s:.1f}" for o in results])
    _row("accepted records/s", [f"{_rate(o):,.0f}" for o in results])
    _row("  while every lane had records to send", [f"{_steady_rate(o):,.0f} in {o.steady_s:.1f} s" for o in results])
    _served_rows(results)
    _cpu_rows(results, "phase", "the load generator's", bench_apart=False)
    _check_rows(results)
    _load_row(results)
    _notes(results)
    _scaling(results)


def _scaling(results: list[Outcome]) -> None:
    """PostgreSQL with more workers against one, per run: the median of each site's rounds."""
    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    for run in sorted({o.run for o in results}, key=lambda r: (r.learners, r.hours)):
        pg: dict[int, list[Outcome]] = {}
        for o in results:
            if o.run == run and o.site.startswith("PostgreSQL"):
                pg.setdefault(o.workers, []).append(o)
        if 1 not in pg:
            continue
        one, one_steady = median([_rate(o) for o in pg[1]]), median([_steady_rate(o) for o in pg[1]])
        one_busy = median([o.cpu["server"] / o.day_s for o in pg[1]])
        for n in sorted(k for k in pg if k > 1):
            more, more_steady = median([_rate(o) for o in pg[n]]), median([_steady_rate(o) for o in pg[n]])
            more_busy = median([o.cpu["server"] / o.day_s for o in pg[n]])
            rounds = f" (medians of {len(pg[1])} and {len(pg[n])} rounds)" if len(pg[1]) + len(pg[n]) > 2 else ""
            print(f"{run.label}: PostgreSQL with {n} workers stores {more_steady / one_steady - 1:+.0%} records/s "
                  f"against 1 worker while every lane had records to send ({one_steady:,.0f} -> {more_steady:,.0f}), "
                  f"{more / one - 1:+.0%} over the whole phase with its tail ({one:,.0f} -> {more:,.0f}){rounds}; "
                  f"the server's processes kept {one_busy:.2f} -> {more_busy:.2f} cores busy")
            cores = os.cpu_count() or 1
            a, b = median([_ceiling(o, cores) for o in pg[1]]), median([_ceiling(o, cores) for o in pg[n]])
            print(f"{run.label}: from the CPU per record, on {cores} cores with nothing else running: 1 worker at most "
                  f"{a:,.0f} records/s, {n} workers {b:,.0f} ({b / a - 1:+.0%})")


def _ceiling(o: Outcome, cores: int) -> float:
    """Records/s the site could store on ``cores`` otherwise idle cores, from its CPU per record: each
    worker at most one core (the GIL), and the server's processes, PostgreSQL and the load generator
    together at most all the cores."""
    server, everything = (o.cpu["server"] / o.records,
                          (o.cpu["server"] + o.cpu["postgresql"] + o.cpu["generators"]) / o.records)
    return min(min(o.workers, cores) / server, cores / everything)


# ----- main ---------------------------------------------------------------------------------
_running: list[ServerProcess | Cluster | Generators] = []
"""What this run started, stopped on the way out."""


def _stop_now(signum: int, _frame: object) -> None:
    """Interrupted: stop the generators, the servers and the cluster at once and leave."""
    for thing in reversed(_running):
        with contextlib.suppress(Exception):
            thing.stop()
    os._exit(128 + signum)


def _runs(text: str) -> list[Run]:
    out = []
    for part in text.split(","):
        n, _, h = part.strip().partition("x")
        out.append(Run(int(n), int(h or 1)))
    return out


def _sites(text: str) -> list[tuple[str, int]]:
    out = []
    for part in text.split(","):
        backend, _, n = part.strip().partition(":")
        if backend not in ("sqlite", "postgresql"):
            raise SystemExit(f"--sites: {backend!r} is neither sqlite nor postgresql")
        out.append((backend, int(n or 1)))
    return out


def _site(folder: Path, backend: str, workers: int, cluster: Cluster | None) -> tuple[str, ServerProcess]:
    """A fresh site's name and server (not started yet)."""
    label = f"{'SQLite' if backend == 'sqlite' else 'PostgreSQL'}, {workers} worker{'s' if workers > 1 else ''}"
    if backend == "sqlite":
        return label, ServerProcess(folder, log_path=folder.with_suffix(".log"), workers=workers)
    assert cluster is not None
    return label, ServerProcess(folder, log_path=folder.with_suffix(".log"), database_url=cluster.fresh_database(),
                                workers=workers)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.server_load")
    ap.add_argument("--runs", help="comma-separated LEARNERSxHOURS: that many learners, each studying that many hours "
                                   "(default 200x3,1000x1; with --capacity 64x8)")
    ap.add_argument("--quick", action="store_true", help="a short run: 50x1,200x1 with a shorter day")
    ap.add_argument("--hour-s", type=float, default=20.0, help="seconds of bench time per studied hour")
    ap.add_argument("--ramp", type=float, default=10.0, help="learners start spread over this many seconds")
    ap.add_argument("--limit", type=float, help="seconds a run may take at most, then learners give up (default: "
                                                "120 + 0.5 per learner-hour: 420 s for 200x3, 620 s for 1000x1)")
    ap.add_argument("--workers", type=int, default=2, help="PostgreSQL worker processes")
    ap.add_argument("--sites", help="the sites of each run, BACKEND:WORKERS comma-separated (default "
                                    "sqlite:1,postgresql:WORKERS; with --capacity sqlite:1,postgresql:1,postgresql:2)")
    ap.add_argument("--generators", type=int, help="load-generator processes driving the learners "
                                                   "(default 2; with --capacity 1)")
    ap.add_argument("--nice", type=int, default=0,
                    help="the generators' niceness (default 0: a niced generator starved by busy workers sends too "
                         "little to keep them busy)")
    ap.add_argument("--no-kill", action="store_true", help="do not SIGKILL a PostgreSQL worker half-way")
    ap.add_argument("--only", choices=("sqlite", "postgresql"), help="run one site only")
    ap.add_argument("--logs", type=Path, help="keep each server's log in this folder")
    ap.add_argument("--upload-slots", type=int, help="the servers' serve --upload-slots (default: serve's own)")
    ap.add_argument("--capacity", action="store_true",
                    help="instead of the day: every learner's records as fast as the server takes them, "
                         "--lanes batches in flight at all times (the server, not the learners, sets the pace)")
    ap.add_argument("--lanes", type=int, default=16, help="--capacity: batches in flight at once (default 16)")
    ap.add_argument("--batch", type=int, default=60,
                    help="--capacity: records per batch (default 60: an hour's sync, as in the day)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the sites one after the other this many times (rounds share the machine's "
                         "other load alike; the comparison of workers takes each site's median)")
    ap.add_argument("--profile", type=float, default=0.0,
                    help="sample each worker with py-spy for this many seconds of the day (or capacity) phase")
    ap.add_argument("--waits", action="store_true",
                    help="sample what each worker is doing through the day (or capacity) phase (bench.load_probe)")
    ap.add_argument("--profile-after", type=float, default=3.0, help="seconds into the phase the sampling starts")
    args = ap.parse_args(argv)
    for name, capacity, day in (("runs", "64x8", "200x3,1000x1"), ("generators", 1, 2)):
        if getattr(args, name) is None:
            setattr(args, name, capacity if args.capacity else day)
    if args.quick:
        args.runs, args.hour_s, args.ramp, args.limit = "50x1,200x1", 10.0, 5.0, 120.0
    runs = _runs(args.runs)
    sites = _sites(args.sites or ("sqlite:1,postgresql:1,postgresql:2" if args.capacity
                                  else f"sqlite:1,postgresql:{args.workers}"))
    sites = [(b, n) for b, n in sites if args.only in (None, b)]
    if args.upload_slots is not None:
        os.environ["STUDYDESK_UPLOAD_SLOTS"] = str(args.upload_slots)  # serve's default, in the servers started
    signal.signal(signal.SIGTERM, _stop_now)
    signal.signal(signal.SIGINT, _stop_now)
    most = max(runs, key=lambda r: r.learners).learners
    hours = {i: max((r.hours for r in runs if r.learners > i), default=1) for i in range(most)}
    day_start = time.time() - max(r.hours for r in runs) * 3600.0 - 60.0
    print(f"signing {sum(hours.values()) * 60:,} records for {most} learners (not measured) ...", flush=True)
    with ThreadPoolExecutor(2) as pool:
        everyone = list(pool.map(lambda i: _day(i, hours[i], day_start), range(most)))
    results: list[Outcome] = []
    show = report_capacity if args.capacity else report
    with tempfile.TemporaryDirectory(prefix="studydesk-load-") as tmp:
        root = Path(tmp)
        cluster = None
        if any(b == "postgresql" for b, _ in sites):
            cluster = Cluster.start()
            _running.append(cluster)
        try:
            for run in runs:
                learners = everyone[:run.learners]
                plans = [_plan(x, run.hours, args.ramp, args.batch if args.capacity else None)
                         for x in learners]  # encoded before any clock starts
                for k, (backend, workers) in enumerate(sites * args.rounds):
                    label, server = _site(root / f"{backend}-{workers}-{run.learners}x{run.hours}-{k}", backend,
                                          workers, cluster)
                    if args.rounds > 1:
                        label += f" #{k // len(sites) + 1}"
                    _running.append(server.start())
                    try:
                        print(f"{label}: {run.label} ...", flush=True)
                        kill = workers > 1 and not args.no_kill and not args.capacity
                        results.append(run_site(label, server, cluster if backend == "postgresql" else None, run,
                                                learners, plans, args, kill=kill))
                        show(results[-1:])  # at once: a later run that cannot finish loses nothing
                    finally:
                        server.stop()
                        _running.remove(server)
                        if args.logs is not None:
                            args.logs.mkdir(parents=True, exist_ok=True)
                            with contextlib.suppress(OSError):
                                (args.logs / server.log_path.name).write_bytes(server.log_path.read_bytes())
        finally:
            if cluster is not None:
                cluster.stop()
    print(f"\nall runs; machine: {os.cpu_count()} cores, shared with the bench's learners and any other jobs")
    show(results)
    ok = all(not o.problems and o.credited_ok and len(o.day.acked) == o.stored_rows and not o.day.unfinished
             for o in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
