"""Refused records with the server's reason, export for air-gapped sites, and closing the app while
a download runs (it stops cleanly, loses nothing, and continues at the next start)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from client.windows.rejected_records import RejectedRecordsDialog
from client.workers.records import export_records_to
from sync.protocol.keys import PrivateKey
from sync.protocol.records import DeviceSigner
from sync.protocol.records_file import read_records_file
from sync.records.outbox import Outbox
from tests.support.qt_child import run_app
from tests.support.shell_env import DEMO_COURSE_ID, PASSWORD, REPO, ShellEnv, close, signed_in_window, zhangsan_server


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ShellEnv]:
    with zhangsan_server(tmp_path) as env:
        env.assign(DEMO_COURSE_ID, "zhangsan", required=True)
        yield env


def test_refused_records_show_the_servers_reason_and_export_writes_a_signed_file(qtbot, env, tmp_path):
    ctx, window, shell = signed_in_window(qtbot, env)
    try:
        session = window.session.session
        conn = session.db()
        try:
            session.outbox(conn).append("note", DEMO_COURSE_ID, None, {"text": "good"})
            # a record signed with a key the server never enrolled for this device: it must be refused
            forged = Outbox(conn, DeviceSigner(session.device_id, session.user_id, PrivateKey.generate()))
            forged.append("note", DEMO_COURSE_ID, None, {"text": "forged"})
        finally:
            conn.close()
        bar, sync = window.sync_widget, window.session.sync
        sync.sync_now()
        qtbot.waitUntil(lambda: bar.counts is not None and bar.counts.rejected == 1 and not sync.busy,
                        timeout=30000)
        assert bar.rejected_button.isVisibleTo(bar) and "1 refused" in bar.rejected_button.text()
        dialog = RejectedRecordsDialog(ctx, window.session, window)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
        assert dialog.table.item(0, 2).text() == DEMO_COURSE_ID
        assert dialog.table.item(0, 3).text()  # the server's reason, as it gave it
        assert "refused these study records" in dialog.intro.text()

        out = tmp_path / "records.json"
        assert export_records_to(session, out) == 2
        exported = read_records_file(out)  # checks the file's signature with the device key
        assert exported.user_id == session.user_id and len(exported.records) == 2
    finally:
        close(qtbot, ctx, window, shell)


def _run_app(env: ShellEnv, steps: list[dict[str, object]], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / f"script-{time.monotonic_ns()}.json"
    script.write_text(json.dumps(steps), encoding="utf-8")
    run_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", STUDYDESK_TEST_SCRIPT=str(script))
    return run_app(["--data", str(env.data_root), "--site", str(env.site_path)], env=run_env,
                      timeout=120, cwd=REPO)


def test_closing_during_a_download_stops_cleanly_and_the_next_start_continues(env, tmp_path):
    from sync.content.store import ContentStore
    from sync.site.config import load_site

    env.site_path.write_text(env.site_path.read_text() + "\n[bandwidth]\ncap_kbps = 200\n", encoding="utf-8")
    sign_in = {"do": "sign_in", "username": "zhangsan", "password": PASSWORD}
    first = _run_app(env, [sign_in, {"do": "wait_courses", "course": DEMO_COURSE_ID},
                           {"do": "start_download", "course": DEMO_COURSE_ID, "min_bytes": 30000},
                           {"do": "quit"}], tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr[-2000:]
    assert "start_download ok" in first.stdout
    store = ContentStore(env.data_root / "content", load_site(env.site_path).trusted_keys())
    present, total = store.course_state(store.manifest(DEMO_COURSE_ID))
    assert 30000 <= present < total  # what arrived before the close is kept

    env.site_path.write_text(env.site_path.read_text().replace("cap_kbps = 200", "cap_kbps = 0"), encoding="utf-8")
    second = _run_app(env, [sign_in, {"do": "wait_download_done", "course": DEMO_COURSE_ID, "timeout": 60},
                            {"do": "quit"}], tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr[-2000:]
    present, total = store.course_state(store.manifest(DEMO_COURSE_ID))
    assert present == total


def test_background_sync_backs_off_with_a_cap_and_jitter():
    import random

    from client.workers.sync_worker import BACKOFF_CAP_S, sync_backoff

    class Fixed(random.Random):
        def __init__(self, point: float) -> None:
            super().__init__()
            self.point = point

        def random(self) -> float:
            return self.point

    low_backoff, high_backoff = sync_backoff(Fixed(0.0)), sync_backoff(Fixed(1.0))
    low = [low_backoff.next_delay() for _ in range(11)]
    high = [high_backoff.next_delay() for _ in range(11)]
    assert low == sorted(low) and low[0] == pytest.approx(5.0) and high[0] == pytest.approx(10.0)
    assert max(high) == pytest.approx(BACKOFF_CAP_S) and low[-1] == pytest.approx(BACKOFF_CAP_S * 0.5)


def test_downloads_wait_for_the_allowed_time_window(qtbot, env, tmp_path):
    from datetime import datetime

    from client.tasks import Lanes
    from client.workers.downloads import DownloadManager
    from sync.content.store import ContentStore
    from sync.site.config import load_site

    site = load_site(env.site_path).with_user_overrides({"download_windows": ["12:00-13:30"]})
    clock = {"now": datetime(2024, 5, 1, 9, 0)}
    lanes = Lanes()
    store = ContentStore(tmp_path / "content", site.trusted_keys())
    manager = DownloadManager(lanes, store, site, tmp_path / "profile", now=lambda: clock["now"])
    try:
        manager.start(DEMO_COURSE_ID)
        assert manager.state(DEMO_COURSE_ID) == "waiting_window"
        clock["now"] = datetime(2024, 5, 1, 12, 5)
        manager.update_site(site)  # re-checks the windows now (the app also does so every 30 s)
        qtbot.waitUntil(lambda: manager.state(DEMO_COURSE_ID) == "done", timeout=30000)
        present, total = store.course_state(store.manifest(DEMO_COURSE_ID))
        assert present == total
    finally:
        manager.shutdown()
        qtbot.waitUntil(lambda: not lanes.busy, timeout=20000)
