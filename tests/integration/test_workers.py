"""``studydesk-server serve --workers 2`` on PostgreSQL, raced by real clients over real HTTP.

Batches of one device posted by two clients at the same moment, and one person's two devices
(two PCs that studied in the same minutes) posted at the same moment, land on either worker:
every record must be stored exactly once, every chain intact, and the credit the same as a
single worker's. A worker killed with SIGKILL mid-load is replaced by the supervisor, the
clients retry, and nothing is lost or doubled.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from server.config import HEADER_TIMEOUT_S, ServerConfig
from server.connections import HEADER_TIMEOUT_ENV
from server.credit import ALLOWANCE_S
from server.forkserver import FORKSERVER_NAME
from server.site_rules import rules_path
from sync.net.api_client import ApiClient
from sync.protocol.records import DeviceSigner, Record
from tests.support.courses import publish_lessons
from tests.support.load import (
    COURSE,
    LESSON,
    LESSON_S,
    Tally,
    chain_problems,
    client,
    honest_chain,
    new_signer,
    retrying,
    stored,
    upload,
)
from tests.support.postgres import Cluster
from tests.support.server_process import ServerProcess, add_user

pytestmark = pytest.mark.slow

RECORDS = 30
"""Per chain: 10 rounds of racing batches (each round races every pair of clients again; 20 rounds
proved nothing more and took twice the time)."""
BATCH = 3
PAIRS = 2
"""People of each kind: one device uploaded by two clients; two devices of one person."""


@dataclass
class Person:
    name: str
    user_id: str
    devices: list[DeviceSigner]
    chains: dict[str, list[Record]]


def _site(tmp_path: Path, cluster: Cluster, name: str, workers: int) -> ServerProcess:
    server = ServerProcess(tmp_path / name, database_url=cluster.fresh_database(), workers=workers).start()
    # at most 1x: a credited record takes its whole wall window, so what one person is credited
    # for the same minutes on two PCs does not depend on which record came first
    publish_lessons(server.data_dir, COURSE, {LESSON: LESSON_S}, max_rate=1.0)
    return server


@pytest.fixture
def sites(tmp_path: Path, postgres_cluster: Cluster) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """(one worker, two workers), each on its own fresh PostgreSQL database."""
    one = _site(tmp_path, postgres_cluster, "one", 1)
    try:
        two = _site(tmp_path, postgres_cluster, "two", 2)
        try:
            yield one, two
        finally:
            two.stop()
    finally:
        one.stop()


@pytest.fixture(scope="module")
def shared_two(tmp_path_factory: pytest.TempPathFactory, postgres_cluster: Cluster) -> Iterator[ServerProcess]:
    """A two-worker site with the default API slots, for the tests that kill its workers (each waits
    until the supervisor runs two again) and the one that reads its start's log: starting its workers,
    and their fork server, is most of a test's CPU."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv("STUDYDESK_API_SLOTS", raising=False)
        site = _site(tmp_path_factory.mktemp("workers"), postgres_cluster, "two", 2)
    try:
        yield site
    finally:
        site.stop()


def _two_running(site: ServerProcess, victim: int | None = None, within_s: float = 60.0) -> list[int]:
    """The site's worker pids once two run (``victim`` not among them), or as they are after ``within_s``.

    Each look is one listing, judged and returned as it is: a worker killed a moment ago may still
    be listed by one listing (it dies once the kernel runs it) and be gone from the next, so two
    listings can be two workers with the victim, then the other worker alone."""
    deadline = time.monotonic() + within_s
    while True:
        pids = site.worker_pids()
        if (len(pids) == 2 and victim not in pids) or time.monotonic() >= deadline:
            return pids
        time.sleep(0.1)


def _make_people(server: ServerProcess, start: float, prefix: str = "p") -> list[Person]:
    """PAIRS people with one device and PAIRS people with two, with the same wall windows on both
    devices (two PCs playing the lesson at once), enrolled on ``server``."""
    people = []
    for i in range(2 * PAIRS):
        name = f"{prefix}{i}"
        add_user(server, name, "pass-word")
        api = client(server.url)
        user_id = str(api.login(name, "pass-word")["user_id"])
        devices = [new_signer(user_id) for _ in range(1 if i < PAIRS else 2)]
        for signer in devices:
            api.enrol_device(signer.device_id, signer.key.public.to_text())
        people.append(Person(name, user_id, devices,
                             {s.device_id: honest_chain(s, RECORDS, start) for s in devices}))
    return people


