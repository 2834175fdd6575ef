"""``./run bench admin``: the admin web's page times for a province on PostgreSQL (issue 15 point 8).

A province of 100,000 people in 5 levels of units (1 province, 10 cities, 100 counties, 1,000
townships, 5,000 offices of 20 people each) with a year of study (``--records`` watch records
per person, spread over the year so far, each with the credit the server decided) is written
straight into a fresh PostgreSQL database at the newest revision, with each person's stored year
(``person_year``: synthetic credit, required courses and due dates; study time summed from the
records) and the weekly study per unit (``unit_week``) as the server keeps them (server.person_year).
A real ``studydesk-server serve`` process, with yearly targets in its rules, then answers a system
admin signed in through the form; each page is fetched ``--repeat`` times and its median and worst
times printed against the 500 ms target, next to a reference measured in the same run (the sign-in
page, which reads nothing): the dashboard (the province), a city, a county, a township, an office,
one person's archive, the rankings and the people behind their target.

Usage: python -m bench.admin [--database URL] [--records N] [--repeat N]
(without --database: $STUDYDESK_TEST_POSTGRES_URL's cluster, else a throw-away one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import sqlalchemy as sa

from bench.bulk import indexes_after
from server import admins
from server.person_year import site_stamp
from server.site_rules import load_site_rules
from server.storage.engine import database_url
from server.storage.schema import open_database
from server.users import hash_password
from tests.support.admin_web import AdminSession
from tests.support.postgres import Cluster, from_environment
from tests.support.server_process import ServerProcess

TARGET_MS = 500.0
FAN_OUT = (10, 10, 10, 5)
"""Children per unit below the province: cities, counties, townships, offices."""
PEOPLE_PER_OFFICE = 20
ADMIN_PASSWORD = "bench-admin-password"
RULES = "[targets.default]\nrequired = 2\nelective = 1\ntotal = 3\n"
"""Yearly targets, so the pages work out who is on track (and behind) for everyone."""


def build(url: str, records_per_person: int) -> dict[str, str]:
    """The province, its people and their year; the codes of one unit per level and one person's id."""
    open_database(url).dispose()  # at the newest revision; then without the server's statement timeout
    engine = sa.create_engine(database_url(url), poolclass=sa.pool.NullPool)
    year_start = datetime(datetime.now(UTC).year, 1, 1, tzinfo=UTC).timestamp()
    start = year_start + 86400
    span = max(86400.0, time.time() - start - 3600)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO units (code, name, parent_code, path, depth) "
                                 "VALUES ('p', '某省', NULL, 'p/', 0)"))
            for depth, fan in enumerate(FAN_OUT, start=1):
                conn.execute(sa.text(
                    "INSERT INTO units (code, name, parent_code, path, depth) "
                    "SELECT u.code || '-' || g, u.name || '下属' || g, u.code, u.path || u.code || '-' || g || '/', "
                    ":depth FROM units u, generate_series(1, :fan) g WHERE u.depth = :parent_depth"),
                    {"depth": depth, "fan": fan, "parent_depth": depth - 1})
            conn.execute(sa.text(
                "INSERT INTO users (user_id, username, display_name, unit_code, level, password_hash) "
                "SELECT u.code || '.' || g, 'u' || u.code || '.' || g, '学员' || u.code || '-' || g, u.code, NULL, "
                ":hash "
                "FROM units u, generate_series(1, :n) g WHERE u.depth = :depth"),
                {"hash": hash_password("bench-password"), "n": PEOPLE_PER_OFFICE, "depth": len(FAN_OUT)})
            with indexes_after(conn, ["records", "record_credit"]):  # built once, after the rows
                conn.execute(sa.text(
                    "INSERT INTO records (id, device_id, user_id, seq, prev, type, course_id, lesson_id, body, "
                    "created_at, sig, hash, source) SELECT md5(u.user_id || g), 'dev-' || u.user_id, u.user_id, g, "
                    "'', 'watch', 'c' || (g % 8), 'l' || (g % 5), '{}', '2026-01-01T00:00:00Z', '', "
                    "md5(u.user_id || g || 'h'), 'bench' FROM users u, generate_series(1, :n) g"),
                    {"n": records_per_person})
                conn.execute(sa.text(
                    "INSERT INTO record_credit (rid, user_id, segments, credited_s, set_aside, set_aside_s, chain_end, "
                    "allowance_s) SELECT r.rid, r.user_id, '[]', 300 + (r.rid % 600), "
                    "CASE WHEN r.rid % 97 = 0 THEN '{\"overlap\": 30.0}' ELSE '{}' END, "
                    "CASE WHEN r.rid % 97 = 0 THEN 30 ELSE 0 END, "
                    ":start + (r.rid * 7919 % 1000003) / 1000003.0 * :span, 2 FROM records r"),
                    {"start": start, "span": span})
            stored_years(conn, year_start)
            person = conn.execute(sa.text("SELECT user_id FROM users ORDER BY user_id LIMIT 1")).scalar_one()
        with engine.connect() as conn:
            admins.create_admin(conn, "bench", ADMIN_PASSWORD, admins.AdminRole.SYSTEM)
        with engine.connect() as conn:  # as autovacuum leaves a site after a big load: the index-only reads work
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return {"province": "p", "city": "p-1", "county": "p-1-1", "township": "p-1-1-1", "office": "p-1-1-1-1",
            "person": person}


