"""HTTP to the StudyDesk server: one requests session, TLS always verified, timeouts, gzip bodies.

Maps every failure onto the sync error tree (sync/protocol/errors.py), so callers decide by type:
connection refused/reset/timeout, 408 (the server stopped waiting for a slow body) and 5xx ->
RetryableError; 429/503 -> ServerBusyError with the server's Retry-After; 401/423 -> AuthError
with the server's code; 409 -> RejectedError; other 4xx -> FormatError. Each answer's Date header
tells how far the server's clock is from this PC's (``server_clock_offset_s``). Must not import Qt,
client/ or server/.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from sync.net.backoff import parse_retry_after
from sync.protocol.errors import AuthError, FormatError, RejectedError, RetryableError, ServerBusyError, SyncError

DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read


def _authorization_as_given(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """The request's auth: it leaves the request as made (its Authorization the session's Bearer token, or
    none)."""
    return request


class _Session(requests.Session):
    """requests' Session, but it never puts the user's ~/.netrc password for the server's host in the
    token's place: not when it prepares a request (its own auth, ``_authorization_as_given``, leaves
    requests nothing to look up), nor after a redirect, where the token stays for the same host (a path
    to the path with or without its last slash, http to https on the standard ports) and goes, as
    requests decides, for another."""

    def __init__(self) -> None:
        super().__init__()
        self.auth = _authorization_as_given

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        if "Authorization" in prepared_request.headers and self.should_strip_auth(
                response.request.url or "", prepared_request.url or ""):
            del prepared_request.headers["Authorization"]


@dataclass
class WireStats:
    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0


@dataclass
class Transport:
    base_url: str
    verify: bool | str = True
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    session: requests.Session = field(default_factory=_Session)
    stats: WireStats = field(default_factory=WireStats)
    server_clock_offset_s: float | None = field(default=None, init=False)
    """The server's clock minus this PC's, in seconds, by the Date header of the last answer that had
    one (None before): a PC's clock may be years off (a dead CMOS battery), the server's is kept right.
    The header is to the second, so this is too, give or take the answer's way back."""
    environment: dict[str, Any] = field(init=False, repr=False)
    """What the system says for requests to ``base_url``, as requests' Session works it out before each
    request: the proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY; on Windows without them, the
    registry's Internet settings) and the CA bundle for ``verify=True`` (REQUESTS_CA_BUNDLE). Worked out
    once: every request goes to the same server, and reading the whole environment took a third of the
    CPU time of a small request; a change of the proxy settings applies from the next sign-in."""

    def __post_init__(self) -> None:
        if self.verify is False:
            raise ValueError("TLS verification cannot be turned off")
        self.base_url = self.base_url.rstrip("/")
        self.session.headers["User-Agent"] = "StudyDesk/0.1"
        self.environment = self.session.merge_environment_settings(self.base_url + "/", {}, None, self.verify, None)

    def request(self, method: str, path: str, *, body: Any = None, gzip_body: bool = False,
                token: str | None = None, raw: bool = False) -> Any:
        """The answer's JSON; with ``raw``, its bytes (a PDF, a signed document kept as it came)."""
        headers: dict[str, str] = {"Accept": "*/*" if raw else "application/json"}
        data: bytes | None = None
        if body is not None:
            data, content_headers = encode_body(body, gzip_body=gzip_body)
            headers.update(content_headers)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            # Session.request, with the environment's settings worked out once (``environment``)
            prepared = self.session.prepare_request(requests.Request(
                method.upper(), self.base_url + path, data=data or {}, headers=headers))
            resp = self.session.send(prepared, timeout=self.timeout, allow_redirects=True, **self.environment)
            content = resp.content
            self._read_server_clock(resp.headers.get("Date"))
        except requests.exceptions.SSLError as exc:
            raise RetryableError("tls", f"TLS check of {self.base_url} failed: {exc}") from exc
        except requests.RequestException as exc:
            raise RetryableError("network", f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        self.stats.requests += 1
        self.stats.bytes_sent += len(data or b"")
        self.stats.bytes_received += len(content)
        if resp.status_code >= 400:
            raise error_for(resp.status_code, content, resp.headers.get("Retry-After"), f"{method} {path}")
        if raw:
            return content
        try:
            return json.loads(content) if content else None
        except ValueError as exc:
            raise RetryableError("bad_response", f"{method} {path}: the answer is not JSON") from exc

    def _read_server_clock(self, header: str | None) -> None:
        try:
            moment = parsedate_to_datetime(header or "")
        except (TypeError, ValueError):
            return  # no Date header, or one not read: the offset stays as it was
        server_time = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()
        # the header's second began at most a second before the server's true time: its middle
        self.server_clock_offset_s = server_time + 0.5 - time.time()

    def close(self) -> None:
        self.session.close()


def encode_body(body: Any, *, gzip_body: bool = False) -> tuple[bytes, dict[str, str]]:
    """A request's JSON body as sent, and its content headers."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if not gzip_body:
        return data, {"Content-Type": "application/json"}
    return gzip.compress(data, compresslevel=6), {"Content-Type": "application/json", "Content-Encoding": "gzip"}


def error_for(status: int, content: bytes, retry_after: str | None, what: str) -> SyncError:
    """The error an answer of HTTP ``status`` (400 or more) stands for; ``retry_after`` is its
    Retry-After header, ``what`` names the request in the detail."""
    try:
        payload = json.loads(content)
    except ValueError:
        payload = {}
    payload = payload if isinstance(payload, dict) else {}
    code = payload.get("code") if isinstance(payload.get("code"), str) else None
    detail = payload.get("detail")
    detail = f"{what}: HTTP {status}: {detail if isinstance(detail, str) else ''}".rstrip(": ")
    if status in (429, 503):  # "too_many_attempts" for sign-ins, else "server_busy"
        return ServerBusyError(code or "server_busy", detail, parse_retry_after(retry_after))
    if status >= 500:
        return RetryableError("server_error", detail)
    if status == 408:  # the body arrived too slowly: a slow or broken link, worth another try
        return RetryableError(code or "timeout", detail)
    if status in (401, 403, 423):
        return AuthError(code or "auth", detail)
    if status == 409:
        return RejectedError(code or "rejected", detail)
    return FormatError(code or "format", detail)
