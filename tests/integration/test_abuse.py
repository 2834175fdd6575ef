"""Abuse and overload against a real server process: sign-in throttling (no lockout anyone can
trigger, no enumeration, an atomic count), refresh-token reuse, the device cap, body limits
while streaming, half-open connections, admission control, the API docs, symlinks in the
repository, malformed small JSON bodies, and the audit log."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import math
import select
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests
import sqlalchemy as sa

from sync.account.auth import AuthService
from sync.protocol.errors import ServerBusyError
from sync.protocol.keys import PrivateKey
from sync.site.config import SiteConfig
from tests.support.ingest import login
from tests.support.module_server import BACKENDS, module_server
from tests.support.server_process import ServerProcess, add_user

FREE_FAILURES = 3  # server.throttle.ACCOUNT_FREE_FAILURES


def throttle_until(server: ServerProcess, name: str, address: str, min_wait_s: int) -> requests.Response:
    """Wrong passwords for ``name`` (waiting out each wait) until the server asks for ``min_wait_s``."""
    for _ in range(20):
        r = login(server, name, "wrong-pw", address)
        if r.status_code == 429:
            if int(r.headers["Retry-After"]) >= min_wait_s:
                return r
            time.sleep(int(r.headers["Retry-After"]))
        else:
            assert r.status_code == 401
    raise AssertionError("the wait never grew")


@pytest.fixture(scope="module", params=BACKENDS)
def shared_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """One server per backend for the tests that keep to account names and addresses of their own
    (sign-in throttling counts per name and per address). A test that measures the server itself (its
    memory, its whole audit log, its slots) has a fresh one."""
    with module_server(request, tmp_path_factory) as proc:
        yield proc


def audit(server: ServerProcess, *args: str) -> list[list[str]]:
    out = server.cli("audit", *args).stdout.splitlines()
    assert out[0].split("\t") == ["at", "actor", "action", "target", "address", "result", "detail"]
    return [line.split("\t") for line in out[1:]]


@pytest.mark.databases
def test_a_flood_of_wrong_passwords_is_throttled_and_never_locks_the_owner_out(shared_server: ServerProcess,
                                                                                tmp_path: Path) -> None:
    server = shared_server
    add_user(server, "owner", "owner-pw")
    checked, refused = 0, []
    start = time.monotonic()
    for _ in range(400):  # as fast as one attacker can, from one address, for a few seconds
        r = login(server, "owner", "guess-pw", "127.0.0.66")
        assert r.status_code in (401, 429), r.text
        if r.status_code == 401:
            checked += 1
        else:
            refused.append(r)
        # on a loaded machine a sign-in may take longer than the first waits: go on until refused
        if time.monotonic() - start > 5 and (refused or time.monotonic() - start > 120):
            break
    elapsed = time.monotonic() - start
    # the owner, from their own PC, signs in once the wait (if one is still running) has passed
    first = login(server, "owner", "owner-pw", "127.0.0.67")
    if first.status_code == 429:
        time.sleep(int(first.headers["Retry-After"]))
    else:
        assert first.status_code == 200
    auth = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url))
    assert not auth.sign_in("owner", "owner-pw").offline

    # each password actually checked past the free ones doubles the wait: 1, 2, 4 ... seconds
    assert checked <= FREE_FAILURES + math.log2(elapsed + 1) + 1, (checked, elapsed)
    assert refused
    for r in refused:
        assert r.json()["code"] == "too_many_attempts" and int(r.headers["Retry-After"]) >= 1
    assert "LOCKED" not in server.cli("user", "list").stdout
    # a success cleared the name's count
    assert login(server, "owner", "wrong-pw").status_code == 401

    rows = audit(server, "--user", "owner")
    results = [(r[2], r[5]) for r in rows]
    assert ("sign_in", "wrong_password") in results and ("sign_in", "ok") in results
    assert results.count(("sign_in", "wrong_password")) == checked + 1  # refused tries were never checked
    assert {r[4] for r in rows if r[5] == "wrong_password"} >= {"127.0.0.66"}


@pytest.mark.parametrize("shared_server", ["sqlite"], indirect=True)
def test_known_and_unknown_names_answer_alike(shared_server: ServerProcess, tmp_path: Path) -> None:
    server = shared_server
    add_user(server, "known", "known-pw")
    answers: dict[str, set[tuple[int, str]]] = {}
    for name, address in (("known", "127.0.0.71"), ("nobody-here", "127.0.0.72")):
        seen = set()
        for _ in range(6):
            r = login(server, name, "wrong-pw", address)
            seen.add((r.status_code, r.text))
        answers[name] = seen
    assert answers["known"] == answers["nobody-here"]
    assert {status for status, _ in answers["known"]} == {401, 429}
    # the client says "wait", not "the server cannot be reached"
    with pytest.raises(ServerBusyError) as e:
        AuthService(tmp_path / "pc", SiteConfig(server_url=server.url)).sign_in("nobody-here", "x-pw")
    assert e.value.code == "too_many_attempts" and e.value.retry_after_s


@pytest.mark.databases
def test_parallel_guesses_check_few_passwords_and_the_right_one_gets_no_tokens(shared_server: ServerProcess) -> None:
    server = shared_server
    add_user(server, "target", "target-pw")

    def burst(name: str, right: str | None, address: str) -> list[requests.Response]:
        passwords = [f"guess-{i}" for i in range(59)] + [right or "guess-59"]
        with concurrent.futures.ThreadPoolExecutor(60) as pool:
            return list(pool.map(lambda pw: login(server, name, pw, address), passwords))

    # a fresh name: the count is atomic, so 60 guesses at once get only the free tries checked
    start = time.monotonic()
    answers = burst("target", None, "127.0.0.81")
    elapsed = time.monotonic() - start
    checked = sum(r.status_code == 401 for r in answers)
    # 429 once the name's wait runs; 503 + Retry-After for those that came before it while every place of the
    # password pool was taken (a sign-in without a place writes and checks nothing)
    assert {r.status_code for r in answers} <= {401, 429, 503}
    assert all(r.headers.get("Retry-After") for r in answers if r.status_code == 503)
    assert checked <= FREE_FAILURES + math.log2(elapsed + 1) + 1, (checked, elapsed)

    # while the name is throttled, the right password inside a burst gets no tokens
    last = throttle_until(server, "target", "127.0.0.82", 8)
    answers = burst("target", "target-pw", "127.0.0.83")
    assert all(r.status_code == 429 for r in answers), [r.status_code for r in answers]
    assert not any("access_token" in r.text for r in answers)
    time.sleep(int(last.headers["Retry-After"]))
    assert login(server, "target", "target-pw", "127.0.0.83").status_code == 200


@pytest.mark.databases
def test_an_admin_unlock_ends_the_wait(shared_server: ServerProcess) -> None:
    server = shared_server
    add_user(server, "forgetful", "right-pw")
    throttle_until(server, "forgetful", "127.0.0.91", 2)
    assert login(server, "forgetful", "right-pw", "127.0.0.92").status_code == 429
    server.cli("user", "unlock", "forgetful")
    assert login(server, "forgetful", "right-pw", "127.0.0.92").status_code == 200
    assert ["user unlock", "ok"] in [[r[2], r[5]] for r in audit(server, "--user", "forgetful")]


def _refresh(server: ServerProcess, token: str) -> requests.Response:
    return requests.post(server.url + "/api/auth/refresh", json={"refresh_token": token}, timeout=30)


def _me(server: ServerProcess, access: str) -> int:
    return requests.get(server.url + "/api/auth/me", headers={"Authorization": f"Bearer {access}"},
                        timeout=10).status_code


@pytest.mark.databases
def test_refresh_token_reuse_revokes_the_family(shared_server: ServerProcess) -> None:
    server = shared_server
    add_user(server, "sun", "pass-word")
    t0 = login(server, "sun", "pass-word").json()
    t1 = _refresh(server, t0["refresh_token"]).json()
    t2 = _refresh(server, t1["refresh_token"]).json()
    other = login(server, "sun", "pass-word").json()  # another sign-in: another family
    assert _me(server, t2["access_token"]) == 200
    # t0 comes back although its successor t1 was used: someone kept a copy
    stolen = _refresh(server, t0["refresh_token"])
    assert stolen.status_code == 401 and stolen.json()["code"] == "token_reused"
    assert _me(server, t2["access_token"]) == 401
    assert _refresh(server, t2["refresh_token"]).status_code == 401
    assert _me(server, other["access_token"]) == 200 and _refresh(server, other["refresh_token"]).status_code == 200
    assert ["sun", "refresh", "token_reused"] in [[r[1], r[2], r[5]] for r in audit(server, "--user", "sun")]


@pytest.mark.databases
def test_a_lost_answer_may_be_retried_once_and_never_more(shared_server: ServerProcess) -> None:
    server = shared_server
    add_user(server, "moon", "pass-word")
    old = login(server, "moon", "pass-word").json()["refresh_token"]
    lost = _refresh(server, old).json()  # the answer never arrived
    again = _refresh(server, old)
    assert again.status_code == 200
    assert _me(server, lost["access_token"]) == 401  # the lost pair is superseded
    third = _refresh(server, old)  # replayed any number of times: no
    assert third.status_code == 401 and third.json()["code"] == "token_reused"
    assert _me(server, again.json()["access_token"]) == 401

    old = login(server, "moon", "pass-word").json()["refresh_token"]
    lost = _refresh(server, old).json()
    again = _refresh(server, old)
    assert again.status_code == 200
    # the superseded token turns up after all: whoever holds it is not the owner
    r = _refresh(server, lost["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "token_reused"
    assert _me(server, again.json()["access_token"]) == 401


@pytest.mark.databases
def test_one_person_may_enrol_at_most_the_device_cap(shared_server: ServerProcess,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    server = shared_server
    add_user(server, "many", "pass-word")
    access = login(server, "many", "pass-word").json()["access_token"]
    headers = {"Authorization": f"Bearer {access}"}

    def enrol(device_id: str, key: str) -> requests.Response:
        return requests.post(server.url + "/api/devices", json={"device_id": device_id, "public_key": key},
                             headers=headers, timeout=10)

    devices = [(str(uuid.uuid4()), PrivateKey.generate().public.to_text()) for _ in range(11)]
    for device_id, key in devices[:10]:
        assert enrol(device_id, key).json()["created"] is True
    over = enrol(*devices[10])
    assert over.status_code == 409 and over.json()["code"] == "too_many_devices"
    again = enrol(*devices[0])  # one already enrolled is still fine
    assert again.status_code == 200 and again.json()["created"] is False
    rows = [(r[2], r[3], r[5], r[6]) for r in audit(server, "--user", "many")]
    assert ("enrol_device", devices[10][0], "too_many_devices", "10 devices, at most 10") in rows
    assert sum(1 for r in rows if r[0] == "enrol_device" and r[2] == "ok") == 10
    # the command's run language says the details: Chinese for a Chinese run
    monkeypatch.setenv("STUDYDESK_LANG", "zh_CN")
    said = [line.split("\t")[6] for line in server.cli("audit", "--user", "many").stdout.splitlines()[1:]]
    assert "已有 10 台设备，最多 10 台" in said and said.count("由学员的应用登记") == 10


def _rss(server: ServerProcess) -> int:
    assert server.proc is not None
    return int(psutil.Process(server.proc.pid).memory_info().rss)


def _chunked_upload(server: ServerProcess, path: str, limit_bytes: int) -> tuple[int, bytes]:
    """Send a chunked body with no Content-Length until the server answers or ``limit_bytes`` went
    out; (bytes sent, the answer's first bytes)."""
    chunk = b"x" * 65536
    frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode())
        while sent < limit_bytes:
            if select.select([s], [], [], 0)[0]:
                break
            try:
                s.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        try:
            return sent, s.recv(4096)
        except ConnectionResetError:
            return sent, b""


