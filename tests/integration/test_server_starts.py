from __future__ import annotations

import requests

from tests.support.server_process import ServerProcess


def test_server_process_answers_health(server: ServerProcess) -> None:
    r = requests.get(server.url + "/api/health", timeout=5)
    assert r.json() == {"status": "ok"}
    assert (server.data_dir / "repo").is_dir()
