"""A client a busy worker turns away comes back on a new connection, which any worker may accept.

Workers share one listening socket and a kept-alive connection stays with the worker that accepted
it, so a client turned away with 503 + Retry-After used to come back, after its wait, to the same
busy worker, while another might stand idle. The 503 of a busy server now closes the connection
(``Connection: close``): the client's next try opens a new one, and the worker free to accept it
first takes it.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import select
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from sync.net.transport import encode_body
from tests.support.ingest import chain, enrolled_client, statuses
from tests.support.server_process import ServerProcess, add_user


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def _post(port: int, token: str, body: bytes) -> tuple[Answer, socket.socket]:
    """One batch over a connection of its own: the answer and that connection, still open on this
    side (for what the server did with it)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (f"POST /api/records/batch HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n")
    sock.sendall(head.encode() + body)
    resp = http.client.HTTPResponse(sock)
    resp.begin()
    return Answer(resp.status, resp.headers, resp.read()), sock


def _closed_by_server(sock: socket.socket) -> bool:
    """The server closed its end: the socket reads as end of stream (or reset) at once."""
    readable, _, _ = select.select([sock], [], [], 5.0)
    if not readable:
        return False
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


@pytest.mark.databases
def test_a_batch_turned_away_for_want_of_an_upload_slot_closes_its_connection(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str | None) -> None:
    monkeypatch.setenv("STUDYDESK_UPLOAD_SLOTS", "1")
    server = ServerProcess(tmp_path / "site", database_url=database, workers=2 if database else 1).start()
    try:
        add_user(server, "busy", "pass-word")
        person = enrolled_client(server, "busy")
        tokens = person.api.tokens
        assert tokens is not None
        records = chain(person.signer, 10)
        body = encode_body({"records": [r.to_dict() for r in records]}, gzip_body=True)[0]
        # another writer holds the database: each worker's one upload slot goes to a batch that waits
        # for it (and is answered busy after the lock timeout), the batches after those find no slot
        with server.write_lock_held(), concurrent.futures.ThreadPoolExecutor(5) as pool:
            answers = list(pool.map(lambda _: _post(server.port, tokens.access_token, body), range(5)))
        assert [resp.status for resp, _ in answers] == [503] * 5
        details = sorted(json.loads(resp.body)["detail"] for resp, _ in answers)
        # each worker's slot holder waited for the lock; every other batch was refused a slot
        assert sum("record uploads" in d for d in details) >= 5 - server.workers, details
        for resp, sock in answers:
            assert int(resp.headers["Retry-After"]) >= 1
            assert resp.headers["Connection"] == "close"
            assert _closed_by_server(sock), "the server kept a turned-away client's connection open"
        # the client comes back on a new connection and is served; that one is kept alive
        resp, sock = _post(server.port, tokens.access_token, body)
        assert resp.status == 200, resp.body
        assert statuses(json.loads(resp.body)["results"]) == ["stored"] * 10
        assert resp.headers.get("Connection") != "close"
        readable, _, _ = select.select([sock], [], [], 0.5)
        assert not readable, "the server closed a served client's connection"
        assert server.sql("SELECT COUNT(*) FROM records")[0][0] == 10
        for _, s in [*answers, (resp, sock)]:
            s.close()
    finally:
        server.stop()