def test_a_chunked_body_over_the_cap_is_refused_while_it_streams(server: ServerProcess) -> None:
    before = _rss(server)
    peak = before
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(_chunked_upload, server, "/api/auth/login", 250 * 1024 * 1024) for _ in range(4)]
        while not all(f.done() for f in futures):
            peak = max(peak, _rss(server))
            time.sleep(0.05)
        results = [f.result() for f in futures]
    for sent, answer in results:
        assert sent < 64 * 1024 * 1024, f"the server took {sent >> 20} MB before answering"
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert peak - before < 80 * 1024 * 1024, f"the server grew by {(peak - before) >> 20} MB"
    assert requests.get(server.url + "/api/health", timeout=10).ok


@pytest.mark.parametrize("shared_server", ["sqlite"], indirect=True)
def test_small_json_bodies_with_bad_input_answer_400_with_a_reason(shared_server: ServerProcess) -> None:
    server = shared_server
    add_user(server, "plain", "pass-word")
    access = login(server, "plain", "pass-word").json()["access_token"]
    cases = [
        ("/api/auth/login", b'{"username":"\\ud800","password":"x-pw"}', "bad_unicode"),
        ("/api/auth/login", b'{"username":"plain","password":NaN}', "bad_number"),
        ("/api/auth/login", b'{"username":"plain","username":"x","password":"p"}', "duplicate_key"),
        ("/api/auth/login", b'{"username":' + b"[" * 10 + b"]" * 10 + b"}", "too_deep"),
        ("/api/auth/login", b'{"username":"plain"', "malformed_json"),
        ("/api/auth/login", b'{"username":1,"password":"x-pw"}', "bad_field"),
        ("/api/auth/login", b'["plain"]', "malformed_json"),
        ("/api/auth/refresh", b'{"refresh_token":"\\udfff-----------"}', "bad_unicode"),
        ("/api/auth/refresh", b'{"refresh_token":Infinity}', "bad_number"),
        ("/api/devices", b'{"device_id":"\\ud800","public_key":"x"}', "bad_unicode"),
        ("/api/devices", b'{"device_id":1e999}', "bad_number"),
    ]
    for path, body, code in cases:
        r = requests.post(server.url + path, data=body, headers={"Authorization": f"Bearer {access}"}, timeout=10)
        assert (r.status_code, r.json()["code"]) == (400, code), (path, body, r.text)
    r = requests.post(server.url + "/api/auth/login", data=b'{"username":"' + b"x" * 20_000 + b'"}', timeout=10)
    assert (r.status_code, r.json()["code"]) == (413, "too_large")
    assert login(server, "plain", "pass-word").status_code == 200


