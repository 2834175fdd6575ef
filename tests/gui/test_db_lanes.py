"""The real lanes at once against a real server: signing in (network lane) while the SQLite lane
saves lesson progress and reads the counts and the network lane syncs. No task may fail, and
"database is locked" least of all. Each round starts on a new data folder, so the sign-in list
and the profile database are created while the other lane opens them too (as at first start)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from client.tasks import Lanes, TaskContext, run_task
from client.workers.sync_worker import read_counts, sync_once
from sync.account.auth import AuthService
from sync.records.progress import LessonProgress, save_checkpoint
from sync.site.config import SiteConfig
from tests.support.server_process import ServerProcess

PASSWORD = "pass-word-1"
ROUNDS = 10
SAVES = 12


def _save(session: Any, i: int) -> None:
    conn = session.db()
    try:
        body = {"segments": [[float(i), i + 1.0]], "credited_s": 1.0, "study_s": 1.0, "elapsed_mono_s": 1.0,
                "position_s": i + 1.0, "max_rate": 1.0}
        save_checkpoint(session.outbox(conn), "course-1", "lesson-1", body,
                        LessonProgress(position_s=i + 1.0, covered_segments=[(float(i), i + 1.0)], covered_s=1.0,
                                       duration_s=100.0, study_s=1.0))
    finally:
        conn.close()


def _sync_rounds(session: Any, ctx: TaskContext, rounds: int) -> None:
    """One after the other, as the sync controller runs them, while the SQLite lane keeps writing."""
    for _ in range(rounds):
        sync_once(session, ctx.cancel)
        time.sleep(0.02)


def _one_round(qtbot, lanes: Lanes, auth: AuthService, name: str, errors: list[BaseException]) -> None:
    sessions: list[Any] = []
    # first start: the people list on the SQLite lane, sign-ins and more lists on the network lane
    run_task(lanes.db, lambda _c: auth.known_users(), on_error=errors.append)
    for _ in range(2):
        run_task(lanes.net, lambda _c: auth.sign_in(name, PASSWORD), sessions.append, errors.append)
        run_task(lanes.net, lambda _c: auth.known_users(), on_error=errors.append)
    qtbot.waitUntil(lambda: not lanes.busy, timeout=60000)
    assert not errors, errors
    session = sessions[0]
    # then everything at once
    run_task(lanes.net, lambda c: _sync_rounds(session, c, 6), on_error=errors.append)
    run_task(lanes.net, lambda _c: auth.sign_in(name, PASSWORD), on_error=errors.append)
    for i in range(SAVES):
        run_task(lanes.db, lambda _c, i=i: _save(session, i), on_error=errors.append)
        run_task(lanes.db, lambda _c: read_counts(session), on_error=errors.append)
        run_task(lanes.db, lambda _c: auth.known_users(), on_error=errors.append)
    qtbot.waitUntil(lambda: not lanes.busy, timeout=120000)
    assert not errors, errors

    done: list[Any] = []
    run_task(lanes.net, lambda c: sync_once(session, c.cancel), done.append, errors.append)
    qtbot.waitUntil(lambda: bool(done) or bool(errors), timeout=60000)
    counts: list[Any] = []
    run_task(lanes.db, lambda _c: read_counts(session), counts.append, errors.append)
    qtbot.waitUntil(lambda: bool(counts) or bool(errors), timeout=30000)
    assert not errors, errors
    assert counts[0].pending == 0 and counts[0].rejected == 0  # every saved record reached the server
    conn = session.db()
    try:
        assert session.outbox(conn).count() == SAVES
    finally:
        conn.close()


def test_sign_in_while_the_sqlite_lane_writes_and_the_network_lane_syncs(qtbot, tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "server-data").start()
    lanes = Lanes()
    errors: list[BaseException] = []
    try:
        site = SiteConfig(server_url=server.url)
        for round_ in range(ROUNDS):
            # a person of their own each round: every new PC enrols new devices, and the server caps them
            name = f"zhao{round_}"
            server.cli("user", "add", name, "--unit", "U", "--new-unit", "--password-stdin",
                       input=f"{PASSWORD}\n".encode())
            _one_round(qtbot, lanes, AuthService(tmp_path / f"pc{round_}", site), name, errors)
    finally:
        lanes.net.cancel_all()
        lanes.db.pool.waitForDone(30000)
        lanes.net.pool.waitForDone(30000)
        server.stop()