def _signed_in(server: ServerProcess, people: list[Person], tally: Tally) -> dict[str, list[ApiClient]]:
    """Two clients per person, each signed in on its own."""
    out: dict[str, list[ApiClient]] = {}
    for p in people:
        out[p.name] = []
        for _ in range(2):
            api = client(server.url)
            retrying("sign-in", lambda api=api, p=p: api.login(p.name, "pass-word"), tally)  # type: ignore[misc]
            out[p.name].append(api)
    return out


def _race(server: ServerProcess, people: list[Person], tally: Tally,
          mid_load: threading.Event | None = None) -> list[list[list[dict[str, object]]]]:
    """Every person's two clients post round after round at the same moment: the same batch of
    one device from both, or each device's batch of the same minutes. All answers, by client."""
    apis = _signed_in(server, people, tally)
    rounds = RECORDS // BATCH
    lanes: list[tuple[ApiClient, list[list[Record]]]] = []
    for p in people:
        first = p.chains[p.devices[0].device_id]
        second = p.chains[p.devices[-1].device_id]  # the same chain when the person has one device
        for api, chain in zip(apis[p.name], (first, second), strict=True):
            lanes.append((api, [chain[k * BATCH:(k + 1) * BATCH] for k in range(rounds)]))
    together = threading.Barrier(len(lanes))

    def lane(api: ApiClient, batches: list[list[Record]]) -> list[list[dict[str, object]]]:
        mine = Tally()
        answers = []
        for k, batch in enumerate(batches):
            together.wait(timeout=120)
            if mid_load is not None and k == rounds // 3:
                mid_load.set()
            answers.append(upload(api, batch, mine))
        tally.merge(mine)
        return answers

    with ThreadPoolExecutor(len(lanes)) as pool:
        done = [pool.submit(lane, api, batches) for api, batches in lanes]
        return [f.result() for f in done]


def _answers_by_id(answers: list[list[list[dict[str, object]]]]) -> dict[str, list[str]]:
    by_id: dict[str, list[str]] = {}
    for per_client in answers:
        for batch in per_client:
            for r in batch:
                by_id.setdefault(str(r["id"]), []).append(str(r.get("reason") or r["status"]))
    return by_id


def _sequential(server: ServerProcess, people: list[Person]) -> None:
    """The same records, one batch at a time, the first device's before the second's."""
    tally = Tally()
    for p in people:
        api = client(server.url)
        api.login(p.name, "pass-word")
        for signer in p.devices:
            chain = p.chains[signer.device_id]
            for k in range(0, RECORDS, BATCH):
                upload(api, chain[k:k + BATCH], tally)
    assert tally.statuses == {"stored": sum(len(c) for p in people for c in p.chains.values())}


def _copy_people(server: ServerProcess, people: list[Person]) -> None:
    """The same people and devices on another server (same user ids: the records name them)."""
    for p in people:
        add_user(server, p.name, "pass-word")
        server.sql("UPDATE users SET user_id = :new WHERE username = :name", {"new": p.user_id, "name": p.name})
        api = client(server.url)
        api.login(p.name, "pass-word")
        for signer in p.devices:
            api.enrol_device(signer.device_id, signer.key.public.to_text())


