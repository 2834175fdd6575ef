"""``./run bench server_load``: many learners studying a day and syncing it at once, SQLite with one
worker next to PostgreSQL with two, at several sizes, in one run (issue 13 point 8).

A run is ``LEARNERSxHOURS``: that many learners, each with a day of ``HOURS`` hours of study signed
by a PC of its own at the protocol v2 cadence (one signed watch record per minute-long span, 60 per
learner-hour), the bodies the real player makes. The records are signed before any clock starts:
the server's work is measured, not the bench's signing. Each run has a fresh server and database.

1. Sign-in: every learner signs in once and enrols its PC, starting spread over ``--ramp`` seconds
   (scrypt in the server's password pool: measured on its own, CPU included).
2. The day: each learner's hours are compressed to ``--hour-s`` seconds each; at the end of each
   studied hour the learner syncs what is pending, in the batches the real uploader makes (at most
   ``sync.records.uploader.DEFAULT_BATCH`` records each). Learners start their day spread over
   ``--ramp`` seconds. Every try the server turns away (503/429 with Retry-After, a dropped
   connection) is retried with the app's one backoff, honouring Retry-After, and counted by kind.
   A run is bounded: learners still syncing after ``--limit`` seconds give up (and are reported).

Printed per run: accepted records/s over the day phase; served batch latency p50/p99 (one try's
time until the server answered it: what a served learner waits) next to every turned-away try (503,
429) and every error (timeout, dropped connection, 5xx); the time until each learner's day is fully
acked, counted from when its last sync was due (so a server that turns everyone away cannot look
fast); the server's CPU seconds per 1,000 records (all its processes, psutil) and per sign-in; the
bench's own CPU (it shares the cores); acked == stored, records missing or doubled (the server's
own database, chain by chain) and every honest minute credited. On PostgreSQL one worker is killed
with SIGKILL half-way through the day (``--no-kill`` to skip): nothing acked may be lost or doubled.
The reference, measured in the same run on the same server: bare ``/api/health`` round trips.

The bench starts its own throw-away PostgreSQL (tests/support/postgres.py: Debian's postgresql)
and its own servers.
Usage: python -m bench.server_load [--runs 200x3,1000x1] [--quick] [--workers 2] [--only sqlite]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import psutil
import requests

from sync.net.api_client import ApiClient
from sync.net.backoff import Backoff
from sync.protocol.errors import RetryableError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, V2, DeviceSigner, Record, make_record
from sync.protocol.watch import to_v2
from sync.records.uploader import DEFAULT_BATCH
from tests.support.courses import publish_lessons
from tests.support.load import COURSE, LESSON, Tally, chain_problems, client, percentile, stored
from tests.support.postgres import Cluster
from tests.support.server_process import ServerProcess
from tests.support.watch import iso

PASSWORD = "pass-word"
SPAN_S = 60.0
"""One signed watch record per minute-long span: the v2 cadence, 60 per learner-hour."""
LESSON_S = 12 * 3600.0
REPLACED_WITHIN_S = 120.0
BUSY = ("server_busy", "too_many_attempts")
"""Tries the server turned away on purpose (503/429 with Retry-After): not errors."""


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


@dataclass
class Outcome:
    site: str
    run: Run
    records: int
    day_s: float
    signin_s: float
    tally: Tally
    signins: Tally
    acked_after_due_s: list[float]
    """Per learner: seconds from its last sync's due moment until its whole day was acked."""
    unfinished: int
    cpu_day_s: float
    cpu_signin_s: float
    bench_cpu_s: float
    health_per_s: float
    problems: list[str]
    stored_rows: int
    credited_ok: bool
    killed: str = ""
    kill_drops: int = 0
    tracebacks: int = 0
    """Errors within KILL_DROPS_WITHIN_S after the SIGKILL: connections the killed worker held."""
    load: tuple[float, float] = (0.0, 0.0)
    notes: list[str] = field(default_factory=list)


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
                {"user_id": x.user_id, "username": f"learner{x.index:05d}", "display_name": f"learner{x.index:05d}",
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


def _tree_cpu_s(pid: int) -> float:
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


def _health_reference(url: str, threads: int, seconds: float = 2.0) -> float:
    """Bare /api/health round trips per second from ``threads`` threads."""
    stop = time.monotonic() + seconds
    count = [0]
    lock = threading.Lock()

    def loop() -> None:
        s = requests.Session()
        mine = 0
        while time.monotonic() < stop:
            with contextlib.suppress(requests.RequestException):
                s.get(url + "/api/health", timeout=10)
                mine += 1
        with lock:
            count[0] += mine

    with ThreadPoolExecutor(threads) as pool:
        for f in [pool.submit(loop) for _ in range(threads)]:
            f.result()
    return count[0] / seconds


# ----- one learner ------------------------------------------------------------------------------
class _GaveUp(Exception):
    pass


T = TypeVar("T")
_error_times: list[float] = []
"""When each error (not a turned-away try) happened: the ones right after a SIGKILL are its doing."""
_error_lock = threading.Lock()
_error_examples: dict[str, str] = {}
KILL_DROPS_WITHIN_S = 10.0


def _try(what: str, call: Callable[[], T], tally: Tally, deadline: float) -> T:
    """``call()`` until the server answers, waiting between tries as the app does; each answered
    try's own time goes to ``tally.latencies_s``, each failed one to ``tally.errors`` by kind."""
    backoff = Backoff(base_s=0.1, cap_s=4.0)
    while True:
        started = time.monotonic()
        try:
            result = call()
        except RetryableError as exc:
            tally.errors[exc.code] += 1
            if exc.code not in BUSY:
                with _error_lock:
                    _error_times.append(time.monotonic())
                    _error_examples.setdefault(exc.code, f"{what}: {exc.detail}"[:300])
            wait = backoff.delay_after(exc)
            if time.monotonic() + wait > deadline:
                raise _GaveUp(f"{what}: not answered before the run's limit ({exc.code})") from exc
            time.sleep(wait)
            continue
        tally.latencies_s.append(time.monotonic() - started)
        tally.answered += 1
        return result


def _sign_in(server: ServerProcess, x: Learner, start_at: float, deadline: float, tally: Tally) -> ApiClient:
    time.sleep(max(0.0, start_at - time.monotonic()))
    api = client(server.url)
    # each learner on a PC of its own, as nginx tells the server (it trusts the header from 127.0.0.1)
    api.transport.session.headers["X-Forwarded-For"] = f"10.{x.index // 65536 % 256}.{x.index // 256 % 256}." \
                                                       f"{x.index % 256}"
    _try("sign-in", lambda: api.login(f"learner{x.index:05d}", PASSWORD), tally, deadline)
    _try("enrol", lambda: api.enrol_device(x.device_id, x.public_key), tally, deadline)
    return api


def _study_day(api: ApiClient, x: Learner, run: Run, day_start: float, hour_s: float, deadline: float,
               tally: Tally) -> float | None:
    """Sync the day hour by hour; seconds from the last sync's due moment until all was acked
    (None: gave up at the run's limit)."""
    due = day_start
    try:
        for hour in range(run.hours):
            due = day_start + (hour + 1) * hour_s
            time.sleep(max(0.0, due - time.monotonic()))
            pending = x.day[hour * 60:(hour + 1) * 60]
            for k in range(0, len(pending), DEFAULT_BATCH):
                batch = pending[k:k + DEFAULT_BATCH]
                results = _try("batch", functools.partial(api.post_batch, batch), tally, deadline)
                for r in results:
                    tally.statuses[str(r.get("reason") or r["status"])] += 1
                    if r["status"] in ("stored", "duplicate"):
                        tally.acked.add(str(r["id"]))
    except _GaveUp:
        return None
    return time.monotonic() - due


# ----- one run on one site -------------------------------------------------------------------
_kill_times: list[float] = []


def _killer(server: ServerProcess, after_s: float, done: threading.Event, out: list[str]) -> None:
    if done.wait(after_s):
        out.append("the day ended before the kill was due")
        return
    pids = server.worker_pids()
    if not pids:
        out.append("no worker to kill")
        return
    os.kill(pids[0], signal.SIGKILL)
    killed = time.monotonic()
    _kill_times.append(killed)
    while time.monotonic() < killed + REPLACED_WITHIN_S:
        now = server.worker_pids()
        if len(now) == len(pids) and pids[0] not in now:
            out.append(f"worker {pids[0]} killed with SIGKILL {after_s:.0f} s into the day, replaced "
                       f"{time.monotonic() - killed:.1f} s later")
            return
        time.sleep(0.2)
    out.append(f"worker {pids[0]} killed {after_s:.0f} s into the day and NOT replaced within "
               f"{REPLACED_WITHIN_S:.0f} s")


def run_site(site: str, server: ServerProcess, run: Run, learners: list[Learner], args: argparse.Namespace,
             kill: bool) -> Outcome:
    assert server.proc is not None
    publish_lessons(server.data_dir, COURSE, {LESSON: LESSON_S}, max_rate=1.0)
    _add_users(server, learners)
    health = _health_reference(server.url, min(run.learners, 32))
    pid = server.proc.pid
    limit = time.monotonic() + args.limit
    # 1. everyone signs in and enrols
    signins = Tally()
    cpu0, t0 = _tree_cpu_s(pid), time.monotonic()
    with ThreadPoolExecutor(run.learners) as pool:
        apis = list(pool.map(lambda x: _sign_in(server, x, t0 + random.Random(x.index).uniform(0, args.ramp),
                                                limit, signins), learners))
    signin_s, cpu_signin = time.monotonic() - t0, _tree_cpu_s(pid) - cpu0
    _backdate_devices(server, learners[0].day_start - 600.0)
    # 2. the day
    tally = Tally()
    done = threading.Event()
    killed: list[str] = []
    killer = None
    cpu0, bench1, t0 = _tree_cpu_s(pid), time.process_time(), time.monotonic()
    if kill:
        killer = threading.Thread(target=_killer, args=(server, args.ramp / 2 + run.hours * args.hour_s / 2, done,
                                                        killed))
        killer.start()
    with ThreadPoolExecutor(run.learners) as pool:
        lags = list(pool.map(lambda xa: _study_day(xa[1], xa[0], run, t0 + random.Random(-xa[0].index).uniform(
            0, args.ramp), args.hour_s, limit, tally), zip(learners, apis, strict=True)))
    day_s = time.monotonic() - t0
    done.set()
    if killer is not None:
        killer.join()
    cpu_day, bench_cpu = _tree_cpu_s(pid) - cpu0, time.process_time() - bench1
    kill_drops = sum(1 for t in _error_times if any(k <= t <= k + KILL_DROPS_WITHIN_S for k in _kill_times))
    _error_times.clear()
    _kill_times.clear()
    found = stored(server)
    chains = {x.device_id: x.day[:run.hours * 60] for x in learners}
    problems = chain_problems(chains, found)
    wanted = {r.id for c in chains.values() for r in c}
    if tally.acked != wanted:
        problems.append(f"{len(wanted - tally.acked)} records were never acked")
    expected_s = SPAN_S * run.hours * 60
    credited_ok = all(abs(found.credited_s.get(x.user_id, 0.0) - expected_s) < 1e-3 for x in learners) and not any(
        found.windows_doubled_s.values())
    return Outcome(site, run, len(wanted), day_s, signin_s, tally, signins, [lag for lag in lags if lag is not None],
                   sum(lag is None for lag in lags), cpu_day, cpu_signin, bench_cpu,
                   health, problems, sum(len(v) for v in found.per_device.values()), credited_ok, "; ".join(killed),
                   kill_drops, _tracebacks(server), os.getloadavg()[:2])


# ----- the report ---------------------------------------------------------------------------
def _ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:,.0f}" if values else "-"


