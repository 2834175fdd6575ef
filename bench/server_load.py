"""``./run bench server_load``: many learners syncing at once, SQLite with one worker next to
PostgreSQL with two (issue 13 point 8).

Each simulated learner (a thread with its own HTTP connection) signs in once, enrols its
device, then syncs ``--syncs`` times a batch of ``--records`` signed watch records (one record
per minute of study: 60 is an hour, the v2 cadence), pausing ``--pause`` seconds (random, up to)
between syncs; learners start spread over ``--ramp`` seconds. A learner keeps its tokens: it never
signs in again while they are valid (an expired access token is refreshed). Each learner comes
from an address of its own (X-Forwarded-For, as nginx passes it), as PCs do. Every try the
server does not answer (503/429 with Retry-After, a dropped connection) is retried with the
app's one backoff (sync.net.backoff), honouring Retry-After, and counted by kind.

Printed per site: accepted records/s over the run, batch latency p50/p99 (a batch's time
until answered, retries included), sign-in p50/p99, errors by kind, acked == stored, records
missing or doubled (checked on the server's own database, chain by chain), and the server's
CPU seconds per 1,000 records. The reference, measured in the same run on the same server: bare
``/api/health`` round trips from the same number of threads. ``--kill`` kills one PostgreSQL
worker with SIGKILL half-way (the supervisor replaces it; nothing may be lost or doubled).

The bench starts its own throw-away PostgreSQL (tests/support/postgres.py: Debian's
postgresql) and its own servers, on a clean clone.
Usage: python -m bench.server_load [--learners 200] [--records 60] [--syncs 2] [--workers 2] [--kill]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

from sync.protocol.records import Record
from tests.support.courses import publish_lessons
from tests.support.load import (
    COURSE,
    LESSON,
    Tally,
    chain_problems,
    client,
    honest_chain,
    new_signer,
    percentile,
    retrying,
    stored,
    upload,
)
from tests.support.postgres import Cluster
from tests.support.server_process import ServerProcess

PASSWORD = "pass-word"
DAY_LESSON_S = 6 * 3600.0
REPLACED_WITHIN_S = 120.0


@dataclass
class Result:
    label: str
    learners: int
    records: int
    wall_s: float
    tally: Tally
    signins_s: list[float]
    cpu_s: float
    health_per_s: float
    health_p50_ms: float
    problems: list[str]
    stored_rows: int
    killed: str = ""
    notes: list[str] = field(default_factory=list)


def _add_users(server: ServerProcess, n: int) -> list[str]:
    """n accounts (learner00000 ...) sharing one password hash, their user ids: set-up, not measured."""
    import uuid

    from server.storage.engine import transaction
    from server.storage.schema import open_database
    from server.storage.tables import users
    from server.users import hash_password

    digest = hash_password(PASSWORD)
    ids = [str(uuid.uuid4()) for _ in range(n)]
    engine = open_database(server.db_url, pool_size=1)
    try:
        with engine.connect() as conn, transaction(conn):
            conn.execute(users.insert(), [
                {"user_id": ids[i], "username": f"learner{i:05d}", "display_name": f"learner{i:05d}",
                 "unit": "bench", "password_hash": digest} for i in range(n)])
    finally:
        engine.dispose()
    return ids


def _tree_cpu_s(pid: int) -> float:
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _health_reference(url: str, threads: int, seconds: float = 3.0) -> tuple[float, float]:
    """Bare /api/health round trips per second from ``threads`` threads, and their p50 in ms."""
    stop = time.monotonic() + seconds
    times: list[float] = []
    lock = threading.Lock()

    def loop() -> None:
        s = requests.Session()
        mine = []
        while time.monotonic() < stop:
            t = time.monotonic()
            try:
                s.get(url + "/api/health", timeout=10)
            except requests.RequestException:
                continue
            mine.append(time.monotonic() - t)
        with lock:
            times.extend(mine)

    with ThreadPoolExecutor(threads) as pool:
        for f in [pool.submit(loop) for _ in range(threads)]:
            f.result()
    return len(times) / seconds, percentile(times, 50) * 1000


def _learner(server: ServerProcess, i: int, args: argparse.Namespace, start_at: float, chain: list[Record],
             tally: Tally, signins: list[float], lock: threading.Lock) -> None:
    """Learner ``i``: sign in, enrol the PC that signed ``chain``, sync it in ``args.syncs`` batches."""
    rng = random.Random(i)
    time.sleep(max(0.0, start_at + rng.uniform(0, args.ramp) - time.monotonic()))
    mine = Tally()
    api = client(server.url)
    # each learner on a PC of its own, as nginx tells the server (it trusts the header from 127.0.0.1)
    api.transport.session.headers["X-Forwarded-For"] = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
    t = time.monotonic()
    retrying("sign-in", lambda: api.login(f"learner{i:05d}", PASSWORD), mine, give_up_s=600)
    signed_in = time.monotonic() - t
    device = chain[0].device_id
    key = _keys[device]
    retrying("enrol", lambda: api.enrol_device(device, key), mine, give_up_s=600)
    with lock:
        signins.append(signed_in)
    for k in range(args.syncs):
        if k:
            time.sleep(rng.uniform(0, args.pause))
        upload(api, chain[k * args.records:(k + 1) * args.records], mine)
    tally.merge(mine)


def _killer(server: ServerProcess, after_s: float, done: threading.Event, out: list[str]) -> None:
    if done.wait(after_s):
        return
    pids = server.worker_pids()
    if not pids:
        out.append("no worker to kill")
        return
    os.kill(pids[0], signal.SIGKILL)
    killed = time.monotonic()
    while time.monotonic() < killed + REPLACED_WITHIN_S:
        now = server.worker_pids()
        if len(now) == len(pids) and pids[0] not in now:
            out.append(f"worker {pids[0]} killed at {after_s:.0f} s, replaced by {sorted(set(now) - set(pids))[0]} "
                       f"{time.monotonic() - killed:.1f} s later")
            return
        time.sleep(0.2)
    out.append(f"worker {pids[0]} killed at {after_s:.0f} s and NOT replaced within {REPLACED_WITHIN_S:.0f} s")


_keys: dict[str, str] = {}
"""device id -> its public key, for enrolment"""


def _day_of_study(user_id: str, total: int) -> list[Record]:
    """A day's study signed by a new PC of ``user_id``: one record per minute, windows ending now."""
    signer = new_signer(user_id)
    _keys[signer.device_id] = signer.key.public.to_text()
    return honest_chain(signer, total, time.time() - total * 60.0, span_s=60.0)


