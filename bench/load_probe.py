"""What each worker of a server under load is doing, sampled (``bench.server_load --waits``).

A thread of the bench's process samples, ``RATE`` times a second: each worker's threads' states
(Linux's /proc/PID/task/TID/stat: running or runnable, or asleep), PostgreSQL's sessions
(pg_stat_activity: working, waiting for a lock, or waiting for its client inside or outside a
transaction) matched to the worker that holds each by its port, and the connections each worker
holds from the load generator. Each sample puts each worker in one state, the first that holds:

- "running": a thread of the worker is on a core or runnable (waiting for one);
- "PostgreSQL working for it": one of its sessions runs a statement (not waiting for a lock);
- "waiting for a lock": one of its sessions waits for a lock (advisory or row);
- "in a transaction, between statements": a session of its is idle in transaction, yet no thread of
  the worker runs: the answer travels, or a thread waits for the GIL's hand-over;
- "nothing to do": none of the above: the worker waits for requests.

So a worker that is "nothing to do" for a share of the phase lacked work (its clients, or the way
connections are spread between workers), and one "running" all the time was bounded by its core.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import sqlalchemy as sa

RATE = 20.0
STATES = ("running", "PostgreSQL working for it", "waiting for a lock", "in a transaction, between statements",
          "nothing to do")


@dataclass
class WorkerSeen:
    states: Counter[str] = field(default_factory=Counter)
    connections: list[int] = field(default_factory=list)
    """Connections from clients (to the server's port) at each sample."""
    runnable: list[int] = field(default_factory=list)
    """Threads running or runnable at each sample."""


def _runnable_threads(pid: int) -> int:
    n = 0
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                stat = (task / "stat").read_text()
                if stat[stat.rindex(")") + 2] == "R":
                    n += 1
    return n


class Probe:
    """Samples ``workers`` (pids) of the server listening on ``port`` and, on PostgreSQL at
    ``database_url``, its sessions, until ``stop``."""

    def __init__(self, workers: list[int], port: int, database_url: str | None) -> None:
        self.workers = workers
        self.port = port
        self.seen = {w: WorkerSeen() for w in workers}
        self.samples = 0
        self.pg_waits: Counter[str] = Counter()
        self._stop = threading.Event()
        self._engine = (sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                                         poolclass=sa.pool.NullPool) if database_url else None)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _ports(self) -> tuple[dict[int, int], dict[int, int]]:
        """Each worker's local ports of its connections to PostgreSQL -> worker, and its client connections."""
        theirs: dict[int, int] = {}
        clients: dict[int, int] = {}
        for w in self.workers:
            clients[w] = 0
            with contextlib.suppress(psutil.Error):
                for c in psutil.Process(w).net_connections("tcp"):
                    if c.status != psutil.CONN_ESTABLISHED or not c.raddr:
                        continue
                    if c.laddr.port == self.port:
                        clients[w] += 1
                    else:
                        theirs[c.laddr.port] = w
        return theirs, clients

    def _run(self) -> None:
        conn = self._engine.connect() if self._engine is not None else None
        try:
            while not self._stop.wait(1.0 / RATE):
                self._sample(conn)
        finally:
            if conn is not None:
                conn.close()
            if self._engine is not None:
                self._engine.dispose()

    def _sample(self, conn: sa.Connection | None) -> None:
        ports, clients = self._ports()
        sessions: dict[int, list[tuple[str, str]]] = {w: [] for w in self.workers}
        if conn is not None:
            rows = conn.execute(sa.text(
                "SELECT client_port, state, coalesce(wait_event_type, '') FROM pg_stat_activity "
                "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")).all()
            conn.rollback()
            for port, state, wait in rows:
                w = ports.get(port)
                if w is not None:
                    sessions[w].append((state or "", wait))
                    if state == "active":
                        self.pg_waits[wait or "working"] += 1
        self.samples += 1
        for w in self.workers:
            seen = self.seen[w]
            running = _runnable_threads(w)
            seen.runnable.append(running)
            seen.connections.append(clients.get(w, 0))
            mine = sessions[w]
            if running:
                state = STATES[0]
            elif any(s == "active" and wait != "Lock" for s, wait in mine):
                state = STATES[1]
            elif any(s == "active" for s, _ in mine):
                state = STATES[2]
            elif any(s.startswith("idle in transaction") for s, _ in mine):
                state = STATES[3]
            else:
                state = STATES[4]
            seen.states[state] += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def report(self) -> list[str]:
        lines = [f"sampled {self.samples} times ({RATE:.0f} a second); each worker's share of the samples:"]
        for w in self.workers:
            seen = self.seen[w]
            n = max(1, sum(seen.states.values()))
            parts = ", ".join(f"{name} {seen.states[name] / n:.0%}" for name in STATES)
            conns = sum(seen.connections) / max(1, len(seen.connections))
            threads = sum(seen.runnable) / max(1, len(seen.runnable))
            lines.append(f"  worker {w}: {parts}; client connections {conns:.1f}, threads runnable {threads:.2f}")
        total = max(1, sum(self.pg_waits.values()))
        if self.pg_waits:
            lines.append("  PostgreSQL's working sessions, by wait: " + ", ".join(
                f"{k} {v / total:.0%}" for k, v in self.pg_waits.most_common()))
        return lines