def test_two_workers_store_raced_batches_once_and_credit_as_one_worker(
        sites: tuple[ServerProcess, ServerProcess]) -> None:
    one, two = sites
    people = _make_people(two, time.time() - 120)
    _copy_people(one, people)
    _sequential(one, people)
    reference = stored(one)

    tally = Tally()
    answers = _race(two, people, tally)
    found = stored(two)
    chains = {d: c for p in people for d, c in p.chains.items()}
    assert chain_problems(chains, found) == []
    assert chain_problems(chains, reference) == []
    by_id = _answers_by_id(answers)
    for p in people:
        for device_id, chain in p.chains.items():
            for r in chain:
                seen = sorted(by_id[r.id])
                # one device from two clients: stored once, the other answer a duplicate
                assert seen == (["duplicate", "stored"] if len(p.devices) == 1 else ["stored"]), (device_id, seen)
    assert set(tally.errors) <= {"server_busy"}, tally.errors
    for p in people:
        assert found.windows_doubled_s.get(p.user_id, 0.0) == 0.0, p.name  # no wall second credited twice
        if len(p.devices) == 1:
            assert found.credited_s[p.user_id] == reference.credited_s[p.user_id] == RECORDS * 4.0, p.name
        else:
            # both PCs played in the same minutes: that time counts once. Which PC's record came
            # first decides where each chain spends its one ALLOWANCE_S (server.credit), so the
            # figure may differ from one worker's by that much per chain, and no more
            slack = ALLOWANCE_S * len(p.devices)
            for site in (found, reference):
                assert RECORDS * 4.0 <= site.credited_s[p.user_id] <= RECORDS * 4.0 + slack, p.name
    overlap = two.sql("SELECT COUNT(*) FROM record_credit WHERE set_aside LIKE '%overlap%'")[0][0]
    assert overlap == PAIRS * RECORDS == one.sql(
        "SELECT COUNT(*) FROM record_credit WHERE set_aside LIKE '%overlap%'")[0][0]


def test_a_killed_worker_is_replaced_and_nothing_is_lost_or_doubled(shared_two: ServerProcess) -> None:
    two = shared_two
    people = _make_people(two, time.time() - 120, prefix="killed")
    before = _two_running(two)
    assert len(before) == 2
    mid_load = threading.Event()
    tally = Tally()
    racing = ThreadPoolExecutor(1).submit(_race, two, people, tally, mid_load)
    assert mid_load.wait(120)
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    racing.result(timeout=300)
    after = _two_running(two, victim, within_s=30)
    assert len(after) == 2 and victim not in after and before[1] in after
    assert requests.get(two.url + "/api/health", timeout=5).ok

    chains = {d: c for p in people for d, c in p.chains.items()}
    # the only records on this site: no other test of the module uploads to it
    assert chain_problems(chains, stored(two)) == []
    assert tally.acked == {r.id for c in chains.values() for r in c}  # every record acked, and stored once
    assert set(tally.errors) <= {"server_busy", "network"}, tally.errors  # never a 500


NEW_WORKER_START_S = 120.0
"""How long a request may wait for a worker that has just been started to take it."""
REPLACED_WITHIN_S = 10.0
"""A killed worker's replacement is running within this (the supervisor pings every half second;
the new worker's start is a new process on a possibly loaded machine)."""


def test_a_worker_killed_while_the_supervisor_waits_for_its_ping_is_replaced_within_seconds(
        shared_two: ServerProcess) -> None:
    two = shared_two
    before = _two_running(two)
    assert len(before) == 2
    victim = before[0]
    # a worker too busy to answer at once: the supervisor's ping is in flight (it pings every
    # half second) when the worker dies
    os.kill(victim, signal.SIGSTOP)
    time.sleep(1.5)
    os.kill(victim, signal.SIGKILL)
    killed = time.monotonic()
    after = _two_running(two, victim)
    took_s = time.monotonic() - killed
    assert len(after) == 2 and victim not in after and before[1] in after
    # not the HEALTHCHECK_S (30 s) the supervisor waits for a live worker's answer
    assert took_s < REPLACED_WITHIN_S, f"replaced only {took_s:.1f} s after the SIGKILL"
    new = next(pid for pid in after if pid != before[1])
    os.kill(before[1], signal.SIGSTOP)  # the old worker can take no request: the new one answers
    try:
        # once it has started: listed from its first instant, it then builds the app (about 0.3 CPU seconds
        # forked from the fork server, two as a new interpreter, which on a loaded machine took 15 s and
        # more before it accepted a connection)
        assert requests.get(two.url + "/api/health", timeout=NEW_WORKER_START_S).ok
    finally:
        os.kill(before[1], signal.SIGCONT)
    assert new in two.worker_pids()


NOT_READY_TRIES = 60
"""Requests, each after the Retry-After it was given, before a worker that can open its database again serves."""