def run_site(label: str, server: ServerProcess, args: argparse.Namespace, kill: bool) -> Result:
    publish_lessons(server.data_dir, COURSE, {LESSON: DAY_LESSON_S})
    user_ids = _add_users(server, args.learners)
    # signed before the clock starts: the server's work is measured, not the bench's signing
    days = [_day_of_study(user_id, args.records * args.syncs) for user_id in user_ids]
    chains = {day[0].device_id: day for day in days}
    assert server.proc is not None
    health_per_s, health_p50 = _health_reference(server.url, min(args.learners, 64))
    tally = Tally()
    signins: list[float] = []
    lock = threading.Lock()
    cpu_before = _tree_cpu_s(server.proc.pid)
    started = time.monotonic()
    done = threading.Event()
    killed: list[str] = []
    killer = None
    if kill:
        killer = threading.Thread(target=_killer, args=(server, args.ramp / 2 + 1, done, killed))
        killer.start()
    with ThreadPoolExecutor(args.learners) as pool:
        futures = [pool.submit(_learner, server, i, args, started, days[i], tally, signins, lock)
                   for i in range(args.learners)]
        for f in futures:
            f.result()
    wall = time.monotonic() - started
    done.set()
    if killer is not None:
        killer.join()
    cpu = _tree_cpu_s(server.proc.pid) - cpu_before
    found = stored(server)
    problems = chain_problems(chains, found)
    records = sum(len(c) for c in chains.values())
    if tally.acked != {r.id for c in chains.values() for r in c}:
        problems.append("some records were never acked")
    rows = sum(len(v) for v in found.per_device.values())
    return Result(label, args.learners, records, wall, tally, signins, cpu, health_per_s, health_p50, problems, rows,
                  "; ".join(killed))


def _row(name: str, values: list[str]) -> str:
    return f"{name:<34}" + "".join(f"{v:>26}" for v in values)


