"""``./run bench outcomes``: the time to work out a whole province's credit, and one person's transcript,
on SQLite and PostgreSQL (issue 14 point 8).

A province of ``--people`` people (default 100,000) under 100 counties studies ``--courses``
published courses (default 50; 10 of them assigned as required to the province, the rest elective
through the evidence alone): each person has a device of their own (a real Ed25519 key, enrolled)
and one chain of signed, hash-chained v2 watch records, one record per course covering its one
lesson, spread over the year so far. Each record's credit is decided by the server's own code
(``server.credit.credit_watch`` against the published lesson, the chain's state and the person's
wall time already taken), as ingest decides it. The courses are really published (signed
manifests in a repository folder), so the one outcomes engine reads them as the server does.

The rows are made once, a few hundred people at a time by ``--workers`` processes (keys and record
ids from ``--seed``, times from today's date; ``--cache DIR`` keeps them, with that date, for later
runs of the same size and seed in the same year: an interrupted run goes on where it stopped), and
written into every database measured (each at the newest revision) with bulk writes
(``server.storage.bulk.insert_rows``: COPY on PostgreSQL, one executemany on SQLite), not through
ingest one batch at a time. A sample of people's chains is
then read back and verified (signatures with the enrolled key, links, seqs). Then, per database:

- the whole province: ``server.person_year.rebuild`` (what ``studydesk-server totals rebuild
  --workers N`` runs; on PostgreSQL with ``--workers`` processes): every person's evidence read,
  every course decided by the rules engine, every yearly figure stored; wall and CPU seconds (of
  the bench's processes, not the database server's) and people per second;
- one person: their transcript (``server.transcript``) and their outcomes for the year
  (``server.outcomes``), the median of ``--repeat`` runs;
- the reference, measured in the same run: one indexed single-row query (a user by id).

Usage: python -m bench.outcomes [--people N] [--courses N] [--repeat N] [--only sqlite|postgresql] [--workers N]
[--seed N] [--cache DIR] (``--people 2000`` for a quick run). A long run says how far it got every
minute. PostgreSQL: $STUDYDESK_TEST_POSTGRES_URL's cluster, else a throw-away one.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import multiprocessing
import os
import pickle
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import server.credit as credit_module
from bench.bulk import indexes_after, sequences_past_rows
from player.intervals import IntervalSet
from server.credit import ALLOWANCE_S, credit_watch, parse_time, parse_watch_body
from server.outcomes import Outcomes
from server.person_year import rebuild
from server.published import Published
from server.site_rules import site_today
from server.storage.bulk import insert_rows
from server.storage.engine import create, database_url, sqlite_url
from server.storage.schema import open_database
from server.storage.tables import credit_windows, devices, record_credit, records, users
from server.transcript import transcript
from server.users import get_user
from sync.protocol.canonical import sha256_hex
from sync.protocol.keys import PrivateKey, PublicKey
from sync.protocol.records import GENESIS, V2, DeviceSigner, Record, verify_chain
from sync.protocol.rules import DEFAULT_LEVEL, Rules, YearRules, YearTarget
from sync.storage.record_table import RECORD_COLUMNS, SIGNED_COLUMNS, record_from_row
from tests.support.courses import publish_lessons
from tests.support.postgres import Cluster, from_environment
from tests.support.watch import iso

REQUIRED = 10
COUNTIES = 100
LESSON_S = 60.0
CHUNK = 500
SAMPLE = 200
PROGRESS_S = 60.0
"""How often a long run says how far it got."""
"""People whose chains are read back and verified."""
ENROLLED = "01-01T00:00:00Z"
"""When every device was enrolled (month, day and time of the year measured)."""
UPLOAD_S = 600.0
"""Each record arrives this long after its window ends."""
RULES = Rules(year=YearRules(targets=((DEFAULT_LEVEL, YearTarget(Decimal(5), Decimal(10), Decimal(15))),)))

_RECORD_COLUMNS = ("id", "device_id", "user_id", "seq", "prev", "type", "course_id", "lesson_id", "body",
                   "created_at", "sig", "v", "hash", "rid", "source", "received_at")
assert _RECORD_COLUMNS[:len(RECORD_COLUMNS)] == RECORD_COLUMNS
_CREDIT_COLUMNS = ("rid", "user_id", "segments", "credited_s", "set_aside", "set_aside_s", "chain_end", "allowance_s")
_WINDOW_COLUMNS = ("user_id", "start_s", "end_s", "rid")
_USER_COLUMNS = ("user_id", "username", "display_name", "unit_code", "password_hash")
_DEVICE_COLUMNS = ("device_id", "user_id", "public_key", "enrolled_at")


def publish(data_dir: Path, courses: int) -> Path:
    """``courses`` courses of one 60 s lesson each, published with the server's own code."""
    for i in range(courses):
        publish_lessons(data_dir, course_id(i), {"l1": LESSON_S})
    return data_dir / "repo"


