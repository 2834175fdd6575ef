"""How the client reads the server's HTTP errors: what is worth another try and what needs a person."""

from __future__ import annotations

import json

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