def stored_years(conn: sa.Connection, year_start: float) -> None:
    """Each person's stored year and each unit's weeks, as server.person_year keeps them: study time
    summed from the records; credit (0 to 3 required, 0 to 2 elective), 5 required courses of which
    0 to 5 completed and a due date passed for a third of those not done, all drawn from the user id."""
    year = datetime.fromtimestamp(year_start, UTC).year
    conn.execute(sa.text(
        "INSERT INTO person_year (user_id, year, unit_code, required_x100, elective_x100, carried_x100, "
        "courses_done, required_assigned, required_done, first_due, study_ms, last_study_s, weeks) "
        "SELECT u.user_id, :year, u.unit_code, (h % 4) * 100, (h / 4 % 3) * 100, 0, h % 4 + h / 4 % 3, 5, "
        "h % 6, CASE WHEN h % 6 < 5 AND h % 3 = 0 THEN :due END, COALESCE(s.ms, 0), s.last, '{}' "
        "FROM (SELECT user_id, unit_code, abs(hashtext(user_id)) AS h FROM users) u "
        "LEFT JOIN (SELECT user_id, sum(round(credited_s * 1000))::bigint AS ms, max(chain_end) AS last "
        "FROM record_credit WHERE credited_s > 0 GROUP BY user_id) s ON s.user_id = u.user_id"),
        {"year": year, "due": f"{year}-03-31"})
    conn.execute(sa.text(
        "INSERT INTO unit_week (unit_code, year, week, study_ms) "
        "SELECT u.unit_code, :year, floor((c.chain_end - :start) / 604800)::int, "
        "sum(round(c.credited_s * 1000))::bigint FROM record_credit c JOIN users u ON u.user_id = c.user_id "
        "WHERE c.credited_s > 0 GROUP BY 1, 3"), {"year": year, "start": year_start})


