"""我的学习 against real engines: assignments from a real server, downloads with pause/resume,
import from a folder, the annual summary and the sync status bar after real watch records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from client.app import Shell
from client.windows.main_window import MainWindow
from tests.e2e.shell_env import DEMO_COURSE_ID, PASSWORD, ShellEnv, app_context, drain, zhangsan_server


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ShellEnv]:
    with zhangsan_server(tmp_path) as env:
        env.assign(DEMO_COURSE_ID, "zhangsan", required=True, due=(date.today() + timedelta(days=30)).isoformat())
        env.assign("late-course", "zhangsan", required=False, due="2020-01-31", title="依法行政专题",
                   credit_hours=2)
        yield env


def signed_in_window(qtbot, env: ShellEnv, site_extra: str = "") -> tuple[Any, MainWindow, Shell]:
    if site_extra:
        env.site_path.write_text(env.site_path.read_text() + site_extra, encoding="utf-8")
    ctx = app_context(env)
    shell = Shell(ctx)
    window = MainWindow(ctx, shell.start_session, shell.end_session, shell.make_course_page)
    shell.window = window
    qtbot.addWidget(window)
    window.show()
    page = window.sign_in
    page.username.setText("zhangsan")
    page.password.setText(PASSWORD)
    page.sign_in_button.click()
    qtbot.waitUntil(lambda: window.courses is not None and DEMO_COURSE_ID in window.courses.rows, timeout=30000)
    return ctx, window, shell


def close(qtbot, ctx: Any, window: MainWindow, shell: Shell) -> None:
    if window.session is not None:
        shell.end_session(window.session)
    drain(ctx, qtbot)


def test_rows_filters_and_overdue(qtbot, env):
    ctx, window, shell = signed_in_window(qtbot, env)
    try:
        page = window.courses
        qtbot.waitUntil(lambda: "late-course" in page.rows, timeout=10000)
        demo, late = page.rows[DEMO_COURSE_ID], page.rows["late-course"]
        assert demo.tag.text() == "Required" and late.tag.text() == "Elective"
        assert "1.5 credit hours" in demo.facts.text() and "Overdue" not in demo.facts.text()
        assert "Overdue" in late.facts.text() and "#c9302c" in late.facts.text()
        assert "Not downloaded" in demo.download.label.text()
        page.kind.setCurrentIndex(page.kind.findData("elective"))
        assert list(page.rows) == ["late-course"]
        page.kind.setCurrentIndex(page.kind.findData("all"))
        page.status.setCurrentIndex(page.status.findData("overdue"))
        assert list(page.rows) == ["late-course"]
        page.status.setCurrentIndex(page.status.findData("completed"))
        assert page.rows == {} and page.empty.text() == "No course matches the filter."
    finally:
        close(qtbot, ctx, window, shell)


def test_download_pause_resume_and_cancel(qtbot, env):
    # 200 kbit/s makes the ~450 KB demo course take long enough to pause it half way
    ctx, window, shell = signed_in_window(qtbot, env, "\n[bandwidth]\ncap_kbps = 200\n")
    try:
        page, downloads = window.courses, window.session.downloads
        row = page.rows[DEMO_COURSE_ID]
        row.download.start_button.click()
        qtbot.waitUntil(lambda: (p := downloads.last_progress.get(DEMO_COURSE_ID)) is not None
                        and p.bytes_done > 20_000, timeout=20000)
        assert "Downloading" in row.download.label.text() and row.download.pause_button.isVisible()
        row.download.pause_button.click()
        qtbot.waitUntil(lambda: downloads.state(DEMO_COURSE_ID) == "paused", timeout=10000)
        row = page.rows[DEMO_COURSE_ID]
        assert row.download.resume_button.isVisible() and not row.download.start_button.isVisible()
        present, total = ctx.store.course_state(ctx.store.manifest(DEMO_COURSE_ID))
        assert 0 < present < total  # the partial files are kept for the resume
        row.download.cancel_button.click()
        qtbot.waitUntil(lambda: downloads.state(DEMO_COURSE_ID) == "idle", timeout=10000)
        assert ctx.store.manifest(DEMO_COURSE_ID) is None
        downloads.update_site(window.session.site.with_user_overrides({"bandwidth_cap_kbps": 0}))
        page.rows[DEMO_COURSE_ID].download.start_button.click()
        qtbot.waitUntil(lambda: downloads.state(DEMO_COURSE_ID) == "done", timeout=30000)
        qtbot.waitUntil(lambda: page.rows[DEMO_COURSE_ID].item.downloaded, timeout=10000)
        assert "Downloaded" in page.rows[DEMO_COURSE_ID].download.label.text()
    finally:
        close(qtbot, ctx, window, shell)


def test_a_wanted_download_continues_after_a_restart(qtbot, env):
    ctx, window, shell = signed_in_window(qtbot, env, "\n[bandwidth]\ncap_kbps = 200\n")
    try:
        downloads = window.session.downloads
        window.courses.rows[DEMO_COURSE_ID].download.start_button.click()
        qtbot.waitUntil(lambda: DEMO_COURSE_ID in downloads.last_progress, timeout=20000)
    finally:
        close(qtbot, ctx, window, shell)  # the app closes mid-download
    assert ctx.store.manifest(DEMO_COURSE_ID) is not None
    env.site_path.write_text(env.site_path.read_text().replace("cap_kbps = 200", "cap_kbps = 0"), encoding="utf-8")
    ctx2, window2, shell2 = signed_in_window(qtbot, env)
    try:
        downloads = window2.session.downloads
        qtbot.waitUntil(lambda: downloads.state(DEMO_COURSE_ID) == "done", timeout=30000)
    finally:
        close(qtbot, ctx2, window2, shell2)


def test_import_from_a_usb_folder_uses_the_same_verification(qtbot, env, tmp_path):
    from sync.content.downloader import Downloader
    from sync.content.package_io import export_package
    from sync.content.store import ContentStore
    from sync.site.config import load_site

    site = load_site(env.site_path)
    other = ContentStore(tmp_path / "other-pc", site.trusted_keys())
    Downloader(other, f"{env.server.url}/repo", site.trusted_keys()).download_course(DEMO_COURSE_ID)
    usb = tmp_path / "usb"
    export_package(other, DEMO_COURSE_ID, usb)
    ctx, window, shell = signed_in_window(qtbot, env)
    try:
        page = window.courses
        page.import_from_folder(str(usb))
        qtbot.waitUntil(lambda: page.import_result.startswith("Imported:"), timeout=30000)
        qtbot.waitUntil(lambda: page.rows[DEMO_COURSE_ID].item.downloaded, timeout=10000)
        bad = tmp_path / "not-a-package"
        bad.mkdir()
        page.import_from_folder(str(bad))
        qtbot.waitUntil(lambda: page.notice.isVisibleTo(page), timeout=10000)
        assert "did not finish" in page.notice.text()
    finally:
        close(qtbot, ctx, window, shell)


def _watch_whole_course(session: Any, store: Any) -> None:
    """Real watch records and lesson progress through the player's checkpoint engine."""
    from sync.records.progress import LessonProgress, save_checkpoint

    manifest = store.manifest(DEMO_COURSE_ID)
    conn = session.db()
    try:
        outbox = session.outbox(conn)
        for lesson in manifest.lessons:
            d = lesson.duration_s
            body = {"segments": [[0.0, d]], "credited_s": d, "study_s": d, "elapsed_s": d, "position_s": d,
                    "rate": 1.0}
            save_checkpoint(outbox, DEMO_COURSE_ID, lesson.id, body,
                            LessonProgress(position_s=d, covered_segments=[(0.0, d)], covered_s=d, duration_s=d,
                                           study_s=d, completed=True))
    finally:
        conn.close()


