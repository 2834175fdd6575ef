"""我的学习 against real engines: assignments from a real server, downloads with pause/resume,
import from a folder, the annual summary and the sync status bar after real watch records."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.server_process import ServerProcess
from tests.support.shell_env import (
    DEMO_COURSE,
    DEMO_COURSE_ID,
    ShellEnv,
    close,
    signed_in_window,
    zhangsan_server,
    zhangsan_site,
)


@pytest.fixture(scope="module")
def assigned_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """张三's site (shell_env's) with his two assignments made by the same admin commands, once for this
    module: each test copies it and starts its own server on the copy."""
    prepared, public_key = zhangsan_site()
    server = ServerProcess(tmp_path_factory.mktemp("assigned") / "server-data")
    shutil.copytree(prepared, server.data_dir)
    env = ShellEnv(server, server.data_dir / "unused-site.toml", server.data_dir / "unused-client-data", public_key)
    env.assign(DEMO_COURSE_ID, "zhangsan", required=True, due=(date.today() + timedelta(days=30)).isoformat())
    env.assign("late-course", "zhangsan", required=False, due="2020-01-31", title="依法行政专题", credit_hours=2)
    return server.data_dir, public_key


@pytest.fixture
def env(tmp_path: Path, assigned_site: tuple[Path, str]) -> Iterator[ShellEnv]:
    with zhangsan_server(tmp_path, assigned_site) as env:
        yield env


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
        assert "did not finish" in page.notice.text() and page.notice.property("role") == "error"
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
            body = {"segments": [[0.0, d]], "credited_s": d, "study_s": d, "elapsed_mono_s": d, "position_s": d,
                    "max_rate": 1.0}
            save_checkpoint(outbox, DEMO_COURSE_ID, lesson.id, body,
                            LessonProgress(position_s=d, covered_segments=[(0.0, d)], covered_s=d, duration_s=d,
                                           study_s=d, completed=True))
    finally:
        conn.close()


def _pass_quiz_and_exam(session: Any, store: Any, server_data: Path) -> None:
    """Real signed attempts at the demo course's quiz and exam, answered right (from the key the
    server holds), as the app writes them: the server grades them passed."""
    from server.config import ServerConfig
    from server.publish import answer_key_path
    from sync.protocol.assessment import AnswerKey
    from sync.protocol.records import V2
    from tests.support.assessments import right_attempt

    manifest = store.manifest(DEMO_COURSE_ID)
    key = AnswerKey.parse(answer_key_path(ServerConfig(server_data).answer_keys_dir, DEMO_COURSE_ID,
                                          manifest.version).read_bytes())
    conn = session.db()
    try:
        outbox = session.outbox(conn)
        quiz = next(q for q in manifest.quizzes if q.required)
        outbox.append("quiz", DEMO_COURSE_ID, quiz.lesson, right_attempt(quiz, key, manifest.version), v=V2)
        outbox.append("exam", DEMO_COURSE_ID, None, right_attempt(manifest.exam, key, manifest.version), v=V2)
    finally:
        conn.close()


def test_summary_and_status_bar_follow_real_records_and_sync(qtbot, env, monkeypatch):
    # this test starts every sync round itself: the app's own round a minute after the last would,
    # on a busy machine, send some of the records whose waiting count the test reads
    from client.workers import sync_worker

    monkeypatch.setattr(sync_worker, "IDLE_INTERVAL_S", 3600)
    ctx, window, shell = signed_in_window(qtbot, env, "\n[credits]\nyearly_target_hours = 50\n")
    try:
        page, sync, bar = window.courses, window.session.sync, window.sync_widget
        # the round the app starts a second after sign-in must be over, and have reached the server (the
        # next is then an hour away), before the test writes the records whose waiting count it reads: a
        # round still running, or one retried soon after a failure on a busy machine, sends some of them
        qtbot.waitUntil(lambda: not sync.busy and sync.state == sync_worker.ONLINE and sync.counts is not None
                        and sync.counts.last_sync_at is not None, timeout=30000)
        assert page.summary.target.text() == "/ target 50 h"
        assert "complete (videos, quizzes and exam)" in page.summary.rule.text()
        page.rows[DEMO_COURSE_ID].download.start_button.click()
        qtbot.waitUntil(lambda: window.session.downloads.state(DEMO_COURSE_ID) == "done", timeout=30000)
        _watch_whole_course(window.session.session, ctx.store)
        page.reload()
        # every video watched, but the demo course's quiz and exam are not passed: not complete, no credit
        qtbot.waitUntil(lambda: page.rows[DEMO_COURSE_ID].item.videos_done, timeout=10000)
        row = page.rows[DEMO_COURSE_ID]
        assert not row.item.completed and row.item.missing == ("quizzes", "exam")
        assert "Completed" not in row.facts.text() and "In progress" in row.facts.text()
        assert row.todo.text() == ("Still to do: pass 1 quiz, pass the final exam. "
                                   "The credit hours count once all of it is done.")
        assert page.data.summary.credited_hours == 0.0 and page.summary.hours.text() == "0"
        _pass_quiz_and_exam(window.session.session, ctx.store, env.server.data_dir)
        page.reload()
        qtbot.waitUntil(lambda: page.rows[DEMO_COURSE_ID].item.completed, timeout=10000)
        assert "Completed" in page.rows[DEMO_COURSE_ID].facts.text()
        assert "5 study progress updates waiting to sync" in page.rows[DEMO_COURSE_ID].facts.text()
        assert page.rows[DEMO_COURSE_ID].todo.isHidden()
        s = page.data.summary
        assert (s.credited_hours, s.required_hours, s.elective_hours, s.target_hours) == (1.5, 1.5, 0.0, 50.0)
        assert (s.synced_hours, s.pending_hours, s.pending_records) == (0.0, 1.5, 5)  # 3 lessons, quiz, exam
        assert page.summary.hours.text() == "1.5"
        sync.refresh_counts()
        qtbot.waitUntil(lambda: bar.counts is not None and bar.counts.pending == 5, timeout=10000)
        assert bar.pending_label.text() == "5 study progress updates waiting to sync"
        bar.sync_button.click()
        qtbot.waitUntil(lambda: bar.counts is not None and bar.counts.pending == 0 and bar.state == "online",
                        timeout=30000)
        assert bar.state_label.text() == "Online" and bar.last_label.text().startswith("Last sync:")
        qtbot.waitUntil(lambda: page.data.summary.synced_hours == 1.5, timeout=10000)
        # the server's own outcomes came with the sync: its confirmed figure and the rankings
        qtbot.waitUntil(lambda: page.data.server is not None, timeout=10000)
        server = page.data.server
        # these watch records carry no wall-clock window (the server credits none of them: no_window),
        # so the server has not counted the course; its figure stands
        assert server is not None and server.total == 0 and server.ranking is not None
        assert page.summary.synced.text().startswith(f"Confirmed by the server: {server.total:g} h")
        ranking_text = page.summary.ranking.text()
        assert ranking_text.startswith(f"Rank {server.ranking.rank_in_unit} of {server.ranking.people_in_unit} in ")
        assert ranking_text.endswith(".)") and "(As of the last sync, today " in ranking_text
        env.server.stop()
        sync.sync_now()
        qtbot.waitUntil(lambda: bar.state == "offline", timeout=30000)
        assert "Offline" in bar.state_label.text()
        page.reload()  # offline: the rankings stay, as of the last sync
        qtbot.waitUntil(lambda: page.summary.ranking.text() == ranking_text, timeout=10000)
    finally:
        close(qtbot, ctx, window, shell)


def test_primary_action_downloads_with_its_size_and_the_card_does_not_jump(qtbot, env):
    ctx, window, shell = signed_in_window(qtbot, env, "\n[bandwidth]\ncap_kbps = 800\n")
    try:
        page, downloads = window.courses, window.session.downloads
        qtbot.waitUntil(lambda: "late-course" in page.rows, timeout=10000)
        assert list(page.rows) == ["late-course", DEMO_COURSE_ID]  # overdue first, even an elective one
        row = page.rows[DEMO_COURSE_ID]
        size = row.item.bytes_total
        assert size == sum((DEMO_COURSE / n).stat().st_size
                           for n in ("lesson1.mp4", "lesson2.mp4", "lesson3.mp4", "handout.pdf"))
        assert row.open_button.text() == "Download"
        assert row.download.label.text() == "Not downloaded · 447.3 KB to download"  # the size before the download
        assert not row.download.start_button.isVisibleTo(row)  # one download button per card
        assert row.progress_label.text() == "Study progress" and row.download.caption.text() == "Download"
        row.open_button.click()
        qtbot.waitUntil(lambda: (p := downloads.last_progress.get(DEMO_COURSE_ID)) is not None
                        and p.bytes_done > 0 and downloads.state(DEMO_COURSE_ID) == "running", timeout=20000)
        qtbot.waitUntil(lambda: "Downloading" in row.download.label.text(), timeout=5000)
        assert row.open_button.text() == "Study" and row.download.pause_button.isVisibleTo(row)
        assert 0 < row.download.bar.value() < 1000
        height = row.sizeHint().height()
        qtbot.waitUntil(lambda: downloads.state(DEMO_COURSE_ID) == "done", timeout=30000)
        qtbot.waitUntil(lambda: row.item.downloaded, timeout=10000)
        assert page.rows[DEMO_COURSE_ID] is row  # updated in place, not rebuilt
        assert row.sizeHint().height() == height
        assert row.download.label.text() == "Downloaded · 447.3 KB" and row.download.bar.value() == 1000
        assert row.open_button.text() == "Study"
        # the heading, summary and filters scroll with the cards (small screens keep room for them)
        assert page.scroll_area.widget().isAncestorOf(page.heading)
        assert page.scroll_area.widget().isAncestorOf(page.summary)
        assert page.scroll_area.widget().isAncestorOf(page.kind)
    finally:
        close(qtbot, ctx, window, shell)


def test_an_unpublished_course_says_so_and_a_failed_download_names_who_to_ask(qtbot, env):
    # neither published nor given a title (the admin forced it)
    env.server.cli("assign", "no-title-course", "--user", "zhangsan", "--elective", "--force")
    ctx, window, shell = signed_in_window(qtbot, env)
    try:
        page, downloads = window.courses, window.session.downloads
        qtbot.waitUntil(lambda: "no-title-course" in page.rows and "late-course" in page.rows, timeout=10000)
        late, untitled = page.rows["late-course"], page.rows["no-title-course"]
        assert late.title.text() == "依法行政专题" and untitled.title.text() == "Course no-title-course"
        assert "has not been published yet" in late.todo.text() and "training administrator" in late.todo.text()
        assert not late.item.published and page.rows[DEMO_COURSE_ID].item.published
        # a download could only fail: the primary action is a plain, disabled button saying why
        assert not late.open_button.isEnabled() and late.open_button.text() == "Not published yet"
        assert late.open_button.toolTip() == "This course cannot be downloaded until it is published."
        assert late.open_button.property("role") == ""
        assert not late.download.start_button.isVisibleTo(late)
        assert not late.download.bar.isVisibleTo(late) and not late.download.label.isVisibleTo(late)
        demo = page.rows[DEMO_COURSE_ID]
        assert demo.open_button.isEnabled() and demo.open_button.text() == "Download"
        assert demo.open_button.property("role") == "primary"
        downloads.start("late-course")  # started anyway (as a wanted download would be): the repository lacks it
        qtbot.waitUntil(lambda: downloads.state("late-course") == "failed", timeout=30000)
        late = page.rows["late-course"]
        assert late.download.error.isVisibleTo(late) and late.download.error.property("role") == "error"
        assert late.download.error.text() == ("The course or file was not found in the repository. "
                                              "If this keeps happening, contact your training administrator.")
        assert late.download.label.text().startswith("Download failed") and late.download.label.isVisibleTo(late)
    finally:
        close(qtbot, ctx, window, shell)


def test_offline_a_download_says_it_waits_for_the_network_and_starts_by_itself(qtbot, env):
    ctx, window, shell = signed_in_window(qtbot, env)
    try:
        page, downloads = window.courses, window.session.downloads
        env.server.stop()  # the network to the server is gone
        page.refresh()  # the saved list shows, with a calm notice (studying offline is normal)
        qtbot.waitUntil(lambda: page.notice.isVisibleTo(page), timeout=20000)
        assert page.notice.text().startswith("Could not get the latest course list; showing the one saved")
        assert page.notice.property("role") == "notice"
        row = page.rows[DEMO_COURSE_ID]
        row.open_button.click()
        qtbot.waitUntil(lambda: downloads.state(DEMO_COURSE_ID) == "waiting_network", timeout=20000)
        row = page.rows[DEMO_COURSE_ID]
        assert row.download.label.text() == "Waiting for the network; will continue by itself"
        assert row.download.bar.value() == 0 and row.download.pause_button.isVisibleTo(row)
        assert not row.download.error.isVisibleTo(row)
        env.server.start()
        qtbot.waitUntil(lambda: downloads.state(DEMO_COURSE_ID) == "done", timeout=60000)
        qtbot.waitUntil(lambda: page.rows[DEMO_COURSE_ID].item.downloaded, timeout=10000)
    finally:
        close(qtbot, ctx, window, shell)


def test_outside_the_allowed_hours_a_download_says_when_it_will_start(qtbot, env):
    now = datetime.now()
    start, end = now + timedelta(hours=2), now + timedelta(hours=3)
    window_text = f"{start:%H}:00-{end:%H}:00"
    ctx, window, shell = signed_in_window(qtbot, env, f'\n[bandwidth]\nwindows = ["{window_text}"]\n')
    try:
        page, downloads = window.courses, window.session.downloads
        page.rows[DEMO_COURSE_ID].open_button.click()
        qtbot.waitUntil(lambda: downloads.state(DEMO_COURSE_ID) == "waiting_window", timeout=10000)
        row = page.rows[DEMO_COURSE_ID]
        assert row.download.label.text() == f"Waits for the allowed download hours ({window_text}); starts by itself"
        assert row.download.cancel_button.isVisibleTo(row)
    finally:
        close(qtbot, ctx, window, shell)


def test_a_course_assigned_through_a_class_names_the_class(qapp, qtbot):
    from client.i18n import Translator, ensure_built
    from client.widgets.course_row import CourseRow
    from sync.records.my_courses import CourseItem

    item = CourseItem("c1", "党史学习", True, None, 2.0, class_name="<青年>干部班")
    row = CourseRow(item)
    qtbot.addWidget(row)
    assert "Class: &lt;青年&gt;干部班" in row.facts.text()  # a name is text, never markup
    plain = CourseRow(CourseItem("c2", "法治", False, None, 1.0))
    qtbot.addWidget(plain)
    assert "Class" not in plain.facts.text() and "server" not in plain.facts.text()
    confirmed = CourseRow(CourseItem("c3", "廉政", False, None, 1.0, server_credited=True))
    qtbot.addWidget(confirmed)
    assert "Credited by the server" in confirmed.facts.text()
    ensure_built()
    translator = Translator(qapp)
    try:
        assert translator.set_language("zh_CN")
        qtbot.waitUntil(lambda: "培训班：&lt;青年&gt;干部班" in row.facts.text(), timeout=5000)
        qtbot.waitUntil(lambda: "服务器已计入学时" in confirmed.facts.text(), timeout=5000)
    finally:
        translator.uninstall()


def test_the_summary_shows_the_servers_figure_standing_and_ranks_in_chinese(qapp, qtbot):
    from decimal import Decimal

    from client.i18n import Translator, ensure_built
    from client.windows.my_courses import SummaryPanel
    from sync.protocol.outcomes import Ranking
    from sync.records.my_courses import Summary
    from sync.records.server_view import ServerOutcomes

    year = date.today().year
    server = ServerOutcomes(f"{year}-06-01", datetime.now().astimezone().isoformat(), year, "hours",
                            Decimal(3), Decimal("0.5"), Decimal("3.5"), "on_track", frozenset(),
                            Ranking("城关镇", 2, 14, 5, 9))
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.set_summary(Summary(year, credited_hours=4.0, synced_hours=3.0, pending_hours=1.0))
    assert panel.ranking.isHidden() and panel.ranking.text() == ""  # never synced: nothing from the server
    panel.set_summary(Summary(year, credited_hours=4.0, synced_hours=3.0, pending_hours=1.0), server)
    assert panel.synced.text() == "Confirmed by the server: 3.5 h   ·   Waiting to sync from this PC: 1 h"
    assert panel.ranking.text().startswith("On track for the target. Rank 2 of 14 in 城关镇; your unit ranks 5 of 9. "
                                           "(As of the last sync, today ")
    panel.set_summary(Summary(year + 1), server)  # a new year: last year's figures are not this year's
    assert panel.ranking.isHidden()
    panel.set_summary(Summary(year, pending_hours=1.0), server)
    ensure_built()
    translator = Translator(qapp)
    try:
        assert translator.set_language("zh_CN")
        panel.retranslate()  # the page does it on LanguageChange
        assert panel.ranking.text().startswith(
            "进度符合年度目标。在城关镇的 14 人中排第 2 名；本单位在 9 个单位中排第 5 名。（截至上次同步：今天 ")
        assert panel.synced.text().startswith("服务器已确认：3.5 学时")
    finally:
        translator.uninstall()
