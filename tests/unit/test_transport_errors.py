"""How the client reads the server's HTTP errors: what is worth another try and what needs a person."""

from __future__ import annotations

import json
import time

import pytest

from sync.net.transport import error_for
from sync.protocol.errors import AuthError, FormatError, RejectedError, RetryableError, ServerBusyError, SyncError


@pytest.mark.parametrize(("status", "code", "kind", "expected_code"), [
    (408, "body_timeout", RetryableError, "body_timeout"),  # a slow link: try again, never give up the batch
    (408, None, RetryableError, "timeout"),
    (500, None, RetryableError, "server_error"),
    (503, "server_busy", ServerBusyError, "server_busy"),
    (429, "too_many_attempts", ServerBusyError, "too_many_attempts"),
    (401, "token_expired", AuthError, "token_expired"),
    (423, "account_locked", AuthError, "account_locked"),
    (409, "id_conflict", RejectedError, "id_conflict"),
    (400, "bad_batch", FormatError, "bad_batch"),
    (413, None, FormatError, "format"),
])
def test_each_status_maps_to_its_kind(status: int, code: str | None, kind: type[SyncError],
                                      expected_code: str) -> None:
    body = json.dumps({"code": code, "detail": "why"}).encode() if code else b"not json"
    error = error_for(status, body, "7", "POST /api/records/batch")
    assert type(error) is kind
    assert error.code == expected_code
    assert f"HTTP {status}" in error.detail
    if isinstance(error, ServerBusyError):
        assert error.retry_after_s == 7
    assert isinstance(error, RetryableError) == (status in (408, 429, 500, 503))


def test_the_servers_clock_is_read_from_each_answers_date_header() -> None:
    """A server whose clock is two years ahead of this PC's (as when the PC's is two years behind):
    the transport's offset says so, to within the second the header is rounded to (a day's slack here)."""
    import threading
    from email.utils import formatdate
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from sync.net.transport import Transport

    two_years_s = 730 * 86400

    class Ahead(BaseHTTPRequestHandler):
        def date_time_string(self, timestamp: float | None = None) -> str:
            return formatdate((timestamp or time.time()) + two_years_s, usegmt=True)

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"true")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ahead)
    server.timeout = 10  # with no request (the client failed first), handle_request still returns
    serving = threading.Thread(target=server.handle_request, daemon=True)  # the one request
    serving.start()
    transport = Transport(f"http://127.0.0.1:{server.server_address[1]}")
    try:
        assert transport.server_clock_offset_s is None  # nothing heard yet
        assert transport.request("GET", "/api/health") is True
        offset = transport.server_clock_offset_s
        assert offset is not None and abs(offset - two_years_s) < 86400
    finally:
        transport.close()
        serving.join()
        server.server_close()
