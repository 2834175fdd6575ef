"""kill -9 in the middle of an exam: a real child process runs the real exam window (offscreen Qt)
on a real profile database, answers a question, saves its open attempt every half second and is
killed with SIGKILL. The next run takes up the same paper with the answers given and the time it
had left: the time used by the first run up to its last save, and none of the time the exam was
not running (time away does not count). It then submits, and the exam record is signed, with
the time used and the same seed, and the open attempt is gone.

The PC's clock changed mid-exam: the same child runs under libfaketime, whose wall clock the test
moves days forward and back while the exam runs and across a kill -9; the monotonic clock is
left alone, as the operating system leaves it when a person sets the time. The time used, the
time left and the record's ``elapsed_ms`` follow the real time only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sync.account.profile_db import open_profile_db
from sync.protocol.assessment import PAPER_RECORD, AttemptBody, PaperDrawn
from sync.protocol.keys import PrivateKey, PublicKey
from sync.protocol.records import verify_chain
from sync.records.attempts import OpenAttempt, open_attempt

ROOT = Path(__file__).resolve().parents[2]
LIMIT_S = 120
CHECKPOINT_S = 0.5


def child(root: Path, phase: str) -> None:
    """The exam window in this process: "first" starts the exam, answers and keeps saving until it
    is killed; "second" continues it, reports what it shows and submits."""
    from PySide6.QtWidgets import QApplication

    from client.tasks import Lanes
    from client.windows.exam_window import ExamWindow
    from sync.content.store import ContentStore
    from tests.support.lesson_env import LocalProfile

    app = QApplication([])
    publisher = PublicKey.from_text((root / "publisher.txt").read_text())
    store = ContentStore(root / "content", {publisher.key_id: publisher})
    profile = LocalProfile(root / "profile", key=PrivateKey.from_pem((root / "device.pem").read_bytes(), None))
    window = ExamWindow("c-kill", store=store, lanes=Lanes(), session=profile, checkpoint_s=CHECKPOINT_S)

    def report(event: str, **values: object) -> None:
        print(json.dumps({"event": event, "mono": time.monotonic(), "wall": time.time(), **values}), flush=True)

    def on_saved(attempt: OpenAttempt) -> None:
        report("saved", used_ms=attempt.used_ms)

    def on_sitting() -> None:
        assert window.sitting is not None and window.paper is not None and window.clock is not None
        view = window.paper.views[0]
        report("sitting", seed=window.sitting.paper.seed, resumes=window.sitting.attempt.resumes,
               remaining_s=window.clock.remaining_s, used_ms=window.clock.used_ms,
               first=[view.question.id, view.answer()], intro=window.intro_text.text())
        if phase == "first":
            view.lines[0].setText("3") if view.lines else view.buttons[0].click()
        else:
            window.submit()

    window.saved.connect(on_saved)
    window.sitting_ready.connect(on_sitting)
    window.submitted.connect(lambda outcome: (report("submitted", record=outcome.record.id), app.quit()))
    window.show()

    def start_when_ready() -> None:
        if window.info is None:
            app.processEvents()
            from PySide6.QtCore import QTimer

            QTimer.singleShot(20, start_when_ready)
            return
        report("intro", text=window.intro_text.text(), button=window.start_button.text())
        window.start_button.click()

    start_when_ready()
    app.exec()


def _events(proc: subprocess.Popen[str], until: str, count: int = 1) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    assert proc.stdout is not None
    while sum(1 for e in seen if e["event"] == until) < count:
        line = proc.stdout.readline()
        assert line, f"the child stopped early; it said {seen!r}"
        if line.startswith("{"):
            seen.append(json.loads(line))
    return seen


def _start(root: Path, phase: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", **(extra_env or {})}
    return subprocess.Popen([sys.executable, "-m", "tests.integration.test_exam_kill", str(root), phase],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)


@pytest.mark.slow
def test_a_killed_exam_resumes_with_its_paper_answers_and_remaining_time(tmp_path: Path) -> None:
    from tests.support.assessments import exam
    from tests.support.lesson_env import LessonSpec, install_course

    course = install_course(tmp_path, "c-kill", [LessonSpec("l1", "第一课", b"v1", 60.0)],
                            exam=exam(time_limit_s=LIMIT_S))
    (tmp_path / "publisher.txt").write_text(course.key.public.to_text())
    device = PrivateKey.generate()
    (tmp_path / "device.pem").write_bytes(device.to_pem(None))

    first = _start(tmp_path, "first")
    try:
        events = _events(first, "saved", count=4)  # the start, the answer, then the clock's saves
        sitting = next(e for e in events if e["event"] == "sitting")
        assert sitting["resumes"] == 0 and int(sitting["used_ms"]) < 1000  # type: ignore[call-overload]
        time.sleep(0.2)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert first.stdout is not None
        events += [json.loads(line) for line in first.stdout if line.startswith("{")]
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    last_saved = max(int(e["used_ms"]) for e in events if e["event"] == "saved")  # type: ignore[call-overload]

    conn = open_profile_db(tmp_path / "profile")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = open_attempt(conn, "c-kill", "exam")
    finally:
        conn.close()
    assert stored is not None and stored.seed == sitting["seed"]
    # what was on record when the process died: its last reported save, or one more it had no time to report
    assert stored.used_ms in (last_saved, *range(last_saved + 1, last_saved + int(1000 * CHECKPOINT_S) + 500))
    question_id = sitting["first"][0]  # type: ignore[index]
    assert question_id in stored.answers

    time.sleep(1.5)  # time away: it must not count
    second = _start(tmp_path, "second")
    try:
        events = _events(second, "submitted")
        second.wait(timeout=20)
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
    intro = next(e for e in events if e["event"] == "intro")
    assert intro["button"] == "Continue the exam"
    resumed = next(e for e in events if e["event"] == "sitting")
    assert resumed["seed"] == sitting["seed"] and resumed["resumes"] == 1
    assert resumed["first"] == [question_id, stored.answers[question_id]]
    # the time left is the limit less the time used at the last save: the 1.5 s away are not counted
    used_at_resume = int(resumed["used_ms"])  # type: ignore[call-overload]
    assert stored.used_ms <= used_at_resume <= stored.used_ms + 500
    assert float(resumed["remaining_s"]) == pytest.approx(LIMIT_S - used_at_resume / 1000, abs=0.01)  # type: ignore[arg-type]

    conn = open_profile_db(tmp_path / "profile")
    try:
        assert open_attempt(conn, "c-kill", "exam") is None
        rows = conn.execute("SELECT id FROM outbox_records").fetchall()
        from sync.protocol.records import DeviceSigner
        from sync.records.outbox import Outbox

        outbox = Outbox(conn, DeviceSigner("d-test", "u-test", device))
        records = outbox.records()
    finally:
        conn.close()
    verify_chain(records, device.public)
    (paper, record) = records  # the paper signed when drawn, then the submitted attempt
    assert len(rows) == 2 and (paper.type, record.type) == (PAPER_RECORD, "exam")
    body = AttemptBody.from_dict(record.body)
    assert PaperDrawn.from_dict(paper.body) == PaperDrawn("exam", 1, 1, body.seed)
    assert body.seed == sitting["seed"] and body.attempt == 1 and body.answers[question_id] is not None
    assert stored.used_ms <= body.elapsed_ms <= stored.used_ms + 5000


if __name__ == "__main__":
    child(Path(sys.argv[1]), sys.argv[2])


FAKETIME_LIB = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


@pytest.mark.slow
def test_changing_the_pc_clock_mid_exam_changes_nothing(tmp_path: Path) -> None:
    from tests.support.assessments import exam
    from tests.support.lesson_env import LessonSpec, install_course

    if not FAKETIME_LIB.exists():
        pytest.skip("libfaketime is not installed (apt-get install libfaketime)")
    course = install_course(tmp_path, "c-kill", [LessonSpec("l1", "第一课", b"v1", 60.0)],
                            exam=exam(time_limit_s=LIMIT_S))
    (tmp_path / "publisher.txt").write_text(course.key.public.to_text())
    device = PrivateKey.generate()
    (tmp_path / "device.pem").write_bytes(device.to_pem(None))
    clock_file = tmp_path / "pc-clock"
    clock_file.write_text("+0\n")
    fake = {"LD_PRELOAD": str(FAKETIME_LIB), "FAKETIME_TIMESTAMP_FILE": str(clock_file), "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_DONT_RESET": "1"}

    first = _start(tmp_path, "first", fake)
    try:
        events = _events(first, "saved", count=3)
        clock_file.write_text("+3d\n")  # the person sets the PC clock three days ahead
        events += _events(first, "saved", count=3)
        clock_file.write_text("-1d\n")  # then a day behind
        events += _events(first, "saved", count=3)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    saves = [e for e in events if e["event"] == "saved"]
    walls = [float(e["wall"]) for e in saves]  # type: ignore[arg-type]
    assert max(walls) - time.time() > 2.5 * 86400 and time.time() - min(walls) > 0.5 * 86400  # it did move
    start = next(e for e in events if e["event"] == "sitting")
    for save in saves:  # the time used is the monotonic time since the start, wherever the wall clock is
        real_ms = (float(save["mono"]) - float(start["mono"])) * 1000  # type: ignore[arg-type]
        assert real_ms - 1000 * CHECKPOINT_S - 300 <= int(save["used_ms"]) <= real_ms + 300  # type: ignore[call-overload]
    assert int(saves[-1]["used_ms"]) < 10_000  # type: ignore[call-overload]

    conn = open_profile_db(tmp_path / "profile")
    try:
        stored = open_attempt(conn, "c-kill", "exam")
    finally:
        conn.close()
    assert stored is not None and stored.used_ms < 10_000

    clock_file.write_text("+30d\n")  # restarted a month ahead: still the same time left
    second = _start(tmp_path, "second", fake)
    try:
        events = _events(second, "submitted")
        second.wait(timeout=20)
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
    resumed = next(e for e in events if e["event"] == "sitting")
    assert float(resumed["wall"]) - time.time() > 29 * 86400  # type: ignore[arg-type]
    assert stored.used_ms <= int(resumed["used_ms"]) <= stored.used_ms + 500  # type: ignore[call-overload]
    assert float(resumed["remaining_s"]) > LIMIT_S - 10  # type: ignore[arg-type]
    conn = open_profile_db(tmp_path / "profile")
    try:
        rows = conn.execute("SELECT body FROM outbox_records WHERE type = 'exam'").fetchall()
    finally:
        conn.close()
    [body] = [AttemptBody.from_dict(json.loads(row[0])) for row in rows]
    assert stored.used_ms <= body.elapsed_ms <= stored.used_ms + 5000