def test_summary_and_status_bar_follow_real_records_and_sync(qtbot, env):
    ctx, window, shell = signed_in_window(qtbot, env)
    try:
        page, sync, bar = window.courses, window.session.sync, window.sync_widget
        page.rows[DEMO_COURSE_ID].download.start_button.click()
        qtbot.waitUntil(lambda: window.session.downloads.state(DEMO_COURSE_ID) == "done", timeout=30000)
        _watch_whole_course(window.session.session, ctx.store)
        page.reload()
        qtbot.waitUntil(lambda: page.rows[DEMO_COURSE_ID].item.completed, timeout=10000)
        s = page.data.summary
        assert (s.credited_hours, s.required_hours, s.elective_hours) == (1.5, 1.5, 0.0)
        assert (s.synced_hours, s.pending_hours, s.pending_records) == (0.0, 1.5, 3)
        assert page.summary.hours.text() == "1.5"
        sync.refresh_counts()
        qtbot.waitUntil(lambda: bar.counts is not None and bar.counts.pending == 3, timeout=10000)
        assert bar.pending_label.text() == "3 study progress updates waiting to sync"
        bar.sync_button.click()
        qtbot.waitUntil(lambda: bar.counts is not None and bar.counts.pending == 0 and bar.state == "online",
                        timeout=30000)
        assert bar.state_label.text() == "Online" and bar.last_label.text().startswith("Last sync:")
        qtbot.waitUntil(lambda: page.data.summary.synced_hours == 1.5, timeout=10000)
        env.server.stop()
        sync.sync_now()
        qtbot.waitUntil(lambda: bar.state == "offline", timeout=30000)
        assert "Offline" in bar.state_label.text()
    finally:
        close(qtbot, ctx, window, shell)
