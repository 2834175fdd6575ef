"""The StudyDesk server API, client side: sign-in, token refresh, devices, records, transcript,
assignments, certificates. A request that fails with an expired access token refreshes it once (rotating the
refresh token) and retries; new tokens are handed to ``on_tokens`` so the caller can keep them
sealed. Thread-safe. Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sync.net.transport import Transport
from sync.protocol.errors import AuthError, FormatError, RetryableError
from sync.protocol.records import Record


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str


class ApiClient:
    def __init__(self, transport: Transport, tokens: Tokens | None = None,
                 on_tokens: Callable[[Tokens], None] | None = None) -> None:
        self.transport = transport
        self._tokens = tokens
        self.on_tokens = on_tokens
        self._lock = threading.Lock()

    @property
    def tokens(self) -> Tokens | None:
        return self._tokens

    def _set_tokens(self, payload: dict[str, Any]) -> None:
        self._tokens = Tokens(str(payload["access_token"]), str(payload["refresh_token"]))
        if self.on_tokens is not None:
            self.on_tokens(self._tokens)

    # ----- sign-in
    def health(self) -> bool:
        try:
            return self.check_health()
        except RetryableError:
            return False

    def check_health(self) -> bool:
        """Whether the server answers its health check; raises the RetryableError (network, tls,
        timeout, server_error, ...) that says why it cannot be asked."""
        return bool(self.transport.request("GET", "/api/health"))

    def login(self, username: str, password: str) -> dict[str, Any]:
        payload = self.transport.request("POST", "/api/auth/login", body={"username": username, "password": password})
        with self._lock:
            self._set_tokens(payload)
        return dict(payload)

    def refresh(self, stale: Tokens | None = None) -> None:
        with self._lock:
            if self._tokens is None:
                raise AuthError("auth", "not signed in online")
            if stale is not None and self._tokens != stale:
                return  # another thread refreshed already
            try:
                payload = self.transport.request("POST", "/api/auth/refresh",
                                                 body={"refresh_token": self._tokens.refresh_token})
            except AuthError as exc:
                raise AuthError("auth", exc.detail) from exc
            self._set_tokens(payload)

    def _authed(self, method: str, path: str, **kw: Any) -> Any:
        tokens = self._tokens
        if tokens is None:
            raise AuthError("auth", "not signed in online")
        try:
            return self.transport.request(method, path, token=tokens.access_token, **kw)
        except AuthError as exc:
            if exc.code != "token_expired":
                raise
        self.refresh(tokens)
        assert self._tokens is not None
        return self.transport.request(method, path, token=self._tokens.access_token, **kw)

    # ----- API
    def enrol_device(self, device_id: str, public_key: str) -> dict[str, Any]:
        return dict(self._authed("POST", "/api/devices", body={"device_id": device_id, "public_key": public_key}))

    def post_batch(self, records: list[Record]) -> list[dict[str, Any]]:
        payload = self._authed("POST", "/api/records/batch", body={"records": [r.to_dict() for r in records]},
                               gzip_body=True)
        results = payload.get("results") if isinstance(payload, dict) else None
        if not isinstance(results, list):
            raise RetryableError("bad_response", "the server's answer to a batch has no results")
        return [r for r in results if isinstance(r, dict)]

    def transcript(self, *, outcomes: bool = False) -> dict[str, Any]:
        """The server's transcript; with ``outcomes``, also this year's outcomes under the site's
        rules (an older server leaves them out)."""
        payload = self._authed("GET", "/api/transcript?with=outcomes" if outcomes else "/api/transcript")
        if not isinstance(payload, dict):
            raise RetryableError("bad_response", "the server's transcript is not an object")
        return dict(payload)

    def assignments(self) -> list[dict[str, Any]]:
        return self.assignments_and_rules()[0]

    def assignments_and_rules(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The assignments and the site's credit rules in their JSON form (None from an older
        server, which answers the assignments alone)."""
        payload = self._authed("GET", "/api/assignments?with=rules")
        rules = None
        if isinstance(payload, dict) and isinstance(payload.get("rules"), dict):
            rules = payload["rules"]
            payload = payload.get("assignments")
        if not isinstance(payload, list):
            raise RetryableError("bad_response", "the server's assignments are not a list")
        return [a for a in payload if isinstance(a, dict)], rules

    def certificates(self) -> list[dict[str, Any]]:
        """The signed-in person's certificates (server.routes_certificates), newest first."""
        payload = self._authed("GET", "/api/certificates")
        if not isinstance(payload, list):
            raise RetryableError("bad_response", "the server's certificates are not a list")
        return [c for c in payload if isinstance(c, dict)]

    def certificate_pdf(self, serial: str) -> bytes:
        data = self._authed("GET", f"/api/certificates/{serial}/pdf", raw=True)
        if not isinstance(data, bytes) or not data.startswith(b"%PDF-"):
            raise RetryableError("bad_response", "the server's certificate is not a PDF")
        return data

    def revocation_list(self) -> bytes | None:
        """The issuer's signed revocation list as served (public; check it with
        sync.protocol.certificates.Revocations.parse_verified); None when none was issued yet."""
        try:
            data = self.transport.request("GET", "/api/certificates/revoked", raw=True)
        except FormatError as exc:
            if exc.code == "no_revocations":
                return None
            raise
        return data if isinstance(data, bytes) else None