def report(results: list[Result]) -> None:
    print()
    print(_row("", [r.label for r in results]))
    print(_row("learners", [str(r.learners) for r in results]))
    print(_row("records synced", [str(r.records) for r in results]))
    print(_row("run time s", [f"{r.wall_s:.1f}" for r in results]))
    print(_row("accepted records/s", [f"{r.records / r.wall_s:.0f}" for r in results]))
    print(_row("batch p50 / p99 ms", [f"{percentile(r.tally.latencies_s, 50) * 1000:.0f} / "
                                      f"{percentile(r.tally.latencies_s, 99) * 1000:.0f}" for r in results]))
    print(_row("sign-in p50 / p99 ms", [f"{percentile(r.signins_s, 50) * 1000:.0f} / "
                                        f"{percentile(r.signins_s, 99) * 1000:.0f}" for r in results]))
    print(_row("server CPU s per 1,000 records", [f"{r.cpu_s / r.records * 1000:.2f}" for r in results]))
    kinds = sorted({k for r in results for k in r.tally.errors})
    for kind in kinds or ["(none)"]:
        print(_row(f"retried tries: {kind}", [str(r.tally.errors.get(kind, 0)) for r in results]))
    print(_row("acked == stored", [str(len(r.tally.acked) == r.stored_rows) for r in results]))
    print(_row("missing or doubled", [str(len(r.problems)) for r in results]))
    print(_row("reference: /api/health per s", [f"{r.health_per_s:.0f}" for r in results]))
    print(_row("reference: /api/health p50 ms", [f"{r.health_p50_ms:.1f}" for r in results]))
    for r in results:
        if r.killed:
            print(f"{r.label}: {r.killed}")
        for p in r.problems[:10]:
            print(f"{r.label}: PROBLEM {p}")


_running: list[ServerProcess | Cluster] = []
"""What this run started, stopped on the way out."""


def _stop_now(signum: int, _frame: object) -> None:
    """Interrupted: stop the servers and the cluster at once (the learner threads would take minutes
    to give up) and leave."""
    for thing in reversed(_running):
        with contextlib.suppress(Exception):
            thing.stop()
    os._exit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.server_load")
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--records", type=int, default=60, help="records per sync (one per minute of study)")
    ap.add_argument("--syncs", type=int, default=2, help="syncs per learner")
    ap.add_argument("--ramp", type=float, default=10.0, help="learners start spread over this many seconds")
    ap.add_argument("--pause", type=float, default=5.0, help="at most this many seconds between a learner's syncs")
    ap.add_argument("--workers", type=int, default=2, help="PostgreSQL worker processes")
    ap.add_argument("--kill", action="store_true", help="SIGKILL one PostgreSQL worker half-way through the ramp")
    ap.add_argument("--only", choices=("sqlite", "postgresql"), help="run one site only")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_now)
    signal.signal(signal.SIGINT, _stop_now)
    threading.stack_size(512 * 1024)
    results = []
    with tempfile.TemporaryDirectory(prefix="studydesk-load-") as tmp:
        root = Path(tmp)
        if args.only != "postgresql":
            sqlite_site = ServerProcess(root / "sqlite", log_path=root / "sqlite.log")
            _running.append(sqlite_site.start())
            try:
                print(f"SQLite, 1 worker: {args.learners} learners ...", flush=True)
                results.append(run_site("SQLite, 1 worker", sqlite_site, args, kill=False))
            finally:
                sqlite_site.stop()
        if args.only != "sqlite":
            cluster = Cluster.start()
            _running.append(cluster)
            try:
                pg_site = ServerProcess(root / "pg", log_path=root / "pg.log", database_url=cluster.fresh_database(),
                                        workers=args.workers)
                _running.append(pg_site.start())
                try:
                    label = f"PostgreSQL, {args.workers} workers"
                    print(f"{label}: {args.learners} learners ...", flush=True)
                    results.append(run_site(label, pg_site, args, kill=args.kill))
                finally:
                    pg_site.stop()
            finally:
                cluster.stop()
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the end "
          "(other jobs share these cores)")
    report(results)
    return 0 if all(not r.problems and len(r.tally.acked) == r.stored_rows for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

