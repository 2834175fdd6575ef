"""The study lock: one holder per profile folder, in one process or across processes, and freed by
the OS when its holder dies (kill -9 included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sync.account.study_lock import StudyLock

ROOT = Path(__file__).resolve().parents[2]


def test_one_holder_at_a_time_even_within_one_process(tmp_path: Path) -> None:
    first, second = StudyLock(tmp_path), StudyLock(tmp_path)
    assert first.acquire() and first.held
    assert not second.acquire() and not second.held  # two windows of one app exclude each other
    assert first.acquire()  # taking it again is a no-op for its holder
    first.release()
    assert second.acquire()
    second.release()
    second.release()  # releasing twice is harmless
    assert StudyLock(tmp_path / "someone-else").acquire()  # another person's profile: their own lock


def test_a_holder_killed_with_sigkill_frees_the_lock(tmp_path: Path) -> None:
    code = ("import sys, time; from pathlib import Path; from sync.account.study_lock import StudyLock; "
            "print(StudyLock(Path(sys.argv[1])).acquire(), flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "True"
        mine = StudyLock(tmp_path)
        assert not mine.acquire()  # another app copy holds it
        assert (tmp_path / "study.lock").read_text().strip() == str(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert mine.acquire()  # nothing stale to clear
        mine.release()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