def course_id(index: int) -> str:
    return f"c{index:02d}"


def user_id(index: int) -> str:
    return f"u{index:06d}"


@dataclass
class Rows:
    """The rows of some people, per table (values in the order of the ``_..._COLUMNS``)."""

    users: list[tuple[Any, ...]] = field(default_factory=list)
    devices: list[tuple[Any, ...]] = field(default_factory=list)
    records: list[tuple[Any, ...]] = field(default_factory=list)
    credit: list[tuple[Any, ...]] = field(default_factory=list)
    windows: list[tuple[Any, ...]] = field(default_factory=list)


class Province:
    """Makes the people and their signed records, and decides each record's credit as ingest does.
    Everything random (keys, record ids) comes from ``seed`` and the times from a day (by default
    today's UTC day; a ``cache`` keeps the day its rows were made as of), so a province of one size,
    seed, year and day is always the same rows."""

    def __init__(self, people: int, courses: int, published: Published, year: int, now: float,
                 seed: int = 1, cache: Path | None = None) -> None:
        self.people = people
        self.courses = courses
        self.seed = seed
        self.enrolled_at = f"{year}-{ENROLLED}"
        self.earliest = parse_time(self.enrolled_at, "enrolled_at")
        first = datetime(year, 1, 2, tzinfo=UTC).timestamp()
        self.first_ms = round(first * 1000)
        self.cache = cache / self.key(year) if cache is not None else None
        self.cached = 0
        """Chunks read from the cache rather than made."""
        day = now - now % 86400
        if self.cache is not None:
            self.cache.mkdir(parents=True, exist_ok=True)
            kept = self.cache / "day"
            if kept.exists():
                day = float(kept.read_text(encoding="ascii"))  # the rows kept are as of that day
            else:
                kept.write_text(repr(day), encoding="ascii")
        # each person's records one after the other over the year so far, the last a day before ``day``
        self.step_ms = round(max(LESSON_S * 2, (day - 86400 - first) / courses) * 1000)
        self.lessons = []
        for i in range(courses):
            version = published.versions(course_id(i))[-1]
            lesson, reason = published.lesson(course_id(i), version, "l1")
            assert lesson is not None, reason
            self.lessons.append((version, lesson))

    def key(self, year: int) -> str:
        """The cache folder's name: the province's size, seed and year, and a digest of the code that
        makes and credits the rows (a change to either makes new rows)."""
        code = hashlib.sha256("".join(inspect.getsource(f) for f in (Province.rows, Province.person)).encode()
                              + repr((LESSON_S, UPLOAD_S, ENROLLED, COUNTIES)).encode()
                              + Path(credit_module.__file__ or "").read_bytes())
        return f"p{self.people}-c{self.courses}-s{self.seed}-y{year}-{code.hexdigest()[:12]}"

    def chunks(self, workers: int) -> Iterator[Rows]:
        """Everyone's rows, ``CHUNK`` people at a time, in order, made by ``workers`` processes (or
        read from the cache)."""
        starts = range(1, self.people + 1, CHUNK)
        if workers <= 1:
            for found, cached in map(self.chunk, starts):
                self.cached += cached
                yield found
            return
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for found, cached in pool.imap(self.chunk, starts):
                self.cached += cached
                yield found

    def chunk(self, start: int) -> tuple[Rows, bool]:
        """The rows of the ``CHUNK`` people from ``start`` on, and whether they came from the cache."""
        path = self.cache / f"{start:07d}.pickle" if self.cache is not None else None
        if path is not None and path.exists():
            with path.open("rb") as f:
                found = pickle.load(f)
            return (found if isinstance(found, Rows) else Rows(*found)), True
        rows = self.rows(start)
        if path is not None:
            part = path.with_suffix(".part")
            with part.open("wb") as f:  # plain lists, whatever module names Rows
                pickle.dump((rows.users, rows.devices, rows.records, rows.credit, rows.windows), f,
                            protocol=pickle.HIGHEST_PROTOCOL)
            part.replace(path)
        return rows, False

    def rows(self, start: int) -> Rows:
        """Make the rows of the ``CHUNK`` people from ``start`` on."""
        rows = Rows()
        rng = random.Random(f"{self.seed}:{start}")
        for index in range(start, min(start + CHUNK, self.people + 1)):
            self.person(index, rows, rng)
        return rows

    def person(self, index: int, rows: Rows, rng: random.Random) -> None:
        uid = user_id(index)
        signer = DeviceSigner(f"dev-{uid}", uid, PrivateKey.from_raw(rng.randbytes(32)))
        rows.users.append((uid, f"user{index}", f"学员{index}", f"p-{index % COUNTIES + 1}", "x"))
        rows.devices.append((signer.device_id, uid, signer.public_key.to_text(), self.enrolled_at))
        prev, chain, taken = GENESIS, None, IntervalSet()
        offset_ms = index * 7919 % 36_000 * 1000  # people study at different times of the day
        lesson_ms = round(LESSON_S * 1000)
        for k, (version, lesson) in enumerate(self.lessons):
            t0 = self.first_ms + offset_ms + k * self.step_ms
            start, end = iso(t0 / 1000), iso((t0 + lesson_ms) / 1000)
            body = {"segments_ms": [[0, lesson_ms]], "elapsed_mono_ms": lesson_ms, "wall_start": start,
                    "wall_end": end, "version": version, "completed": True}
            unsigned = Record(str(uuid.UUID(int=rng.getrandbits(128), version=4)), signer.device_id, uid, k + 1,
                              prev, "watch", course_id(k), "l1", body, end, v=V2)
            signing = unsigned.signing_bytes()
            digest = sha256_hex(signing)
            arrival = (t0 + lesson_ms) / 1000 + UPLOAD_S
            rid = (index - 1) * self.courses + k + 1
            rows.records.append((unsigned.id, signer.device_id, uid, k + 1, prev, "watch", course_id(k), "l1",
                                 unsigned.body_text(), end, signer.sign(signing), V2, digest, rid,
                                 "bench", iso(arrival)))
            # the server's decision, as ingest makes it for a record arriving at ``arrival``
            credit = credit_watch(lesson, parse_watch_body(body, V2), prev=chain, earliest=self.earliest,
                                  arrival=arrival, taken=taken)
            for w_start, w_end in credit.taken:
                rows.windows.append((uid, w_start, w_end, rid))
                taken.add(w_start, w_end)
            chain = credit.chain or chain
            rows.credit.append((rid, uid, json.dumps([list(s) for s in credit.segments]), credit.credited_s,
                                json.dumps(credit.set_aside, sort_keys=True) if credit.set_aside else "{}",
                                credit.set_aside_s, chain.wall_end if chain else None,
                                chain.allowance_s if chain else ALLOWANCE_S))
            prev = digest


