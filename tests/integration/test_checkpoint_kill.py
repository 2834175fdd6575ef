"""kill -9 while watching: a real process saves its progress row (with the open span's pending
delta) every second and signs a record when a span closes, into a real profile database, and is
killed with SIGKILL at unlucky moments, three times over the same database.

After each kill the database must be intact (integrity check, a verifying gap-free record chain,
every body readable), hold everything the process reported saved, and, once the next start has
signed the pending delta the crash left, hold records that agree with the progress row; at most
one local save interval of watching is lost, and the next run resumes exactly at the last saved
position.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from player.accounting import WatchAccounting
from player.intervals import union_length
from player.policy import PlayerPolicy
from sync.account.profile_db import open_profile_db
from sync.protocol.keys import PrivateKey
from sync.protocol.records import DeviceSigner, verify_chain
from sync.protocol.watch import seconds_view
from sync.records.outbox import Outbox
from sync.records.progress import (
    LessonProgress,
    load_progress,
    save_checkpoint,
    save_progress,
    sign_pending,
    trusted_progress,
)

ROOT = Path(__file__).resolve().parents[2]
COURSE, LESSON, DURATION_S = "law-basics", "lesson-3", 3600.0
INTERVAL_S = 1.0  # the local save (5 s in the app)
SPAN_S = 2.5  # a span closes into a signed record (60 s in the app)
KEY_FILE = "test-device.pem"


def _signer(profile: Path) -> DeviceSigner:
    key_path = profile / KEY_FILE
    if not key_path.exists():
        profile.mkdir(parents=True, exist_ok=True)
        key_path.write_bytes(PrivateKey.generate().to_pem(None))
    return DeviceSigner("dev-kill", "user-kill", PrivateKey.from_pem(key_path.read_bytes(), None))


def child(profile: Path) -> None:
    """The watching process: a 1x player simulated on the real monotonic clock, a local save a
    second and a signed record when a span closes; at start it signs what a crash left pending."""
    conn = open_profile_db(profile)
    outbox = Outbox(conn, _signer(profile))
    sign_pending(outbox, lambda _c, _l: 1.0)
    saved = trusted_progress(outbox, COURSE, LESSON, max_rate=1.0) or LessonProgress()
    acc = WatchAccounting(PlayerPolicy(), DURATION_S, time.monotonic, covered=saved.covered_segments,
                          position_s=saved.position_s, study_s=saved.study_s)
    start_pos, t0 = acc.position_s, time.monotonic()
    print(f"start {t0!r} {start_pos!r} {len(outbox.records())}", flush=True)
    acc.tick(start_pos, True)
    last_checkpoint = t0
    while True:
        time.sleep(0.05)
        now = time.monotonic()
        acc.tick(start_pos + (now - t0), True)
        if now - last_checkpoint >= INTERVAL_S:
            last_checkpoint = now
            closing = acc.span_s >= SPAN_S
            cp = acc.checkpoint() if closing else acc.pending()
            if cp is not None:
                progress = LessonProgress(cp.position_s, acc.segments(), acc.covered_s, acc.duration_s, acc.study_s,
                                          acc.completed)
                if closing:
                    seq = save_checkpoint(outbox, COURSE, LESSON, cp.to_body(), progress).seq
                else:
                    save_progress(conn, COURSE, LESSON, cp.to_body(), progress)
                    seq = 0  # a local save signs nothing
                print(f"saved {seq} {cp.position_s!r} {time.monotonic() - now!r}", flush=True)


def _run_and_kill(profile: Path, saves_before_kill: int, extra_wait_s: float) -> tuple[float, float, int, float, float]:
    """Start the child, let it save, SIGKILL it. Returns (start position, true position at kill,
    last seq it reported signed, position of its last save, longest save it reported)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.integration.test_checkpoint_kill", str(profile)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    try:
        assert proc.stdout is not None
        _, t0, start_pos, head = proc.stdout.readline().split()
        seq, pos, saves, slowest = int(head), 0.0, 0, 0.0
        while saves < saves_before_kill:
            line = proc.stdout.readline()
            assert line.startswith("saved "), f"child stopped: {line!r}"
            seq, pos, saves = max(seq, int(line.split()[1])), float(line.split()[2]), saves + 1
            slowest = max(slowest, float(line.split()[3]))
        time.sleep(extra_wait_s)
        killed_at = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        for line in proc.stdout:  # lines printed after our last read but before the kill
            if line.startswith("saved "):
                seq, pos = max(seq, int(line.split()[1])), float(line.split()[2])
                slowest = max(slowest, float(line.split()[3]))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return float(start_pos), float(start_pos) + (killed_at - float(t0)), seq, pos, slowest


def _check_database(profile: Path, reported_seq: int) -> LessonProgress:
    conn = open_profile_db(profile)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        outbox = Outbox(conn, _signer(profile))
        before = outbox.records()
        # Everything reported signed is there; at most one more committed before its line was printed.
        assert reported_seq <= len(before) <= reported_seq + 1
        sign_pending(outbox, lambda _c, _l: 1.0)  # what the next start does first
        records = outbox.records()
        verify_chain(records, outbox.signer.public_key)
        assert [r.seq for r in records] == list(range(1, len(records) + 1))
        assert all(r.v == 2 for r in records)
        for row in conn.execute("SELECT body FROM outbox_records"):
            json.loads(row[0])
        progress = load_progress(conn, COURSE)[LESSON]
        trusted = trusted_progress(outbox, COURSE, LESSON, max_rate=1.0)
    finally:
        conn.close()
    # Each record and its progress row were written in one transaction, and so were the row and its
    # pending delta: once that is signed, the row matches the last record and their coverage.
    last = seconds_view(records[-1].body, records[-1].v)
    assert progress.position_s == pytest.approx(last["position_s"], abs=1e-3)
    all_segments = [tuple(s) for r in records for s in seconds_view(r.body, r.v)["segments"]]
    assert progress.covered_s == pytest.approx(union_length(all_segments), abs=0.01)
    assert trusted is not None and trusted.covered_s == pytest.approx(progress.covered_s, abs=0.01)
    return progress


def test_kill_minus_nine_loses_at_most_one_interval(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    expected_start = 0.0
    # Kill right after a save, mid-interval and just before the next save.
    for saves, extra_wait in [(2, 0.0), (2, 0.5), (1, 0.93)]:
        start, true_position, seq, reported_pos, slowest_save = _run_and_kill(profile, saves, extra_wait)
        assert start == pytest.approx(expected_start, abs=1e-3), "did not resume at the last checkpoint"
        progress = _check_database(profile, seq)
        assert progress.position_s >= reported_pos - 1e-3
        # At most one interval is lost, plus the commit in flight when the kill came (a save
        # takes milliseconds here, longer on a busy disk) and the child's 50 ms tick.
        lost = true_position - progress.position_s
        assert 0 <= lost <= INTERVAL_S + slowest_save + 0.3, f"lost {lost:.2f} s of watching"
        expected_start = progress.position_s


if __name__ == "__main__":
    child(Path(sys.argv[1]))
