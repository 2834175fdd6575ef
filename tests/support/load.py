"""Many people uploading at once to a real server: honest signed chains, a client that retries
the way the app does (the one backoff), and the checks, on the server's own database, that
every record is stored exactly once with its chain intact. Shared by the worker tests and
bench/server_load."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sync.net.api_client import ApiClient
from sync.net.backoff import Backoff
from sync.net.transport import Transport
from sync.protocol.errors import RetryableError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner, Record, make_record
from tests.support.server_process import ServerProcess
from tests.support.watch import Timeline

T = TypeVar("T")

COURSE = "c1"
LESSON = "l1"
LESSON_S = 3600.0
"""The published lesson every chain watches (publish it with tests.support.courses.publish_lessons)."""


def honest_chain(signer: DeviceSigner, n: int, start: float, span_s: float = 4.0) -> list[Record]:
    """``n`` honest watch records of lesson c1/l1, ``span_s`` seconds of media each, in wall windows
    one after the other from ``start`` (epoch seconds)."""
    line = Timeline(start)
    out: list[Record] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        media = [[(seq - 1) * span_s, seq * span_s]]
        r = make_record(signer, seq=seq, prev=prev, record_type="watch", course_id=COURSE, lesson_id=LESSON,
                        body=line.body(media, position_s=seq * span_s))
        out.append(r)
        prev = r.hash
    return out


def new_signer(user_id: str) -> DeviceSigner:
    return DeviceSigner(str(uuid.uuid4()), user_id, PrivateKey.generate())


@dataclass
class Tally:
    """What a client saw: requests answered, tries that failed by kind, latencies of answered
    batches, and the record ids the server acked (stored or duplicate)."""

    answered: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    """each failed try's error as the client described it (HTTP status and the server's detail)"""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def merge(self, other: Tally) -> None:
        with self.lock:
            self.answered += other.answered
            self.errors.update(other.errors)
            self.latencies_s += other.latencies_s
            self.acked |= other.acked
            self.statuses.update(other.statuses)
            self.failures += other.failures


def client(url: str) -> ApiClient:
    return ApiClient(Transport(url, timeout=(5.0, 30.0)))


def retrying(what: str, call: Callable[[], T], tally: Tally, *, give_up_s: float = 120.0,
             backoff: Backoff | None = None) -> T:
    """``call()`` until it answers, waiting between tries as the app does (Retry-After honoured);
    failed tries are counted in ``tally.errors`` by code."""
    backoff = backoff or Backoff(base_s=0.1, cap_s=4.0)
    deadline = time.monotonic() + give_up_s
    while True:
        try:
            return call()
        except RetryableError as exc:
            tally.errors[exc.code] += 1
            tally.failures.append(f"{what}: {exc}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: no answer within {give_up_s:.0f} s: {exc}") from exc
            time.sleep(backoff.delay_after(exc))


def upload(api: ApiClient, batch: list[Record], tally: Tally) -> list[dict[str, object]]:
    """Post ``batch`` until the server answers; its per-record results."""
    started = time.monotonic()
    results = retrying("batch", lambda: api.post_batch(batch), tally)
    tally.latencies_s.append(time.monotonic() - started)
    tally.answered += 1
    for r in results:
        tally.statuses[str(r.get("reason") or r["status"])] += 1
        if r["status"] in ("stored", "duplicate"):
            tally.acked.add(str(r["id"]))
    return results


@dataclass(frozen=True, slots=True)
class Stored:
    """The server's records as its database holds them."""

    per_device: dict[str, list[tuple[int, str, str, str]]]
    """device id -> (seq, id, hash, prev) in seq order"""
    credited_s: dict[str, float]
    """user id -> seconds credited"""
    windows_doubled_s: dict[str, float]
    """user id -> wall seconds credited more than once (must be 0)"""


def stored(server: ServerProcess) -> Stored:
    per_device: dict[str, list[tuple[int, str, str, str]]] = {}
    for device_id, seq, rid, digest, prev in server.sql(
            "SELECT device_id, seq, id, hash, prev FROM records ORDER BY device_id, seq"):
        per_device.setdefault(device_id, []).append((int(seq), rid, digest, prev))
    credited = {u: round(float(s), 3) for u, s in server.sql(
        "SELECT user_id, SUM(credited_s) FROM record_credit GROUP BY user_id")}
    doubled: dict[str, float] = {}
    windows: dict[str, list[tuple[float, float]]] = {}
    for user_id, start, end in server.sql("SELECT user_id, start_s, end_s FROM credit_windows ORDER BY start_s"):
        windows.setdefault(user_id, []).append((float(start), float(end)))
    for user_id, spans in windows.items():
        reach = float("-inf")
        extra = 0.0
        for start, end in spans:
            extra += max(0.0, min(end, reach) - start)
            reach = max(reach, end)
        doubled[user_id] = round(extra, 3)
    return Stored(per_device, credited, doubled)


def chain_problems(chains: dict[str, list[Record]], found: Stored) -> list[str]:
    """Every way the stored records differ from ``chains`` (device id -> its records): missing,
    doubled, extra or unlinked records. Empty when each is stored exactly once, in an intact chain."""
    problems = []
    for device_id, recs in chains.items():
        rows = found.per_device.get(device_id, [])
        if [(q, i, h) for q, i, h, _ in rows] != [(r.seq, r.id, r.hash) for r in recs]:
            problems.append(f"{device_id}: stored {len(rows)} rows, expected {len(recs)} in order, once each")
        for (_, _, digest, _), (_, rid, _, prev) in itertools.pairwise(rows):
            if prev != digest:
                problems.append(f"{device_id}: {rid} does not link to the record before it")
    extra = set(found.per_device) - set(chains)
    problems += [f"records of an unknown device {d}" for d in sorted(extra)]
    return problems


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
