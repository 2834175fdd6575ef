"""The status bar's sync state against a real server process: a server that dies in the middle
of a round, or an answer that is not the server's, leaves "offline, will retry" (never
"problem"), and the next round after the server is back delivers everything exactly once."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from client.messages import describe
from client.tasks import Lanes
from client.widgets.sync_status import SyncStatusWidget
from client.workers.sync_worker import OFFLINE, ONLINE, SyncController
from sync.protocol.errors import RetryableError
from tests.support.cutting_proxy import CuttingProxy, Plan, after_request, respond
from tests.support.server_process import ServerProcess
from tests.support.uploads import assert_exactly_once, fill, fresh_connections, session_via


def test_server_dying_mid_round_leaves_offline_will_retry_then_catches_up(server: ServerProcess, tmp_path: Path,
                                                                          qtbot: QtBot) -> None:
    with CuttingProxy(server.port) as proxy:
        s = session_via(proxy.url, server, tmp_path / "pc")
        fill(s, 300)
        fresh_connections(s)
        # the health probe passes; the server dies once the first batch has reached it
        proxy.plan(Plan(), after_request(2000, server.kill))
        lanes = Lanes()
        sync = SyncController(lanes, s)
        widget = SyncStatusWidget()
        qtbot.addWidget(widget)
        widget.follow(sync)
        try:
            sync.sync_now()
            assert widget.state == "syncing"
            qtbot.waitUntil(lambda: not sync.busy, timeout=40000)
            assert sync.state == widget.state == OFFLINE
            assert isinstance(sync.last_error, RetryableError) and widget.error is sync.last_error
            assert widget.state_label.text() == "Offline — study progress is kept on this PC"
            assert "Sync problem" not in widget.state_label.text()
            assert widget.state_label.toolTip() == describe(sync.last_error)
            assert sync.next_round_scheduled

            server.start()
            with qtbot.waitSignal(sync.network_back, timeout=40000):
                sync.sync_now()
            assert sync.state == widget.state == ONLINE and widget.error is None
            qtbot.waitUntil(lambda: widget.counts is not None and widget.counts.pending == 0, timeout=10000)
            assert_exactly_once(server, s, 300)
        finally:
            sync.shutdown()
            qtbot.waitUntil(lambda: not lanes.busy, timeout=20000)


def test_an_answer_the_client_does_not_understand_is_retried_not_a_problem(server: ServerProcess, tmp_path: Path,
                                                                          qtbot: QtBot) -> None:
    with CuttingProxy(server.port) as proxy:
        s = session_via(proxy.url, server, tmp_path / "pc")
        fill(s, 3)
        fresh_connections(s)
        # something between this PC and the server (a captive portal, a broken proxy) answers every
        # batch with a page that is not the server's JSON
        garbage = respond(200, "OK", {"Content-Type": "text/html"}, b"<html>please sign in to the wifi</html>")
        proxy.plan(Plan(), *[garbage for _ in range(60)])
        lanes = Lanes()
        sync = SyncController(lanes, s)
        widget = SyncStatusWidget()
        qtbot.addWidget(widget)
        widget.follow(sync)
        try:
            sync.sync_now()
            qtbot.waitUntil(lambda: not sync.busy, timeout=40000)
            error = sync.last_error
            assert isinstance(error, RetryableError) and error.code == "bad_response"
            assert sync.state == widget.state == OFFLINE and sync.next_round_scheduled
            assert s.outbox().pending_count() == 3
        finally:
            sync.shutdown()
            qtbot.waitUntil(lambda: not lanes.busy, timeout=20000)


def test_last_sync_says_today_or_the_date_in_either_language(qtbot: QtBot) -> None:
    from datetime import datetime, timedelta

    from PySide6.QtWidgets import QApplication

    from client.i18n import Translator, ensure_built
    from client.widgets.sync_status import local_time_text

    now = datetime(2025, 6, 20, 15, 0).astimezone()

    def utc(local: datetime) -> str:
        return local.astimezone().isoformat()

    today, earlier, last_year = now - timedelta(hours=1), now - timedelta(days=40), now - timedelta(days=400)
    assert local_time_text(utc(today), now) == "today 14:00"
    assert local_time_text(utc(earlier), now) == f"{earlier.day} {earlier.strftime('%b')} {earlier:%H:%M}"
    assert local_time_text(utc(last_year), now) == f"{last_year.day} {last_year.strftime('%b')} 2024 {last_year:%H:%M}"
    assert local_time_text(None, now) == local_time_text("not a time", now) == ""
    ensure_built()
    translator = Translator(QApplication.instance())
    translator.set_language("zh_CN")
    try:
        assert local_time_text(utc(today), now) == "今天 14:00"
        assert local_time_text(utc(earlier), now) == f"{earlier.month}月{earlier.day}日 {earlier:%H:%M}"
        assert local_time_text(utc(last_year), now) == \
            f"2024年{last_year.month}月{last_year.day}日 {last_year:%H:%M}"
        widget = SyncStatusWidget()
        qtbot.addWidget(widget)
        from client.workers.sync_worker import SyncCounts

        real_now = datetime.now().astimezone()
        before = real_now - timedelta(days=2)
        date = f"{before.month}月{before.day}日" if before.year == real_now.year else \
            f"{before.year}年{before.month}月{before.day}日"
        widget.set_counts(SyncCounts(3, 1, utc(before)))
        assert widget.pending_label.text() == "3 条学习进度待同步" and "记录" not in widget.pending_label.text()
        assert widget.rejected_button.text() == "1 条被服务器退回"
        assert widget.last_label.text() == f"上次同步：{date} {before:%H:%M}"
        widget.set_counts(SyncCounts(0, 0, None))
        assert widget.pending_label.text() == "学习进度已全部同步" and widget.last_label.text() == "尚未同步"
        widget.set_state("offline")
        assert widget.state_label.text() == "离线 —— 学习进度保存在本机"
    finally:
        translator.set_language("en")


def test_sentences_get_a_space_after_an_english_one_and_none_after_a_chinese_full_stop() -> None:
    from client.messages import sentences

    assert sentences("Could not get the list.", "The server cannot be reached.") == (
        "Could not get the list. The server cannot be reached.")
    assert sentences("无法获取最新的课程列表。", "无法连接服务器。") == "无法获取最新的课程列表。无法连接服务器。"
    assert sentences("下载失败：", "", "请联系培训管理员。") == "下载失败：请联系培训管理员。"
    assert sentences("", "Only one.") == "Only one."
