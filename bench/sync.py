"""``./run bench sync``: figures for signed records and sync (issue 4 point 8).

1. durable signed appends per second: Outbox.append on a real profile database (WAL,
   synchronous=FULL), one transaction per append (target >= 1,000/s); also the same with
   synchronous=NORMAL for comparison;
2. 10,000 records synced on loopback to a real ``studydesk-server serve`` process (target <= 10 s);
3. bytes per record on the wire (gzip batches) next to the raw JSON size;
4. server verified ingest per second: server/ingest.py on a real server database (signature, device
   binding, chain, insert, commit per batch of 500) in this process (target >= 3,000/s).
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
from pathlib import Path

from sync.account.auth import AuthService
from sync.account.profile_db import PROFILE_DB_NAME, schema
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner, RecordVerifier, make_record
from sync.records.outbox import Outbox
from sync.site.config import SiteConfig
from sync.storage.sqlite import open_sqlite
from tests.support.server_process import ServerProcess


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
        server.cli("user", "add", "bench", "--unit", "bench", "--password-stdin", input=b"bench-pass\n")
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


def bench_ingest(root: Path, n: int, batch: int = 500) -> tuple[float, float]:
    from server.auth import enrol_device
    from server.db import open_db
    from server.ingest import ingest
    from server.users import add_user

    conn = open_db(root / "ingest" / "server.sqlite3")
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
        results = ingest(conn, raw[k : k + batch], as_user_id=user.user_id)
        assert all(o.status == "stored" for o in results)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def bench_verify(n: int = 5000) -> float:
    """Bare Ed25519 verifications per CPU second in this run: the floor under ingest's cost."""
    key = PrivateKey.generate()
    verifier = RecordVerifier(key.public)
    signer = DeviceSigner(str(uuid.uuid4()), "u", key)
    r = make_record(signer, seq=1, prev=GENESIS, record_type="watch", course_id="c", lesson_id="l", body=_body(1))
    data = r.signing_bytes()
    c0 = time.process_time()
    for _ in range(n):
        verifier.verify(r, data)
    return n / (time.process_time() - c0)


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
