"""The uploader against a real server process, through a real proxy that cuts connections,
with the server killed mid-batch and restarted: zero loss, zero duplicates (checked on the
server's own database), Retry-After honoured, expired tokens refreshed."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.account.auth import AuthService
from sync.net.backoff import Backoff
from sync.net.transport import Transport
from sync.protocol.errors import AuthError, CancelledError, RetryableError
from sync.site.config import SiteConfig
from tests.support.courses import publish_lessons
from tests.support.cutting_proxy import CuttingProxy, Plan, after_request, cut_request, cut_response, respond
from tests.support.module_server import module_server
from tests.support.server_process import ServerProcess, add_user, free_port
from tests.support.uploads import assert_exactly_once, fill, fresh_connections, server_rows, session_via
from tests.support.watch import Timeline


class FakeTime:
    """Stands in for the wall of time only: sleeps are recorded, not slept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s

    def clock(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """One server for the tests that upload as a person of their own and read back only that person's
    records; a test that stops, kills or publishes on its server has a fresh one (``server``)."""
    with module_server(request, tmp_path_factory) as proc:
        yield proc


_people = itertools.count(1)


@pytest.fixture
def person() -> str:
    """An account name no other test on the shared server uses."""
    return f"cadre-{next(_people)}"


@pytest.fixture
def proxy(shared_server: ServerProcess) -> Iterator[CuttingProxy]:
    with CuttingProxy(shared_server.port) as p:
        yield p


def test_sync_drains_outbox_and_transcript_matches(server: ServerProcess, tmp_path: Path) -> None:
    publish_lessons(server.data_dir, "c1", {"l0": 60.0, "l1": 60.0, "l2": 60.0})
    s = session_via(server.url, server, tmp_path / "pc")
    fill(s, 30)
    result = s.uploader(batch_size=7).sync_once()
    assert (result.sent, result.acked, result.rejected, result.errors, result.batches) == (30, 30, 0, [], 5)
    assert s.outbox().last_sync_at() is not None
    assert_exactly_once(server, s, 30)
    t = s.api.transcript()
    assert t["records"] == 30
    assert sum(lesson["credited_s"] for lesson in t["courses"][0]["lessons"]) == 30.0
    assert t["courses"][0]["set_aside"] == {} and t["gaps"] == []
    assert s.uploader().sync_once().sent == 0  # nothing left


def test_cuts_mid_request_and_mid_response_lose_and_duplicate_nothing(shared_server: ServerProcess, person: str,
                                                                      proxy: CuttingProxy, tmp_path: Path) -> None:
    server = shared_server
    s = session_via(proxy.url, server, tmp_path / "pc", person)
    fill(s, 120)
    t = FakeTime()
    fresh_connections(s)
    # the first connection is the health probe; then each cut hits one batch upload
    proxy.plan(Plan(), cut_request(900), cut_response(40), cut_request(300), cut_response(5))
    result = s.uploader(batch_size=50, sleep=t.sleep, clock=t.clock).sync_once()
    assert result.errors == [] and result.acked >= 120
    assert proxy.pending_plans() == 0 and len(t.sleeps) == 4
    assert_exactly_once(server, s, 120)


def test_server_killed_mid_batch_and_restarted(server: ServerProcess, tmp_path: Path) -> None:
    with CuttingProxy(server.port) as proxy:
        s = session_via(proxy.url, server, tmp_path / "pc")
        fill(s, 400)
        fresh_connections(s)
        # kill the server as soon as the first batch has fully reached it: it may or may not have committed
        proxy.plan(Plan(), after_request(2000, server.kill))
        t = FakeTime()
        first = s.uploader(batch_size=200, sleep=t.sleep, clock=t.clock, max_wait_s=5).sync_once()
        assert first.codes == ["network"] and isinstance(first.errors[0], RetryableError)
        server.start()
        # again with more to send, and let the server die a moment later: while receiving, verifying,
        # committing or answering some batch
        fill(s, 800)
        proxy.plan(Plan(), after_request(2000, lambda: threading.Timer(0.1, server.kill).start()))
        second = s.uploader(batch_size=200, sleep=t.sleep, clock=t.clock, max_wait_s=5).sync_once()
        assert second.codes == ["network"] and isinstance(second.errors[0], RetryableError)
        server.start()
        third = s.uploader(batch_size=200).sync_once()
        assert third.errors == []
        assert_exactly_once(server, s, 1200)


def test_server_restarted_while_uploader_backs_off(server: ServerProcess, tmp_path: Path) -> None:
    s = session_via(server.url, server, tmp_path / "pc")
    fill(s, 20)
    server.stop()
    timer = threading.Timer(1.0, server.start)
    timer.start()
    try:
        result = s.uploader(backoff=Backoff(base_s=0.1, cap_s=0.5), max_wait_s=30).sync_once()
    finally:
        timer.join()
    assert result.errors == []
    assert_exactly_once(server, s, 20)


def test_retry_after_is_honoured_for_429_and_503(shared_server: ServerProcess, person: str, proxy: CuttingProxy,
                                                 tmp_path: Path) -> None:
    server = shared_server
    s = session_via(proxy.url, server, tmp_path / "pc", person)
    fill(s, 5)
    fresh_connections(s)
    t = FakeTime()
    # first connection is the health probe (passes), then two busy answers, then the real upload
    proxy.plan(Plan(), respond(429, "Too Many Requests", {"Retry-After": "7"}),
               respond(503, "Service Unavailable", {"Retry-After": "3"}))
    result = s.uploader(sleep=t.sleep, clock=t.clock).sync_once()
    assert result.errors == [] and result.acked == 5
    assert t.sleeps == [7.0, 3.0]


def test_5xx_backs_off_with_jitter_then_gives_up(shared_server: ServerProcess, person: str, proxy: CuttingProxy,
                                                 tmp_path: Path) -> None:
    server = shared_server
    s = session_via(proxy.url, server, tmp_path / "pc", person)
    fill(s, 3)
    fresh_connections(s)
    t = FakeTime()
    proxy.plan(Plan(), *[respond(502, "Bad Gateway") for _ in range(40)])
    result = s.uploader(sleep=t.sleep, clock=t.clock, max_wait_s=20, backoff=Backoff(base_s=1, cap_s=8)).sync_once()
    assert result.codes == ["server_error"] and isinstance(result.errors[0], RetryableError)
    assert len(t.sleeps) >= 3 and all(0 <= x <= 8 for x in t.sleeps) and len(set(t.sleeps)) > 1
    assert s.outbox().pending_count() == 3  # nothing marked, nothing lost


def test_expired_access_token_is_refreshed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYDESK_ACCESS_TTL_S", "0.5")
    srv = ServerProcess(tmp_path / "srv").start()
    try:
        s = session_via(srv.url, srv, tmp_path / "pc")
        before = s.api.tokens
        threading.Event().wait(1.0)
        fill(s, 4)
        result = s.uploader().sync_once()
        assert result.errors == [] and result.acked == 4
        assert s.api.tokens != before
        # the rotated tokens were sealed again: an offline sign-in finds the new ones
        srv.stop()
        off = AuthService(tmp_path / "pc", SiteConfig(server_url=srv.url)).sign_in("cadre", "pass-word")
        assert off.offline and off.api.tokens == s.api.tokens
    finally:
        srv.stop()


def test_rejected_records_are_kept_with_reason_and_not_resent(shared_server: ServerProcess, person: str,
                                                              tmp_path: Path) -> None:
    server = shared_server
    s = session_via(server.url, server, tmp_path / "pc", person)
    fill(s, 2)
    # another PC's device cannot sign for this user: simulate a record this device never enrolled
    other = session_via(server.url, server, tmp_path / "pc2", name=f"{person}-other")
    from sync.protocol.records import DeviceSigner
    from sync.records.outbox import Outbox

    foreign = Outbox(s.db(), DeviceSigner(other.device_id, s.user_id, other.device.key))
    foreign.append("watch", "c1", "l1", {"segments": [[0, 5]]})
    result = s.uploader().sync_once()
    assert result.acked == 2 and result.rejected == 1
    assert [reason for _, reason in s.outbox().rejected()] == ["foreign_record"]
    again = s.uploader().sync_once()
    assert again.sent == 0


def test_records_refused_for_a_reason_a_later_sync_can_fix_stay_pending(shared_server: ServerProcess, person: str,
                                                                        tmp_path: Path) -> None:
    server = shared_server
    import uuid

    from sync.protocol.keys import PrivateKey
    from sync.protocol.records import DeviceSigner
    from sync.records.outbox import Outbox

    s = session_via(server.url, server, tmp_path / "pc", person)
    fill(s, 2)
    # a record signed with a key of this person that the server does not know yet
    device_id, key = str(uuid.uuid4()), PrivateKey.generate()
    Outbox(s.db(), DeviceSigner(device_id, s.user_id, key)).append("note", None, None, {"text": "later"})
    result = s.uploader().sync_once()
    assert result.acked == 2 and result.rejected == 0 and "unknown_device" in result.codes
    assert s.outbox().pending_count() == 1 and not s.outbox().rejected()  # not "rejected for good"
    s.api.enrol_device(device_id, key.public.to_text())
    again = s.uploader().sync_once()
    assert again.acked == 1 and again.errors == [] and s.outbox().pending_count() == 0


def test_batch_too_large_for_the_server_is_split(shared_server: ServerProcess, person: str, tmp_path: Path) -> None:
    server = shared_server
    import base64
    import os

    s = session_via(server.url, server, tmp_path / "pc", person)
    ob = s.outbox()
    for _ in range(200):  # ~60 KB of incompressible text each: 200 of them exceed the 8 MB wire limit
        ob.append("note", "c1", None, {"text": base64.b64encode(os.urandom(45_000)).decode()})
    result = s.uploader(batch_size=200).sync_once()
    assert result.errors == [] and result.acked == 200 and result.batches >= 2
    assert_exactly_once(server, s, 200)


def test_cancel_stops_between_batches_and_keeps_what_was_acked(shared_server: ServerProcess, person: str,
                                                               tmp_path: Path) -> None:
    server = shared_server
    s = session_via(server.url, server, tmp_path / "pc", person)
    fill(s, 50)
    cancel = threading.Event()
    up = s.uploader(batch_size=10, on_progress=lambda r: cancel.set())
    result = up.sync_once(cancel)
    assert result.codes == ["cancelled"] and isinstance(result.errors[0], CancelledError) and result.acked == 10
    assert s.outbox().pending_count() == 40 and len(server_rows(server, s.user_id)) == 10
    assert s.uploader().sync_once().acked == 40
    assert_exactly_once(server, s, 50)


def test_one_person_on_two_pcs_has_two_chains_and_one_transcript(server: ServerProcess, tmp_path: Path) -> None:
    add_user(server, "two-pcs", "pass-word")
    pc1 = AuthService(tmp_path / "pc1", SiteConfig(server_url=server.url)).sign_in("two-pcs", "pass-word")
    pc2 = AuthService(tmp_path / "pc2", SiteConfig(server_url=server.url)).sign_in("two-pcs", "pass-word")
    assert pc1.user_id == pc2.user_id and pc1.device_id != pc2.device_id
    publish_lessons(server.data_dir, "c1", {"l1": 600.0})
    line = Timeline()  # the person watches on pc1, then on pc2
    pc1.outbox().append("watch", "c1", "l1", line.body([[0, 60]], position_s=60))
    line.wait(30)
    pc2.outbox().append("watch", "c1", "l1", line.body([[30, 90]], position_s=90))
    pc2.outbox().append("watch", "c1", "l1", line.body([[0, 10]], position_s=10))
    assert pc1.uploader().sync_once().acked == 1 and pc2.uploader().sync_once().acked == 2
    t = pc1.api.transcript()
    lesson = t["courses"][0]["lessons"][0]
    assert lesson["credited_s"] == 90.0 and lesson["records"] == 3  # overlaps across PCs count once
    assert lesson["set_aside"] == {}  # two PCs one after the other: nothing flagged


def test_the_system_proxy_settings_are_honoured(shared_server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY sends the client's requests through the proxy it names (here one that nobody answers
    at), and NO_PROXY exempts the server from it."""
    for name in [k for k in os.environ if k.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    through_proxy = Transport(shared_server.url)
    with pytest.raises(RetryableError, match="ProxyError"):
        through_proxy.request("GET", "/api/health")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert Transport(shared_server.url).request("GET", "/api/health") == {"status": "ok"}


def test_a_netrc_entry_for_the_server_leaves_the_token_in_place(shared_server: ServerProcess, person: str,
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A ~/.netrc naming the server's host (here through $NETRC) must not replace the signed-in
    person's Bearer token with its login and password, not even after a redirect."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-a-token\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    add_user(shared_server, person, "pass-word")
    pc = AuthService(tmp_path / "pc", SiteConfig(server_url=shared_server.url)).sign_in(person, "pass-word")
    assert pc.api.transcript()["records"] == 0
    # the server answers a path with a trailing slash by a redirect (307) to the path without it
    transport, tokens = pc.api.transport, pc.api.tokens
    assert tokens is not None
    redirected = transport.session.get(shared_server.url + "/api/transcript/", allow_redirects=False, timeout=10)
    assert redirected.status_code == 307 and redirected.headers["location"].endswith("/api/transcript")
    assert transport.request("GET", "/api/transcript/", token=tokens.access_token)["records"] == 0
    with pytest.raises(AuthError):  # the redirect carried the request's own (wrong) token, nothing else
        transport.request("GET", "/api/transcript/", token="not-the-token")