def _series(dialect: str, n: int, name: str) -> str:
    """A FROM item giving the integers 1..n as ``name``.g (PostgreSQL's generate_series, else a recursive CTE)."""
    if dialect == "postgresql":
        return f"generate_series(1, {n}) AS {name}(g)"
    return f"(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n}) SELECT g FROM s) AS {name}"


def _units_and_assignments(conn: sa.Connection, year: int) -> None:
    d = conn.dialect.name
    conn.execute(sa.text("INSERT INTO units (code, name, parent_code, path, depth) "
                         "VALUES ('p', '某省', NULL, 'p/', 0)"))
    conn.execute(sa.text(
        "INSERT INTO units (code, name, parent_code, path, depth) "
        f"SELECT 'p-' || c.g, '某县' || c.g, 'p', 'p/p-' || c.g || '/', 1 FROM {_series(d, COUNTIES, 'c')}"))
    conn.execute(sa.text("INSERT INTO assignments (course_id, target_kind, target, required, due) "
                         "VALUES (:course, 'unit', 'p', 1, :due)"),
                 [{"course": course_id(k), "due": f"{year}-06-30"} for k in range(REQUIRED)])


@dataclass
class Target:
    name: str
    url: str
    build_s: float = 0.0


def build(targets: list[Target], province: Province, year: int, workers: int) -> None:
    """Every target's province, from one making of the rows (by ``workers`` processes)."""
    with ExitStack() as stack:
        conns = []
        for target in targets:
            open_database(target.url).dispose()  # at the newest revision; then without the server's statement timeout
            engine = sa.create_engine(database_url(target.url), poolclass=sa.pool.NullPool)
            stack.callback(engine.dispose)
            conn = stack.enter_context(engine.connect())
            stack.enter_context(conn.begin())  # committed once the indexes are back
            t0 = time.perf_counter()
            _units_and_assignments(conn, year)
            stack.enter_context(indexes_after(conn, ["records", "record_credit", "credit_windows"]))
            target.build_s += time.perf_counter() - t0
            conns.append(conn)
        started, shown = time.perf_counter(), time.perf_counter()
        for done, rows in enumerate(province.chunks(workers), start=1):
            if time.perf_counter() - shown >= PROGRESS_S:
                shown = time.perf_counter()
                print(f"  ... {min(done * CHUNK, province.people):,} of {province.people:,} people made and written, "
                      f"{shown - started:.0f} s", file=sys.stderr, flush=True)
            for target, conn in zip(targets, conns, strict=True):
                t0 = time.perf_counter()
                insert_rows(conn, users, _USER_COLUMNS, rows.users)
                insert_rows(conn, devices, _DEVICE_COLUMNS, rows.devices)
                insert_rows(conn, records, _RECORD_COLUMNS, rows.records)
                insert_rows(conn, record_credit, _CREDIT_COLUMNS, rows.credit)
                insert_rows(conn, credit_windows, _WINDOW_COLUMNS, rows.windows)
                target.build_s += time.perf_counter() - t0
        # the indexes are built again (when the stack unwinds, before the commits): timed with the commits
        t0 = time.perf_counter()
        for conn in reversed(conns):
            sequences_past_rows(conn, [records])
        stack.close()
        per_target = (time.perf_counter() - t0) / len(targets)
    for target in targets:
        target.build_s += per_target
        if target.url.startswith("postgresql"):
            engine = sa.create_engine(database_url(target.url), poolclass=sa.pool.NullPool)
            t0 = time.perf_counter()
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
            target.build_s += time.perf_counter() - t0
            engine.dispose()