def report(results: list[Outcome]) -> None:
    width = 26

    def row(name: str, values: list[str]) -> None:
        print(f"{name:<40}" + "".join(f"{v:>{width}}" for v in values))

    print()
    row("", [o.site for o in results])
    row("run", [o.run.label for o in results])
    row("records in the day", [f"{o.records:,}" for o in results])
    row("sign-in + enrol phase s", [f"{o.signin_s:.1f}" for o in results])
    row("  sign-in served p50 / p99 ms", [f"{_ms(o.signins.latencies_s, 50)} / {_ms(o.signins.latencies_s, 99)}"
                                          for o in results])
    row("  server CPU ms per sign-in", [f"{o.cpu_signin_s / o.run.learners * 1000:.0f}" for o in results])
    row("  turned away (503/429) / errors", [f"{sum(o.signins.errors[k] for k in BUSY)} / "
                                             f"{sum(n for k, n in o.signins.errors.items() if k not in BUSY)}"
                                             for o in results])
    row("day phase s", [f"{o.day_s:.1f}" for o in results])
    row("accepted records/s", [f"{len(o.tally.acked) / o.day_s:,.0f}" for o in results])
    row("batches served", [f"{o.tally.answered:,}" for o in results])
    row("served batch p50 / p99 ms", [f"{_ms(o.tally.latencies_s, 50)} / {_ms(o.tally.latencies_s, 99)}"
                                      for o in results])
    row("turned away: 503 (server_busy)", [str(o.tally.errors["server_busy"]) for o in results])
    row("errors (timeout, dropped, 5xx)", [str(sum(n for k, n in o.tally.errors.items() if k not in BUSY))
                                           for o in results])
    for kind in sorted({k for o in results for k in o.tally.errors if k not in BUSY}):
        row(f"  {kind}", [str(o.tally.errors.get(kind, 0)) for o in results])
    row("  of which the SIGKILL's drops", [str(o.kill_drops) if o.killed else "-" for o in results])
    row("day acked, s after last sync due p50", [_s(o.acked_after_due_s, 50) for o in results])
    row("  p99 / max", [f"{_s(o.acked_after_due_s, 99)} / {_s(o.acked_after_due_s, 100)}" for o in results])
    row("learners not done within the limit", [str(o.unfinished) for o in results])
    row("server CPU s per 1,000 records", [f"{o.cpu_day_s / max(1, o.records) * 1000:.2f}" for o in results])
    row("bench's own CPU s in the day (same cores)", [f"{o.bench_cpu_s:.1f}" for o in results])
    row("acked == stored", [str(len(o.tally.acked) == o.stored_rows) for o in results])
    row("missing or doubled", [str(len(o.problems)) for o in results])
    row("every honest minute credited once", [str(o.credited_ok) for o in results])
    row("reference: /api/health per s", [f"{o.health_per_s:.0f}" for o in results])
    row("load average (1 / 5 min) at the end", [f"{o.load[0]:.1f} / {o.load[1]:.1f}" for o in results])
    for kind, example in sorted(_error_examples.items()):
        print(f"an error of kind {kind}: {example}")
    for o in results:
        if o.tracebacks:
            print(f"{o.site}, {o.run.label}: {o.tracebacks} tracebacks in the server's log")
        if o.killed:
            print(f"{o.site}, {o.run.label}: {o.killed}")
        for p in o.problems[:10]:
            print(f"{o.site}, {o.run.label}: PROBLEM {p}")