def built(url: str) -> dict[str, str] | None:
    """The codes of a province an earlier run built in ``url``, or None."""
    engine = sa.create_engine(database_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if conn.execute(sa.text("SELECT 1 FROM units WHERE code = 'p'")).first() is None:
                return None
            person = conn.execute(sa.text("SELECT user_id FROM users ORDER BY user_id LIMIT 1")).scalar_one()
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()
    return {"province": "p", "city": "p-1", "county": "p-1-1", "township": "p-1-1-1", "office": "p-1-1-1-1",
            "person": person}


class CpuMeter:
    """CPU seconds the server spends on requests: its own process, the PostgreSQL backends serving its
    database, and the parallel workers those backends started (counted by the postmaster when they end).
    A loaded machine stretches wall times several times over; CPU seconds much less."""

    def __init__(self, server: ServerProcess) -> None:
        assert server.proc is not None
        self.server = psutil.Process(server.proc.pid)
        self.engine = sa.create_engine(database_url(server.db_url), poolclass=sa.pool.NullPool)
        self.postmaster: psutil.Process | None = None

    def _backends(self) -> dict[int, float]:
        with self.engine.connect() as conn:
            pids = conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'")).scalars().all()
        out = {}
        for pid in pids:
            try:
                process = psutil.Process(pid)
                times = process.cpu_times()
                self.postmaster = self.postmaster or process.parent()
            except psutil.Error:
                continue
            out[pid] = times.user + times.system
        return out

    def _workers(self) -> float:
        if self.postmaster is None:
            return 0.0
        times = self.postmaster.cpu_times()
        return float(times.children_user + times.children_system)

    def reading(self) -> tuple[float, dict[int, float], float]:
        own = self.server.cpu_times()
        backends = self._backends()
        return own.user + own.system, backends, self._workers()

    def since(self, before: tuple[float, dict[int, float], float]) -> tuple[float, float]:
        """(the server's, the database's) CPU seconds since ``before`` (a ``reading``)."""
        own, backends, workers = self.reading()
        return own - before[0], sum(t - before[1].get(pid, 0.0) for pid, t in backends.items()) + workers - before[2]

    def close(self) -> None:
        self.engine.dispose()


def _time(browser: AdminSession, path: str, repeat: int,
          meter: CpuMeter | None = None) -> tuple[float, float, tuple[float, float]]:
    """Median and worst wall milliseconds of ``repeat`` fetches, and the CPU milliseconds per fetch
    (the server's, the database's)."""
    browser.get(path)  # the connections it needs are open, the page's code loaded
    times = []
    before = meter.reading() if meter is not None else None
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = browser.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    cpu = meter.since(before) if meter is not None and before is not None else (0.0, 0.0)
    return statistics.median(times), max(times), (cpu[0] * 1000 / repeat, cpu[1] * 1000 / repeat)


def measure(server: ServerProcess, codes: dict[str, str], repeat: int) -> None:
    browser = AdminSession(server)
    answer = browser.sign_in("bench", ADMIN_PASSWORD)
    assert answer.ok, answer.status_code
    pages = [("dashboard (province)", "/admin/")] + [
        (f"drill-down: {level}", f"/admin/units/{codes[level]}") for level in ("city", "county", "township", "office")
    ] + [("person archive", f"/admin/people/{codes['person']}"), ("rankings (province)", "/admin/rankings"),
         ("behind (province)", "/admin/behind"), ("behind (a township)", f"/admin/behind?unit={codes['township']}")]
    meter = CpuMeter(server)
    try:
        reference, _, reference_cpu = _time(browser, "/admin/sign-in", repeat, meter)
        print(f"reference: the sign-in page (reads nothing) {reference:.1f} ms median, {sum(reference_cpu):.1f} ms "
              f"CPU; "
              f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"{'page':28} {'median ms':>10} {'worst ms':>10} {'x reference':>12} {'CPU ms':>16}  "
              f"target {TARGET_MS:.0f} ms")
        for name, path in pages:
            median, worst, cpu = _time(browser, path, repeat, meter)
            print(f"{name:28} {median:10.1f} {worst:10.1f} {median / reference:12.1f} {cpu[0]:7.1f} +{cpu[1]:7.1f}  "
                  f"{'ok' if worst <= TARGET_MS else 'OVER'}")
    finally:
        meter.close()
    print("CPU ms: per fetch, of the server process + of the PostgreSQL processes serving it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an empty PostgreSQL database (URL)")
    parser.add_argument("--records", type=int, default=40, help="watch records per person (default 40)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="--database holds a province built before: measure it")
    args = parser.parse_args()
    cluster = None
    url = args.database
    if url is None:
        shared = from_environment()
        cluster = shared or Cluster.start()
        url = cluster.fresh_database()
    try:
        t0 = time.perf_counter()
        codes = built(url) if args.reuse else None
        if codes is None:
            codes = build(url, args.records)
            people = 10 * 10 * 10 * 5 * PEOPLE_PER_OFFICE
            print(f"built {people:,} people in {1 + 10 + 100 + 1000 + 5000:,} units, {people * args.records:,} "
                  f"records in {time.perf_counter() - t0:.0f} s")
        with tempfile.TemporaryDirectory(prefix="bench-admin-") as tmp:
            server = ServerProcess(Path(tmp) / "data", database_url=url)
            server.data_dir.mkdir(parents=True)
            (server.data_dir / "rules.toml").write_text(RULES, encoding="utf-8")
            # the synthetic stored years count as worked out under this site's rules and publications,
            # so the server does not rebuild them in the background while the pages are timed
            stamp = site_stamp(load_site_rules(server.data_dir), server.data_dir / "repo")
            server.sql("UPDATE person_year SET stamp = :stamp", {"stamp": stamp})
            server.start(timeout_s=120)
            try:
                measure(server, codes, args.repeat)
            finally:
                server.stop()
    finally:
        if cluster is not None and cluster is not from_environment():
            cluster.stop()


if __name__ == "__main__":
    main()
