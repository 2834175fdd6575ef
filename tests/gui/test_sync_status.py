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
from tests.integration.test_sync import assert_exactly_once, fill, fresh_connections, session_via
from tests.support.cutting_proxy import CuttingProxy, Plan, after_request, respond
from tests.support.server_process import ServerProcess


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