@pytest.mark.parametrize("shared_server", ["sqlite"], indirect=True)
def test_api_docs_are_not_served_and_admins_get_them_from_the_command_line(shared_server: ServerProcess) -> None:
    server = shared_server
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        r = requests.get(server.url + path, timeout=10)
        assert r.status_code == 404 and "openapi" not in r.text.lower(), path
    document = json.loads(server.cli("openapi").stdout)
    assert "/api/auth/login" in document["paths"]


def test_a_symlink_under_the_repository_is_not_served(server: ServerProcess, tmp_path: Path) -> None:
    keys = server.data_dir / "keys"
    secret = b"-----BEGIN ENCRYPTED PRIVATE KEY----- not for the network"
    (keys / "publisher.pem").write_bytes(secret)
    blobs = server.data_dir / "repo" / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    name = "ab" * 32
    (blobs / name).symlink_to(keys / "publisher.pem")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "1.json").write_bytes(secret)
    (server.data_dir / "repo" / "manifests").mkdir(parents=True, exist_ok=True)
    (server.data_dir / "repo" / "manifests" / "evil").symlink_to(outside, target_is_directory=True)
    (blobs / ("cd" * 32)).write_bytes(b"a real blob")
    for path in (f"blobs/sha256/{name}", "manifests/evil/1.json"):
        for method in (requests.get, requests.head):
            r = method(f"{server.url}/repo/{path}", timeout=10)
            assert r.status_code >= 400 and secret not in r.content, (path, r.status_code)
    assert requests.get(f"{server.url}/repo/blobs/sha256/{'cd' * 32}", timeout=10).content == b"a real blob"