def _s(values: list[float], p: float) -> str:
    return f"{percentile(values, p):.1f}" if values else "-"


# ----- main ---------------------------------------------------------------------------------
_running: list[ServerProcess | Cluster] = []
"""What this run started, stopped on the way out."""


def _stop_now(signum: int, _frame: object) -> None:
    """Interrupted: stop the servers and the cluster at once (the learner threads would take minutes
    to give up) and leave."""
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.server_load")
    ap.add_argument("--runs", default="200x3,1000x1",
                    help="comma-separated LEARNERSxHOURS: that many learners, each studying that many hours")
    ap.add_argument("--quick", action="store_true", help="a short run: 50x1,200x1 with a shorter day")
    ap.add_argument("--hour-s", type=float, default=20.0, help="seconds of bench time per studied hour")
    ap.add_argument("--ramp", type=float, default=10.0, help="learners start spread over this many seconds")
    ap.add_argument("--limit", type=float, default=240.0, help="seconds a run may take at most (then learners give up)")
    ap.add_argument("--workers", type=int, default=2, help="PostgreSQL worker processes")
    ap.add_argument("--no-kill", action="store_true", help="do not SIGKILL a PostgreSQL worker half-way")
    ap.add_argument("--only", choices=("sqlite", "postgresql"), help="run one site only")
    args = ap.parse_args(argv)
    if args.quick:
        args.runs, args.hour_s, args.ramp, args.limit = "50x1,200x1", 10.0, 5.0, 120.0
    runs = _runs(args.runs)
    signal.signal(signal.SIGTERM, _stop_now)
    signal.signal(signal.SIGINT, _stop_now)
    threading.stack_size(512 * 1024)
    most = max(runs, key=lambda r: r.learners).learners
    hours = {i: max((r.hours for r in runs if r.learners > i), default=1) for i in range(most)}
    day_start = time.time() - max(r.hours for r in runs) * 3600.0 - 60.0
    print(f"signing {sum(hours.values()) * 60:,} records for {most} learners (not measured) ...", flush=True)
    with ThreadPoolExecutor(2) as pool:
        everyone = list(pool.map(lambda i: _day(i, hours[i], day_start), range(most)))
    results: list[Outcome] = []
    sites = [s for s in ("sqlite", "postgresql") if args.only in (None, s)]
    with tempfile.TemporaryDirectory(prefix="studydesk-load-") as tmp:
        root = Path(tmp)
        cluster = None
        if "postgresql" in sites:
            cluster = Cluster.start()
            _running.append(cluster)
        try:
            for run in runs:
                for site in sites:
                    folder = root / f"{site}-{run.learners}x{run.hours}"
                    if site == "sqlite":
                        label, server = "SQLite, 1 worker", ServerProcess(folder, log_path=folder.with_suffix(".log"))
                    else:
                        assert cluster is not None
                        label = f"PostgreSQL, {args.workers} workers"
                        server = ServerProcess(folder, log_path=folder.with_suffix(".log"),
                                               database_url=cluster.fresh_database(), workers=args.workers)
                    _running.append(server.start())
                    try:
                        print(f"{label}: {run.label} ...", flush=True)
                        results.append(run_site(label, server, run, everyone[:run.learners], args,
                                                kill=site == "postgresql" and not args.no_kill))
                    finally:
                        server.stop()
                        _running.remove(server)
        finally:
            if cluster is not None:
                cluster.stop()
    print(f"machine: {os.cpu_count()} cores, shared with the bench's own learners and any other jobs")
    report(results)
    ok = all(not o.problems and o.credited_ok and len(o.tally.acked) == o.stored_rows and not o.unfinished
             for o in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
