"""``./run bench sync``: figures for signed records and sync (issue 4 point 8).

1. durable signed appends per second: Outbox.append on a real profile database (WAL,
   synchronous=FULL), one transaction per append (target >= 1,000/s); also the same with
   synchronous=NORMAL for comparison;
2. 10,000 records synced on loopback to a real ``studydesk-server serve`` process (target <= 10 s);
3. bytes per record on the wire (gzip batches) next to the raw JSON size;
4. server verified ingest per second: server/ingest.py on a real server database (signature, device
   binding, chain, insert, commit per batch of 500) in this process (target >= 3,000/s);
5. records and bytes on the wire (gzip batches, sent by the real uploader to the real server) per
   learner-hour of honest watching, simulated through the real accounting and outbox: the v1
   cadence (a signed record every 5 s) next to v2 (a local save every 5 s, a signed record per
   span of at most a minute); targets <= 60 records and <= 12 KB;
6. verified ingest per CPU second with the credit checks on (v2 records of honest minute-long
   spans, credited against a published course; each batch as the uploader sends it, through the
   route's parse and then the route's ingest call) next to bare Ed25519 verification measured in
   turns with it in the same run (target >= 60% of it); the same without the stored yearly figures each batch ends
   with, and the parse apart (see bench_credited_ingest).
Usage: python -m bench.sync [--records N] [--appends N]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from player.accounting import WatchAccounting
from player.clock import AnchoredWallClock, FakeClock
from player.policy import PlayerPolicy
from sync.account.auth import AuthService, UserSession
from sync.account.profile_db import PROFILE_DB_NAME, schema
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, V2, DeviceSigner, RecordVerifier, make_record
from sync.protocol.watch import to_v2
from sync.records.outbox import Outbox
from sync.records.progress import (
    LOCAL_SAVE_S,
    RECORD_SPAN_S,
    LessonProgress,
    save_checkpoint,
    save_progress,
)
from sync.site.config import SiteConfig
from sync.storage.sqlite import open_sqlite
from tests.support.courses import publish_lessons
from tests.support.server_process import ServerProcess
from tests.support.watch import iso


def _body(i: int) -> dict[str, object]:
    # the shape of a real watch checkpoint (player/accounting.py WatchCheckpoint.to_body)
    return {"segments": [[i * 10.0, i * 10.0 + 10.0]], "credited_s": 10.0, "study_s": 10.2, "elapsed_mono_s": 10.2,
            "wall_start": "2026-11-23T08:00:00.000Z", "wall_end": "2026-11-23T08:00:10.200Z", "max_rate": 1.0,
            "position_s": i * 10.0 + 10.0, "covered_s": i * 10.0 + 10.0, "duration_s": 3600.0, "completed": False}


def bench_appends(root: Path, n: int, synchronous: str) -> tuple[float, float]:
    conn = open_sqlite(root / f"appends-{synchronous}" / PROFILE_DB_NAME, schema, synchronous=synchronous)
    ob = Outbox(conn, DeviceSigner(str(uuid.uuid4()), "bench-user", PrivateKey.generate()))
    for i in range(20):
        ob.append("watch", "course-1", "lesson-1", _body(i))
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        ob.append("watch", "course-1", "lesson-1", _body(i))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    conn.close()
    return n / elapsed, n / cpu


def bench_fsync(root: Path, n: int = 300) -> float:
    """Bare 1 KB rewrites + fdatasync per second on this disk, same run (SQLite rewrites its WAL in place and
    syncs it with fdatasync on Linux): a reference that shows when the disk, not StudyDesk, sets the pace."""
    fd = os.open(root / "fsync-probe", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.pwrite(fd, b"\0" * 1024, 0)
        os.fsync(fd)
        t0 = time.perf_counter()
        for i in range(n):
            os.pwrite(fd, bytes([i % 256]) * 1024, 0)
            os.fdatasync(fd)
        return n / (time.perf_counter() - t0)
    finally:
        os.close(fd)


def bench_append_batches(root: Path, n: int, per_tx: int) -> float:
    conn = open_sqlite(root / f"append-many-{per_tx}" / PROFILE_DB_NAME, schema)
    ob = Outbox(conn, DeviceSigner(str(uuid.uuid4()), "bench-user", PrivateKey.generate()))
    t0 = time.perf_counter()
    for k in range(0, n, per_tx):
        ob.append_many([("watch", "course-1", "lesson-1", _body(i)) for i in range(k, min(k + per_tx, n))])
    elapsed = time.perf_counter() - t0
    conn.close()
    return n / elapsed


def bench_sync(root: Path, n: int) -> dict[str, float]:
    server = ServerProcess(root / "server", log_path=root / "server.log").start()
    try:
        server.cli("user", "add", "bench", "--unit", "bench", "--new-unit", "--password-stdin", input=b"bench-pass\n")
        s = AuthService(root / "pc", SiteConfig(server_url=server.url)).sign_in("bench", "bench-pass")
        conn = s.db()
        ob = s.outbox(conn)
        for i in range(n):
            ob.append("watch", "course-1", f"lesson-{i % 20}", _body(i))
        raw = sum(len(json.dumps(r.to_dict(), ensure_ascii=False, separators=(",", ":")).encode())
                  for r in ob.records(limit=1000)) / 1000
        stats = s.api.transport.stats
        before = stats.bytes_sent
        t0 = time.perf_counter()
        result = s.uploader(conn, batch_size=500).sync_once()
        elapsed = time.perf_counter() - t0
        assert result.acked == n and not result.errors, result
        sent = stats.bytes_sent - before
        conn.close()
        stored = sqlite3.connect(server.data_dir / "server.sqlite3").execute("SELECT COUNT(*) FROM records").fetchone()
        assert stored[0] == n
        return {"seconds": elapsed, "wire_per_record": sent / n, "raw_per_record": raw}
    finally:
        server.stop()


def _watch_an_hour(session: UserSession, v2: bool) -> int:
    """One honest learner-hour through the real accounting into ``session``'s outbox, saved at the
    v1 cadence (a signed record every 5 s) or the v2 one; returns the records it made."""
    conn = session.db()
    outbox = session.outbox(conn)
    mono = FakeClock(1000.0)
    start = datetime.now(UTC) - timedelta(hours=2)
    acc = WatchAccounting(PlayerPolicy(), 3600.0, mono, wall_clock=AnchoredWallClock(lambda: start, mono))
    before, pos = outbox.count(), 0.0
    acc.tick(pos, True)
    for tick in range(1, 3600 * 4 + 1):
        mono.advance(0.25)
        pos += 0.25
        acc.tick(pos, True)
        if tick % round(LOCAL_SAVE_S * 4):
            continue
        closing = not v2 or acc.span_s >= RECORD_SPAN_S
        cp = acc.checkpoint() if closing else acc.pending()
        assert cp is not None
        progress = LessonProgress(cp.position_s, acc.segments(), cp.covered_s, cp.duration_s, acc.study_s)
        if not v2:  # what the client signed before protocol v2
            outbox.append("watch", "course-1", "lesson-1", {**cp.to_body(), "version": 1})
            save_progress(conn, "course-1", "lesson-1", None, progress)
        elif closing:
            save_checkpoint(outbox, "course-1", "lesson-1", cp.to_body(), progress, version=1)
        else:
            save_progress(conn, "course-1", "lesson-1", cp.to_body(), progress, version=1)
    made = outbox.count() - before
    conn.close()
    return made


def bench_learner_hour(root: Path) -> dict[str, tuple[int, int]]:
    """cadence -> (records, bytes on the wire) for one learner-hour, synced to a real server."""
    server = ServerProcess(root / "hour-server", log_path=root / "hour-server.log").start()
    out: dict[str, tuple[int, int]] = {}
    try:
        server.cli("user", "add", "hour", "--unit", "bench", "--new-unit", "--password-stdin", input=b"bench-pass\n")
        for name, v2 in (("v1", False), ("v2", True)):
            s = AuthService(root / f"hour-{name}", SiteConfig(server_url=server.url)).sign_in("hour", "bench-pass")
            made = _watch_an_hour(s, v2)
            stats = s.api.transport.stats
            before = stats.bytes_sent
            conn = s.db()
            result = s.uploader(conn).sync_once()
            conn.close()
            assert result.acked == made and not result.errors, result
            out[name] = (made, stats.bytes_sent - before)
    finally:
        server.stop()
    return out


def bench_credited_ingest(root: Path, n: int, batch: int = 500) -> dict[str, float]:
    """Verified ingest per CPU second with the credit checks on: v2 records of minute-long spans whose
    wall windows follow each other up to now, credited against a published course of 20 lessons. Each
    batch is what the uploader sends (gzip JSON) and takes the route's path: ``parse_batch`` (inflate,
    bounded parse, the batch model; timed apart) and then what the route's worker runs, ``ingest``
    with the server's answer keys and each outcome as the answer's JSON (timed: the figure). So only
    one batch's records are held in memory at a time, as in the server. Also timed apart: the
    person's stored yearly figures that each batch ends with (server.person_year, which folds the
    batch's records into the person's stored year). At the end the stored year must equal the one
    worked out from scratch. The database and the process are as the server's start-up
    (``create_app``) leaves them. Returns records per CPU second: ``ingest``, ``ingest_bare`` (without
    the yearly figures), ``parse`` and ``bare``: bare Ed25519 verifications per CPU second, measured in
    turns with the batches (after each batch as many verifications as it had records), so the two
    figures see the same machine: a busy neighbour or a clock change slows both alike."""
    import sqlalchemy as sa

    from server import person_year
    from server.app import create_app
    from server.auth import enrol_device
    from server.config import ServerConfig
    from server.ingest import ingest
    from server.published import Published
    from server.routes_records import parse_batch, parse_slots
    from server.site_rules import load_site_rules
    from server.storage.engine import transaction
    from server.storage.tables import person_year as person_year_table
    from server.users import add_user
    from sync.net.transport import encode_body

    data = root / "credited"
    publish_lessons(data, "course-1", {f"lesson-{k}": 3600.0 for k in range(20)}, max_rate=1.0)
    config = ServerConfig(data)
    app = create_app(config)  # the server's start-up, in this process
    conn = app.state.engine.connect()
    user = add_user(conn, "bench", "bench-pass", "bench")
    signer = DeviceSigner(str(uuid.uuid4()), user.user_id, PrivateKey.generate())
    enrol_device(conn, user, signer.device_id, signer.key.public.to_text())
    since = (datetime.now(UTC) - timedelta(seconds=60 * n + 3600)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with transaction(conn):
        conn.execute(sa.text("UPDATE devices SET enrolled_at = :at WHERE device_id = :device"),
                     {"at": since, "device": signer.device_id})
    pconn = open_sqlite(root / "credited-client" / PROFILE_DB_NAME, schema, synchronous="OFF")
    ob = Outbox(pconn, signer)
    t0 = time.time() - 60 * n - 60
    for i in range(n):
        start = (i // 20) % 60 * 60.0
        body = {"segments": [[start, start + 60.0]], "credited_s": 60.0, "study_s": 60.0, "elapsed_mono_s": 60.0,
                "wall_start": iso(t0 + 60 * i), "wall_end": iso(t0 + 60 * i + 60), "max_rate": 1.0,
                "position_s": start + 60.0, "covered_s": start + 60.0, "duration_s": 3600.0, "completed": False,
                "version": 1}
        ob.append("watch", "course-1", f"lesson-{i % 20}", to_v2(body), v=V2)
    signed = ob.records()
    pconn.close()
    wire = [encode_body({"records": [r.to_dict() for r in signed[k : k + batch]]}, gzip_body=True)[0]
            for k in range(0, n, batch)]
    del signed
    slots = parse_slots()
    cpu = yearly = parsing = bare = 0.0
    reference = _verify_reference()
    refresh = person_year.refresh

    def timed_refresh(*args: Any, **kwargs: Any) -> None:  # the real step, its CPU time counted apart
        nonlocal yearly
        c0 = time.process_time()
        refresh(*args, **kwargs)
        yearly += time.process_time() - c0

    person_year.refresh = timed_refresh
    try:
        for sent in wire:
            c0 = time.process_time()
            records = parse_batch(sent, True, slots)
            c1 = time.process_time()
            results = [o.to_dict() for o in ingest(conn, records, as_user_id=user.user_id, repo_dir=config.repo_dir,
                                                   answer_keys_dir=config.answer_keys_dir)]
            cpu += time.process_time() - c1
            parsing += c1 - c0
            bare += reference(len(records))
            del records
            assert all(o["status"] == "stored" and "flags" not in o for o in results), results[0]
    finally:
        person_year.refresh = refresh
    credited = conn.execute(sa.text("SELECT SUM(credited_s) FROM record_credit")).scalar_one()
    assert credited == 60.0 * n, credited  # every honest minute credited: the checks ran and passed
    table = person_year_table
    columns = sa.select(*(c for c in table.c if c.name != "updated_at")).where(table.c.user_id == user.user_id)
    folded = [tuple(r) for r in conn.execute(columns)]
    with transaction(conn, people=[user.user_id]):
        person_year.Totals(conn, Published(config.repo_dir), load_site_rules(data)).update([user.user_id])
    fresh = [tuple(r) for r in conn.execute(columns)]
    assert folded == fresh, (folded, fresh)  # folding each batch in gave what working it out afresh gives
    return {"ingest": n / cpu, "ingest_bare": n / max(1e-9, cpu - yearly), "parse": n / max(1e-9, parsing),
            "bare": n / bare}


def bench_ingest(root: Path, n: int, batch: int = 500) -> tuple[float, float]:
    from server.auth import enrol_device
    from server.config import ServerConfig
    from server.ingest import ingest
    from server.storage.schema import open_database
    from server.users import add_user

    config = ServerConfig(root / "ingest")
    conn = open_database(config.url).connect()
    user = add_user(conn, "bench", "bench-pass", "bench")
    signer = DeviceSigner(str(uuid.uuid4()), user.user_id, PrivateKey.generate())
    enrol_device(conn, user, signer.device_id, signer.key.public.to_text())
    pconn = open_sqlite(root / "ingest-client" / PROFILE_DB_NAME, schema, synchronous="OFF")
    ob = Outbox(pconn, signer)
    for i in range(n):
        ob.append("watch", "course-1", f"lesson-{i % 20}", _body(i))
    raw = [r.to_dict() for r in ob.records()]
    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(0, n, batch):
        results = ingest(conn, raw[k : k + batch], as_user_id=user.user_id, repo_dir=config.repo_dir)
        assert all(o.status == "stored" for o in results)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def _verify_reference() -> Callable[[int], float]:
    """A function that verifies one signed record n times and returns the CPU seconds it took."""
    key = PrivateKey.generate()
    verifier = RecordVerifier(key.public)
    signer = DeviceSigner(str(uuid.uuid4()), "u", key)
    r = make_record(signer, seq=1, prev=GENESIS, record_type="watch", course_id="c", lesson_id="l", body=_body(1))
    data = r.signing_bytes()

    def verify(n: int) -> float:
        c0 = time.process_time()
        for _ in range(n):
            verifier.verify(r, data)
        return time.process_time() - c0

    return verify


def bench_verify(n: int = 5000) -> float:
    """Bare Ed25519 verifications per CPU second in this run: the floor under ingest's cost."""
    return n / _verify_reference()(n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.sync")
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--appends", type=int, default=2_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        root = Path(tmp)
        fsyncs = bench_fsync(root)
        full, full_cpu = bench_appends(root, args.appends, "FULL")
        normal, _ = bench_appends(root, args.appends, "NORMAL")
        grouped = bench_append_batches(root, args.appends, 10)
        synced = bench_sync(root, args.records)
        ingest_rate, ingest_cpu = bench_ingest(root, args.records)
        verify_cpu = bench_verify()
        hour = bench_learner_hour(root)
        credited = bench_credited_ingest(root, args.records)
        verify_cpu_again = credited["bare"]
    rows = [
        ("durable signed appends (WAL, synchronous=FULL, 1 tx each)", f"{full:,.0f} /s", ">= 1,000 /s",
         full >= 1000),
        ("  same, per CPU second (sign + SQL; the rest is waiting for fsync)", f"{full_cpu:,.0f} /s", "-", None),
        ("  bare 1 KB rewrite + fdatasync per second, same run", f"{fsyncs:,.0f} /s", "-", None),
        ("  same with synchronous=NORMAL (for comparison)", f"{normal:,.0f} /s", "-", None),
        ("  FULL, 10 records per transaction (Outbox.append_many)", f"{grouped:,.0f} /s", "-", None),
        (f"{args.records:,} records synced on loopback (real server)", f"{synced['seconds']:.2f} s", "<= 10 s",
         synced["seconds"] <= 10),
        ("bytes per record on the wire (gzip batches of 500)", f"{synced['wire_per_record']:.0f} B", "-", None),
        ("  raw JSON per record (uncompressed)", f"{synced['raw_per_record']:.0f} B", "-", None),
        ("server verified ingest (sig + chain + insert + commit)", f"{ingest_rate:,.0f} /s", ">= 3,000 /s",
         ingest_rate >= 3000),
        ("  same, per CPU second (less sensitive to a busy machine)", f"{ingest_cpu:,.0f} /s", ">= 3,000 /s",
         ingest_cpu >= 3000),
        ("  bare Ed25519 verify per CPU second, same run (the floor)", f"{verify_cpu:,.0f} /s", "-", None),
        ("records per learner-hour, v1 (a signed record every 5 s)", f"{hour['v1'][0]:,}", "-", None),
        ("records per learner-hour, v2 (a signed record per span)", f"{hour['v2'][0]:,}", "<= 60",
         hour["v2"][0] <= 60),
        ("bytes per learner-hour on the wire, v1 (gzip batches)", f"{hour['v1'][1] / 1024:,.1f} KB", "-", None),
        ("bytes per learner-hour on the wire, v2 (gzip batches)", f"{hour['v2'][1] / 1024:,.1f} KB", "<= 12 KB",
         hour["v2"][1] <= 12 * 1024),
        ("verified ingest per CPU second, credit checks on (v2)", f"{credited['ingest']:,.0f} /s",
         f">= {0.6 * verify_cpu_again:,.0f} /s", credited["ingest"] >= 0.6 * verify_cpu_again),
        ("  bare Ed25519 verify per CPU second, measured in turns with it", f"{verify_cpu_again:,.0f} /s", "-", None),
        ("  ratio (target >= 60%)", f"{credited['ingest'] / verify_cpu_again:.0%}", ">= 60%",
         credited["ingest"] >= 0.6 * verify_cpu_again),
        ("  same without the stored yearly figures (the batch's fold, timed apart)",
         f"{credited['ingest_bare']:,.0f} /s", "-", None),
        ("  its ratio to bare Ed25519", f"{credited['ingest_bare'] / verify_cpu_again:.0%}", "-", None),
        ("  the route's parse of each batch before it (inflate, bounded JSON, model)", f"{credited['parse']:,.0f} /s",
         "-", None),
        ("  parse and ingest together", f"{1 / (1 / credited['parse'] + 1 / credited['ingest']):,.0f} /s", "-", None),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>12}  {'target':>12}  ok")
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"{name:<{width}}  {value:>12}  {target:>12}  {mark}")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: figures are noisy on a busy machine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