@pytest.fixture
def quick_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str | None) -> Iterator[ServerProcess]:
    """A server that gives a connection 2 s to send its headers and serves 2 API requests at once."""
    monkeypatch.setenv("STUDYDESK_HEADER_TIMEOUT_S", "2")
    monkeypatch.setenv("STUDYDESK_API_SLOTS", "2")
    proc = ServerProcess(tmp_path / "quick-data", database_url=database).start()
    try:
        yield proc
    finally:
        proc.stop()


def test_half_open_connections_do_not_stop_the_server(quick_server: ServerProcess) -> None:
    server = quick_server
    sockets = []
    try:
        for i in range(300):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            if i % 3:  # a partial header, or nothing at all
                s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            sockets.append(s)
        start = time.monotonic()
        assert requests.get(server.url + "/api/health", timeout=10).ok
        assert time.monotonic() - start < 5
        # the server closes every one of them once the header timeout has passed
        deadline = time.monotonic() + 15
        open_ones = list(sockets)
        while open_ones and time.monotonic() < deadline:
            readable, _, _ = select.select(open_ones, [], [], 0.5)
            for s in readable:
                try:
                    data = s.recv(1024)
                except ConnectionResetError:
                    data = b""
                if not data:
                    open_ones.remove(s)
        assert not open_ones, f"{len(open_ones)} half-open connections still open"
        assert requests.get(server.url + "/api/health", timeout=10).ok
    finally:
        for s in sockets:
            s.close()


def test_a_client_back_after_the_longest_retry_after_finds_its_connection_open(server: ServerProcess) -> None:
    from server.limits import BUSY_JITTER, RETRY_AFTER_S

    longest_wait_s = math.ceil(RETRY_AFTER_S * BUSY_JITTER) * 1.25  # sync.net.backoff spreads it by a quarter
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/api/health")
        assert conn.getresponse().read() and conn.sock is not None
        first = conn.sock
        time.sleep(longest_wait_s + 0.5)
        readable, _, _ = select.select([first], [], [], 0)
        assert not readable, "the server closed the idle connection before a busy client's wait was over"
        conn.request("GET", "/api/health")  # on the same connection, not a new one
        assert conn.getresponse().status == 200 and conn.sock is first
    finally:
        conn.close()