def _cpu_s() -> float:
    """CPU seconds of this process and of its ended child processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def verify_sample(conn: sa.Connection, people: int, courses: int) -> int:
    """Read back the chains of ``SAMPLE`` people picked at random and verify them with their
    enrolled device keys (signatures, links, seqs); returns how many records were checked."""
    checked = 0
    for index in random.Random(1).sample(range(1, people + 1), min(SAMPLE, people)):
        uid = user_id(index)
        [[key_text]] = conn.execute(sa.select(devices.c.public_key).where(devices.c.user_id == uid)).all()
        rows = conn.execute(sa.select(*(records.c[name] for name in SIGNED_COLUMNS), records.c.hash)
                            .where(records.c.user_id == uid).order_by(records.c.seq)).all()
        chain = [record_from_row(row) for row in rows]
        verify_chain(chain, PublicKey.from_text(key_text))
        assert len(chain) == courses and all(r.hash == row[-1] for r, row in zip(chain, rows, strict=True))
        checked += len(chain)
    return checked


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        action()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure(target: Target, repo_dir: Path, people: int, courses: int, repeat: int, workers: int) -> None:
    engine = create(target.url, pool_size=1)
    published = Published(repo_dir)
    person = user_id(1)
    try:
        with engine.connect() as conn:
            checked = verify_sample(conn, people, courses)
            conn.rollback()
            reference = _median_ms(lambda: conn.execute(
                sa.select(users.c.username).where(users.c.user_id == person)).scalar_one(), repeat * 10)
            cpu, wall = _cpu_s(), time.perf_counter()
            shown = [wall]

            def progress(done: int, total: int) -> None:
                if time.perf_counter() - shown[0] >= PROGRESS_S:
                    shown[0] = time.perf_counter()
                    print(f"  ... {target.name}: {done:,} of {total:,} people rebuilt, {shown[0] - wall:.0f} s",
                          file=sys.stderr, flush=True)

            done = rebuild(conn, published, RULES, workers=workers, progress=progress)
            wall, cpu = time.perf_counter() - wall, _cpu_s() - cpu
            [[total]] = conn.execute(sa.text("SELECT sum(elective_x100 + required_x100) FROM person_year")).all()
            user = get_user(conn, user_id=person)
            assert user is not None
            record_ms = _median_ms(lambda: transcript(conn, person, repo_dir), repeat)
            today = site_today(RULES)
            outcomes_ms = _median_ms(lambda: Outcomes(conn, Published(repo_dir), RULES)
                                     .person_year(user, today.year, today), repeat)
    finally:
        engine.dispose()
    assert done == people and int(total) == people * courses * 100, (done, total)
    print(f"\n{target.name}: {people:,} people x {courses} courses = {people * courses:,} records, written in "
          f"{target.build_s:.0f} s; {checked:,} records of {min(SAMPLE, people)} people read back and verified")
    print(f"  reference: one indexed single-row query          {reference:10.2f} ms")
    print(f"  whole province, every credit decided and stored  {wall:10.1f} s wall, {cpu:.1f} s CPU here, "
          f"{people / wall:,.0f} people/s ({wall * 1000 / reference:,.0f} x reference)")
    print(f"  one person's transcript ({courses} records)           {record_ms:10.1f} ms "
          f"({record_ms / reference:,.0f} x reference)")
    print(f"  one person's outcomes for the year               {outcomes_ms:10.1f} ms "
          f"({outcomes_ms / reference:,.0f} x reference)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="people in the province (default 100,000)")
    parser.add_argument("--courses", type=int, default=50, help="published courses, each studied by everyone")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--workers", type=int, default=2,
                        help="processes that make the records, and that rebuild on PostgreSQL (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="the seed of the keys and record ids (default 1)")
    parser.add_argument("--cache", type=Path, metavar="DIR",
                        help="keep the rows made in DIR (some GB at full size): a later run of the same size "
                             "and seed this year reads them instead of making them again")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (figures on a loaded machine are inflated)")
    with tempfile.TemporaryDirectory(prefix="bench-outcomes-") as tmp, ExitStack() as stack:
        data = Path(tmp) / "data"
        repo_dir = publish(data, args.courses)
        targets = []
        if args.only != "sqlite":
            shared = from_environment()
            cluster = shared or Cluster.start()
            if shared is None:
                stack.callback(cluster.stop)
            targets.append(Target("PostgreSQL", cluster.fresh_database()))
        if args.only != "postgresql":
            targets.append(Target("SQLite", sqlite_url(Path(tmp) / "province.sqlite3")))
        now = time.time()
        year = site_today(RULES).year
        province = Province(args.people, args.courses, Published(repo_dir), year, now, args.seed, args.cache)
        t0, cpu = time.perf_counter(), _cpu_s()
        build(targets, province, year, args.workers)
        cpu = _cpu_s() - cpu
        if province.cached:
            print(f"{province.cached} of {-(-args.people // CHUNK)} chunks of {CHUNK} people's rows read from the "
                  f"cache {province.cache}, not made again (the figures below include only the rest's making)")
        print(f"made {args.people:,} people's devices and {args.people * args.courses:,} signed, chained records "
              f"with their credit once, by {args.workers} process(es), and wrote them into {len(targets)} "
              f"database(s): {time.perf_counter() - t0:.0f} s wall, {cpu:.0f} s CPU in this bench's processes "
              f"({cpu / (args.people * args.courses) * 1e6:.0f} µs a record)", flush=True)
        for target in targets:
            measure(target, repo_dir, args.people, args.courses, args.repeat, args.workers)


if __name__ == "__main__":
    main()
