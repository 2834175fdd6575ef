"""The client's token across a redirect of a real server, with a ~/.netrc entry for its host."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.errors import AuthError
from tests.support.server_process import ServerProcess, add_user


def test_a_redirect_keeps_the_token_for_the_same_host_and_never_takes_a_netrc_password(
        server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-a-token\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    add_user(server, "redirected", "pass-word")
    transport = Transport(server.url)
    api = ApiClient(transport)
    token = api.login("redirected", "pass-word")["access_token"]
    # the server answers a path with a trailing slash by a redirect (307) to the path without it
    redirected = transport.session.get(server.url + "/api/transcript/", allow_redirects=False, timeout=10)
    assert redirected.status_code == 307 and redirected.headers["location"].endswith("/api/transcript")
    assert transport.request("GET", "/api/transcript/", token=token)["records"] == 0
    with pytest.raises(AuthError):  # the redirect carried the request's own (wrong) token, nothing else
        transport.request("GET", "/api/transcript/", token="not-the-token")