def test_a_worker_started_while_its_database_refuses_connections_answers_503_until_it_can_open_it(
        shared_two: ServerProcess, postgres_cluster: Cluster) -> None:
    """A worker started (here: in place of a killed one) while PostgreSQL takes no new connection
    cannot build its app. It tells each request to come back later (503 with Retry-After), never 500,
    and serves as soon as the database takes its connections again."""
    two = shared_two
    database = sa.engine.make_url(two.db_url).database
    before = _two_running(two)
    assert len(before) == 2
    postgres_cluster._admin(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false')  # kept ones stay open
    try:
        os.kill(before[0], signal.SIGKILL)
        after = _two_running(two, before[0])
        assert len(after) == 2 and before[0] not in after and before[1] in after
        os.kill(before[1], signal.SIGSTOP)  # only the new worker takes connections
        try:
            refused = requests.get(two.url + "/api/health", timeout=NEW_WORKER_START_S)
            assert refused.status_code == 503, refused.text
            assert refused.json()["code"] == "server_busy" and int(refused.headers["Retry-After"]) >= 1
            postgres_cluster._admin(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true')
            for _ in range(NOT_READY_TRIES):
                time.sleep(min(int(refused.headers["Retry-After"]), 2))
                answer = requests.get(two.url + "/api/health", timeout=NEW_WORKER_START_S)
                if answer.status_code != 503:
                    break
            assert answer.status_code == 200, answer.text
        finally:
            os.kill(before[1], signal.SIGCONT)
    finally:
        postgres_cluster._admin(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true')
    log = two.log_path.read_text(errors="replace")
    assert "Traceback" not in log
    # said once (however many requests it turned away), in the run's language, with PostgreSQL's refusal
    said = [line for line in log.splitlines() if "a worker cannot build its application yet" in line]
    assert len(said) == 1 and database is not None and database in said[0], said


LONG_HEADER_TIMEOUT_S = 3600.0
"""``serve --header-timeout`` of the fork server test's site: far beyond the default (HEADER_TIMEOUT_S)."""


def _silent_connections(site: ServerProcess, workers: list[int]) -> list[socket.socket]:
    """One connection that sends nothing accepted by each worker: the others are stopped (SIGSTOP) while it
    connects, so that it is the one to accept it."""
    import psutil

    opened: list[socket.socket] = []
    for pid in workers:
        others = [other for other in workers if other != pid]
        for other in others:
            os.kill(other, signal.SIGSTOP)
        try:
            s = socket.create_connection(("127.0.0.1", site.port), timeout=10)
            opened.append(s)
            mine = s.getsockname()
            deadline = time.monotonic() + 60
            while not any(c.raddr and tuple(c.raddr) == mine for c in psutil.Process(pid).net_connections("tcp")):
                assert time.monotonic() < deadline, f"worker {pid} did not accept a connection"
                time.sleep(0.05)
        finally:
            for other in others:
                os.kill(other, signal.SIGCONT)
    return opened


def test_the_workers_are_forked_by_one_single_threaded_fork_server_which_ends_with_serve(
        tmp_path: Path, postgres_cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker starts as a fork of the supervisor's fork server (server.forkserver), which has
    imported the server once: not a new interpreter that imports it again, and the fork server is
    itself a fork of the supervisor (which runs one thread then), not a new interpreter either. The
    fork server runs one thread (nothing a worker inherits is held by another) and holds no network
    connection of the supervisor; the setting the supervisor hands the workers in the environment
    before their start (--header-timeout) reached each of them; and once serve has stopped, neither the
    workers nor the fork server are left (serve waited for it: nothing for a subreaper to adopt)."""
    import psutil

    monkeypatch.delenv(HEADER_TIMEOUT_ENV, raising=False)  # serve alone puts it in the workers' environment
    site = ServerProcess(tmp_path / "forked", database_url=postgres_cluster.fresh_database(), workers=2,
                         serve_args=["--header-timeout", str(LONG_HEADER_TIMEOUT_S)]).start()
    try:
        workers = _two_running(site)
        assert len(workers) == 2
        assert site.proc is not None
        supervisor = site.proc.pid
        servers = {psutil.Process(pid).ppid() for pid in workers}
        assert len(servers) == 1  # one fork server for both
        server = psutil.Process(servers.pop())
        assert server.pid != supervisor and server.ppid() == supervisor
        assert server.name() == FORKSERVER_NAME
        assert server.cmdline() == psutil.Process(supervisor).cmdline()  # a fork, not a new interpreter
        assert server.num_threads() == 1
        assert server.net_connections("inet") == []
        silent = _silent_connections(site, workers)
        try:
            # each worker's header timeout is the supervisor's: the default would have closed them by now
            time.sleep(HEADER_TIMEOUT_S + 2)
            closed, _, _ = select.select(silent, [], [], 0)
            assert closed == []
        finally:
            for s in silent:
                s.close()
        assert requests.get(site.url + "/api/health", timeout=30).ok
    finally:
        site.stop()
    assert [pid for pid in [supervisor, server.pid, *workers] if psutil.pid_exists(pid)] == []


def test_uvicorn_still_starts_its_workers_from_the_context_serve_puts_in_place(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """serve relies on uvicorn's internal ``uvicorn._subprocess.spawn`` (_workers_from_forkserver):
    this fails when a uvicorn release renames it or stops starting its supervisor's workers from it."""
    import multiprocessing.context
    import multiprocessing.forkserver

    import uvicorn
    from uvicorn import _subprocess
    from uvicorn.supervisors import multiprocess

    from server import forkserver
    from server.commands import serve

    assert isinstance(_subprocess.spawn, multiprocessing.context.SpawnContext)
    # put back, after the test, what it changes in this process
    monkeypatch.setattr(_subprocess, "spawn", _subprocess.spawn)
    monkeypatch.setattr(forkserver, "_preload", list(forkserver._preload))
    fork_server = vars(multiprocessing.forkserver._forkserver)  # this process's (typeshed omits its preload)
    monkeypatch.setitem(fork_server, "_preload_modules", fork_server["_preload_modules"])
    assert serve._workers_from_forkserver()
    worker = multiprocess.Process(uvicorn.Config(serve.WorkerApp(ServerConfig(Path("unused")))), [])
    try:  # built as the supervisor builds each worker, not started
        assert isinstance(worker.process, multiprocessing.context.ForkServerProcess)
    finally:
        worker.parent_conn.close()
        worker.child_conn.close()
    assert set(serve.WORKER_PRELOAD) <= set(fork_server["_preload_modules"])


def test_more_than_one_worker_on_sqlite_is_refused_with_status_2(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    site = ServerProcess(tmp_path / "sqlite")
    out = site.cli("serve", "--port", str(site.port), "--workers", "2", check=False)
    assert out.returncode == 2
    assert "--workers 2" in out.stderr and "PostgreSQL" in out.stderr and "SQLite" in out.stderr
    monkeypatch.setenv("STUDYDESK_LANG", "zh_CN")  # and the same in Chinese, in a run that speaks it
    chinese = site.cli("serve", "--port", str(site.port), "--workers", "2", check=False)
    assert chinese.returncode == 2 and "只能运行一个工作进程" in chinese.stderr and "PostgreSQL" in chinese.stderr
    monkeypatch.setenv("STUDYDESK_LANG", "en")
    assert "Traceback" not in out.stderr
    assert site.cli("serve", "--workers", "0", check=False).returncode == 2  # argparse: between 1 and 64


def test_a_broken_rules_file_stops_the_start_with_workers_as_with_one(
        tmp_path: Path, postgres_cluster: Cluster) -> None:
    """Each worker builds its app at its first event, after the start; a rules.toml that cannot be read
    must stop ``serve --workers 2`` at its start as it stops one worker's, not leave a site that
    answers 500 to every request."""
    site = ServerProcess(tmp_path / "rules", database_url=postgres_cluster.fresh_database())
    site.data_dir.mkdir(parents=True)
    rules_path(site.data_dir).write_text("[credit\n", encoding="utf-8")
    for workers in ("1", "2"):
        out = site.cli("serve", "--port", str(site.port), "--workers", workers, check=False)
        assert out.returncode == 1, (workers, out.stderr)
        assert "rules.toml is not valid TOML" in out.stderr and "Traceback" not in out.stderr, (workers, out.stderr)


CONNECTION_LIMIT = 4
"""Connections the capped role may hold: about what two workers keep open once started."""
MANY_SLOTS = 60
"""API slots of each of the capped site's workers: at their busiest, 2 x 2 x (60 + 4) = 256 connections,
more than the test cluster allows (max_connections 200)."""


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory, postgres_cluster: Cluster) -> Iterator[ServerProcess]:
    """A two-worker site on a PostgreSQL role that may hold CONNECTION_LIMIT connections, its workers
    with MANY_SLOTS API slots each: for the test of a PostgreSQL that takes no more connections, and
    the one that reads the warning its start printed (starting its workers and their fork server
    is most of a test's CPU)."""
    role = f"capped_{os.getpid()}_{time.monotonic_ns() % 10**6}"
    admin = sa.create_engine(postgres_cluster.admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT {CONNECTION_LIMIT}')
        conn.exec_driver_sql(f'CREATE DATABASE "{role}" OWNER "{role}"')
    url = sa.engine.make_url(postgres_cluster.admin_url).set(username=role, database=role)
    site = ServerProcess(tmp_path_factory.mktemp("capped") / "capped",
                         database_url=url.render_as_string(hide_password=False), workers=2)
    try:
        add_user(site, "p0", "pass-word")  # before the workers hold their connections
        with pytest.MonkeyPatch.context() as env:
            env.setenv("STUDYDESK_API_SLOTS", str(MANY_SLOTS))
            site.start()
        yield site
    finally:
        site.stop()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{role}"')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


def test_a_postgresql_that_takes_no_more_connections_is_answered_503_with_retry_after(capped: ServerProcess) -> None:
    """The workers' pools at their busiest can ask PostgreSQL for more connections than it allows
    (max_connections, a role's CONNECTION LIMIT). A request that gets none is answered 503 with
    Retry-After, like any other busy database, never 500; the server serves on."""
    site = capped
    token = client(site.url).login("p0", "pass-word")["access_token"]
    answers: list[tuple[int, str | None]] = []
    barrier = threading.Barrier(40)

    def ask() -> None:
        barrier.wait()
        resp = requests.get(f"{site.url}/api/transcript", headers={"Authorization": f"Bearer {token}"},
                            timeout=30)
        answers.append((resp.status_code, resp.headers.get("Retry-After")))

    for _ in range(3):
        threads = [threading.Thread(target=ask) for _ in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    statuses = Counter(status for status, _ in answers)
    assert set(statuses) == {200, 503}, statuses  # some served, some told to come back: none failed
    assert all(wait is not None and int(wait) >= 1 for status, wait in answers if status == 503)
    # the server serves on: a client that honours Retry-After is served once the burst is over
    # (the worker it reaches may be the one whose pool holds no connection yet: it is told to
    # come back, and a later try may reach the other)
    for _ in range(20):
        later = requests.get(f"{site.url}/api/transcript", headers={"Authorization": f"Bearer {token}"},
                             timeout=30)
        if later.status_code != 503:
            break
        time.sleep(min(int(later.headers["Retry-After"]), 2))
    assert later.status_code == 200
    assert "Traceback" not in site.log_path.read_text(errors="replace")


def test_workers_whose_pools_postgresql_cannot_hold_are_warned_of_at_the_start(
        capped: ServerProcess, shared_two: ServerProcess) -> None:
    """The test cluster allows 200 connections: two workers with 60 API slots each may want 256."""
    log = capped.log_path.read_text(errors="replace")
    assert "may hold up to 256 PostgreSQL connections" in log and "max_connections 200" in log
    from server.commands import serve

    with pytest.MonkeyPatch.context() as env:  # the same warning at a start that speaks Chinese
        env.setenv("STUDYDESK_LANG", "zh_CN")
        chinese = serve.connections_warning(shared_two.db_url, 2, MANY_SLOTS)
    assert chinese is not None and "最多可能占用 256 个 PostgreSQL 连接" in chinese
    assert requests.get(f"{capped.url}/api/health", timeout=10).status_code == 200  # a warning, not a refusal
    # the module's site started with the default slots: 2 x 2 x (32 + 4) = 144 fits, no warning
    assert "PostgreSQL connections" not in shared_two.log_path.read_text(errors="replace")
