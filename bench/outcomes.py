"""``./run bench outcomes``: the time to work out a whole province's credit, and one person's transcript,
on SQLite and PostgreSQL (issue 14 point 8).

A province of ``--people`` people (default 100,000) under 100 counties, each with one watch record
covering the one lesson of each of ``--courses`` published courses (default 50; 10 of them assigned
as required to the province, the rest elective through the evidence alone), is written straight
into a fresh database at the newest revision with SQL (a recursive series; nothing goes through
Python row by row). The courses are really published (signed manifests in a repository folder), so
the one outcomes engine reads them as the server does. Then, per database:

- the whole province: ``server.person_year.rebuild`` (what ``studydesk-server totals rebuild``
  runs): every person's evidence read, every course decided by the rules engine, every yearly
  figure stored; wall and CPU seconds and people per second;
- one person: their transcript (``server.transcript``) and their outcomes for the year
  (``server.outcomes``), the median of ``--repeat`` runs;
- the reference, measured in the same run: one indexed single-row query (a user by id).

Usage: python -m bench.outcomes [--people N] [--courses N] [--repeat N] [--only sqlite|postgresql]
(``--people 2000`` for a quick run). PostgreSQL: $STUDYDESK_TEST_POSTGRES_URL's cluster, else a
throw-away one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from bench.bulk import indexes_after
from server.outcomes import Outcomes
from server.person_year import rebuild
from server.published import Published
from server.site_rules import site_today
from server.storage.engine import create, sqlite_url
from server.storage.schema import open_database
from server.transcript import transcript
from server.users import get_user
from sync.protocol.rules import DEFAULT_LEVEL, Rules, YearRules, YearTarget
from tests.support.courses import publish_lessons
from tests.support.postgres import Cluster, from_environment

REQUIRED = 10
COUNTIES = 100
LESSON_S = 60.0
RULES = Rules(year=YearRules(targets=((DEFAULT_LEVEL, YearTarget(Decimal(5), Decimal(10), Decimal(15))),)))


def publish(data_dir: Path, courses: int) -> Path:
    """``courses`` courses of one 60 s lesson each, published with the server's own code."""
    for i in range(courses):
        publish_lessons(data_dir, f"c{i:02d}", {"l1": LESSON_S})
    return data_dir / "repo"


def _series(dialect: str, n: int, name: str) -> str:
    """A FROM item giving the integers 1..n as ``name``.g (PostgreSQL's generate_series, else a recursive CTE)."""
    if dialect == "postgresql":
        return f"generate_series(1, {n}) AS {name}(g)"
    return f"(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n}) SELECT g FROM s) AS {name}"


def build(url: str, people: int, courses: int) -> float:
    """The province and its records in ``url``; returns the seconds it took."""
    t0 = time.perf_counter()
    open_database(url).dispose()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    year = datetime.now(UTC).year
    created = f"{year}-01-02T08:00:00Z"
    chain_end = datetime(year, 1, 2, 8, 1, tzinfo=UTC).timestamp()
    try:
        with engine.begin() as conn:
            d = conn.dialect.name
            conn.execute(sa.text("INSERT INTO units (code, name, parent_code, path, depth) VALUES "
                                 "('p', '某省', NULL, 'p/', 0)"))
            conn.execute(sa.text(
                "INSERT INTO units (code, name, parent_code, path, depth) "
                f"SELECT 'p-' || c.g, '某县' || c.g, 'p', 'p/p-' || c.g || '/', 1 FROM {_series(d, COUNTIES, 'c')}"))
            conn.execute(sa.text(
                "INSERT INTO users (user_id, username, display_name, unit_code, password_hash) "
                "SELECT 'u' || n.g, 'user' || n.g, '学员' || n.g, 'p-' || (n.g % :counties + 1), 'x' "
                f"FROM {_series(d, people, 'n')}"), {"counties": COUNTIES})
            course = ("'c' || substr('0' || (k.g - 1), -2, 2)" if d == "sqlite"
                      else "'c' || lpad((k.g - 1)::text, 2, '0')")
            conn.execute(sa.text(
                "INSERT INTO assignments (course_id, target_kind, target, required, due) "
                f"SELECT {course}, 'unit', 'p', 1, '{year}-06-30' FROM {_series(d, REQUIRED, 'k')}"))
            with indexes_after(conn, ["records", "record_credit"]):  # built once, after the rows
                conn.execute(sa.text(
                    "INSERT INTO records (id, device_id, user_id, seq, prev, type, course_id, lesson_id, body, "
                    "created_at, sig, hash, source) "
                    f"SELECT u.user_id || '-' || k.g, 'dev-' || u.user_id, u.user_id, k.g, '', 'watch', {course}, "
                    f"'l1', '{{}}', :created, '', u.user_id || '-' || k.g, 'bench' "
                    f"FROM users u, {_series(d, courses, 'k')}"),
                    {"created": created})
                conn.execute(sa.text(
                    "INSERT INTO record_credit (rid, user_id, segments, credited_s, set_aside, set_aside_s, chain_end, "
                    f"allowance_s) SELECT r.rid, r.user_id, '[[0.0, {LESSON_S}]]', {LESSON_S}, '{{}}', 0, "
                    ":end + r.seq * 60, 2 FROM records r"), {"end": chain_end})
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - t0


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        action()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure(name: str, url: str, repo_dir: Path, people: int, courses: int, repeat: int) -> None:
    built_s = build(url, people, courses)
    engine = create(url, pool_size=1)
    published = Published(repo_dir)
    try:
        with engine.connect() as conn:
            reference = _median_ms(lambda: conn.execute(sa.text("SELECT username FROM users WHERE user_id = 'u1'"))
                                   .scalar_one(), repeat * 10)
            cpu, wall = time.process_time(), time.perf_counter()
            done = rebuild(conn, published, RULES)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            [[total]] = conn.execute(sa.text("SELECT sum(elective_x100 + required_x100) FROM person_year")).all()
            user = get_user(conn, user_id="u1")
            assert user is not None
            record_ms = _median_ms(lambda: transcript(conn, "u1", repo_dir), repeat)
            today = site_today(RULES)
            outcomes_ms = _median_ms(lambda: Outcomes(conn, Published(repo_dir), RULES)
                                     .person_year(user, today.year, today), repeat)
    finally:
        engine.dispose()
    assert done == people and int(total) == people * courses * 100, (done, total)
    print(f"\n{name}: {people:,} people x {courses} courses = {people * courses:,} records, built in {built_s:.0f} s")
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
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (figures on a loaded machine are inflated)")
    with tempfile.TemporaryDirectory(prefix="bench-outcomes-") as tmp:
        data = Path(tmp) / "data"
        repo_dir = publish(data, args.courses)
        if args.only != "postgresql":
            measure("SQLite", sqlite_url(Path(tmp) / "province.sqlite3"), repo_dir, args.people, args.courses,
                    args.repeat)
        if args.only != "sqlite":
            shared = from_environment()
            cluster = shared or Cluster.start()
            try:
                measure("PostgreSQL", cluster.fresh_database(), repo_dir, args.people, args.courses, args.repeat)
            finally:
                if shared is None:
                    cluster.stop()


if __name__ == "__main__":
    main()