@pytest.mark.databases
def test_a_busy_database_and_too_many_requests_answer_503_with_retry_after(quick_server: ServerProcess) -> None:
    server = quick_server
    add_user(server, "busy", "pass-word")
    token = login(server, "busy", "pass-word").json()["refresh_token"]
    released = threading.Event()
    with server.write_lock_held():  # another writer holds the database
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(_refresh, server, token) for _ in range(6)]
            time.sleep(0.5)
            assert requests.get(server.url + "/api/health", timeout=5).ok  # never queued behind the API
            answers = [f.result() for f in futures]
        released.set()
    for r in answers:
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "server_busy" and int(r.headers["Retry-After"]) >= 1
    assert "locked" not in " ".join(r.text for r in answers)
    assert released.is_set()
    assert _refresh(server, token).status_code == 200  # nothing was half done


@pytest.mark.databases
def test_uploads_beyond_the_upload_slots_are_turned_away_with_retry_after_and_sync_later(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str | None) -> None:
    from tests.support.ingest import chain, enrolled_client, statuses

    monkeypatch.setenv("STUDYDESK_UPLOAD_SLOTS", "1")
    server = ServerProcess(tmp_path / "upload-data", database_url=database).start()
    try:
        for i in range(5):
            add_user(server, f"up-{i}", "pass-word")
        people = [enrolled_client(server, f"up-{i}") for i in range(5)]
        batches = [chain(p.signer, 10) for p in people]

        def post(k: int) -> ServerBusyError | list[dict[str, object]]:
            try:
                return people[k].api.post_batch(batches[k])
            except ServerBusyError as exc:
                return exc

        with server.write_lock_held(), concurrent.futures.ThreadPoolExecutor(5) as pool:
            answers = list(pool.map(post, range(5)))
        assert all(isinstance(a, ServerBusyError) for a in answers), answers
        busy = [a for a in answers if isinstance(a, ServerBusyError)]
        assert all(a.code == "server_busy" and (a.retry_after_s or 0) >= 1 for a in busy)
        # one batch took the only slot and waited for the database; the others were turned away by the slot
        turned_away = [a for a in busy if "record uploads" in a.detail]
        assert len(turned_away) == 4, [a.detail for a in busy]
        for person, batch in zip(people, batches, strict=True):  # nothing was half done: each syncs later
            assert statuses(person.api.post_batch(batch)) == ["stored"] * 10
        assert server.sql("SELECT COUNT(*) FROM records")[0][0] == 50
    finally:
        server.stop()


@pytest.mark.databases
def test_the_audit_log_lists_admin_commands_and_filters(server: ServerProcess) -> None:
    add_user(server, "alpha", "pass-word")
    add_user(server, "beta", "pass-word")
    assert login(server, "alpha", "pass-word").status_code == 200
    rows = audit(server)
    assert [r[2] for r in rows if r[1] != "alpha"][:2] == ["user add", "user add"]
    alpha = audit(server, "--user", "alpha")
    assert {(r[2], r[5]) for r in alpha} == {("user add", "ok"), ("sign_in", "ok")}
    assert audit(server, "--since", "2999-01-01") == []
    for change in ("DELETE FROM audit_log", "UPDATE audit_log SET result = 'ok'"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            server.sql(change)
    assert audit(server)[: len(rows)] == rows  # nothing changed, nothing went


def test_a_sign_in_flood_gets_503_while_records_still_sync(server: ServerProcess) -> None:
    from tests.support.ingest import chain, enrolled_client, statuses

    add_user(server, "steady", "pass-word")
    steady = enrolled_client(server, "steady")
    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        flood = [pool.submit(login, server, f"flood-{i}", "guess-pw", f"127.0.1.{i}") for i in range(120)]
        # stored on its first try: a sign-in turned away (503) never queued for the write lock, so
        # the batch is never answered "database is busy" (its time: ./run bench sign_in_flood)
        assert statuses(steady.api.post_batch(chain(steady.signer, 20))) == ["stored"] * 20
        answers = [f.result() for f in flood]
    for r in answers:
        assert r.status_code in (401, 503), r.text
        if r.status_code == 503:
            assert r.json()["code"] == "server_busy" and int(r.headers["Retry-After"]) >= 1
