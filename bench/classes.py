"""``./run bench classes``: the time to work out a training class's report (the admin web's class
page and its downloads: every person's progress and 3:3:4 score), on SQLite and PostgreSQL.

The province of bench.outcomes (``--people`` people under 100 counties, one watch record per person
and published course, each with its credit) is written into a fresh database; then two classes
with the province's ``REQUIRED`` courses as their own required courses: one enrolling a county
(1 % of the people), one enrolling the whole province. Each class's report
(``server.class_report.class_report``) is timed, median of ``--repeat`` runs, wall and CPU, next
to a reference measured in the same run (one indexed single-row query) and the admin web's 500 ms
page target. The training classes list computes one report per class it shows.

Usage: python -m bench.classes [--people N] [--courses N] [--repeat N] [--only sqlite|postgresql]
(``--people 2000`` for a quick run). PostgreSQL: $STUDYDESK_TEST_POSTGRES_URL's cluster, else a
throw-away one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import sqlalchemy as sa

from bench.outcomes import REQUIRED, RULES, Province, Target, build, publish, user_id
from server.assignments import assign
from server.class_report import class_report
from server.classes import create_class, enrol
from server.published import Published
from server.site_rules import site_today
from server.storage.engine import create, sqlite_url
from tests.support.postgres import Cluster, from_environment

TARGET_MS = 500.0


def _classes(conn: sa.Connection, repo_dir: Path) -> None:
    year = dt.date.today().year
    for code, unit in (("county-class", "p-1"), ("province-class", "p")):
        create_class(conn, code, f"{code} 培训班", dt.date(year, 1, 1), dt.date(year, 12, 31), owner_unit=unit)
        enrol(conn, code, unit=unit)
        for i in range(REQUIRED):
            assign(conn, f"c{i:02d}", class_code=code, required=True, repo_dir=repo_dir)


def _timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms) of ``repeat`` runs of ``action``."""
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def measure(name: str, url: str, repo_dir: Path, people: int, courses: int, repeat: int) -> None:
    year = site_today(RULES).year
    target = Target(name, url)
    build([target], Province(people, courses, Published(repo_dir), year, time.time()), year, workers=2)
    built_s = target.build_s
    engine = create(url, pool_size=1)
    try:
        with engine.connect() as conn:
            _classes(conn, repo_dir)
            reference, _cpu = _timed(lambda: conn.execute(sa.text("SELECT username FROM users WHERE user_id = :u"),
                                                      {"u": user_id(1)})
                                     .scalar_one(), repeat * 10)
            print(f"\n{name}: {people:,} people x {courses} courses, built in {built_s:.0f} s")
            print(f"  reference: one indexed single-row query        {reference:10.2f} ms")
            for code in ("county-class", "province-class"):
                report = class_report(conn, code, Published(repo_dir), RULES)
                assert report.enrolled and report.completed == report.enrolled, (code, report.enrolled)
                wall, cpu = _timed(partial(class_report, conn, code, Published(repo_dir), RULES), repeat)
                print(f"  {code:15} report of {report.enrolled:7,} people {wall:10.1f} ms wall, {cpu:8.1f} ms CPU "
                      f"({wall / reference:,.0f} x reference; {wall / report.enrolled:.2f} ms a person; "
                      f"page target {TARGET_MS:.0f} ms: {'ok' if wall <= TARGET_MS else 'OVER'})")
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="people in the province (default 100,000)")
    parser.add_argument("--courses", type=int, default=REQUIRED, help=f"published courses (at least {REQUIRED})")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (figures on a loaded machine are inflated)")
    with tempfile.TemporaryDirectory(prefix="bench-classes-") as tmp:
        repo_dir = publish(Path(tmp) / "data", max(REQUIRED, args.courses))
        if args.only != "postgresql":
            measure("SQLite", sqlite_url(Path(tmp) / "province.sqlite3"), repo_dir, args.people,
                    max(REQUIRED, args.courses), args.repeat)
        if args.only != "sqlite":
            shared = from_environment()
            cluster = shared or Cluster.start()
            try:
                measure("PostgreSQL", cluster.fresh_database(), repo_dir, args.people, max(REQUIRED, args.courses),
                        args.repeat)
            finally:
                if shared is None:
                    cluster.stop()


if __name__ == "__main__":
    main()
