"""A person signed in against a real server, an outbox filled with watch records, and the check
that the server stored each of them exactly once (on its own database)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sync.account.auth import AuthService, UserSession
from sync.site.config import SiteConfig
from tests.support.server_process import ServerProcess, add_user
from tests.support.watch import Timeline


def session_via(url: str, server: ServerProcess, root: Path, name: str = "cadre") -> UserSession:
    if name != "cadre" or "cadre" not in server.cli("user", "list").stdout:  # the list only read for "cadre"
        add_user(server, name, "pass-word")
    return AuthService(root, SiteConfig(server_url=url)).sign_in(name, "pass-word")


def server_rows(server: ServerProcess, user_id: str) -> list[tuple[int, str]]:
    conn = sqlite3.connect(server.data_dir / "server.sqlite3")
    try:
        return conn.execute("SELECT seq, id FROM records WHERE user_id = ? ORDER BY seq", (user_id,)).fetchall()
    finally:
        conn.close()


def assert_exactly_once(server: ServerProcess, s: UserSession, n: int) -> None:
    rows = server_rows(server, s.user_id)
    local = [r.id for r in s.outbox().records()]
    assert [seq for seq, _ in rows] == list(range(1, n + 1))  # gap-free, no duplicate seq
    assert [rid for _, rid in rows] == local  # the very same records, once each
    assert s.outbox().pending_count() == 0 and not s.outbox().rejected()


def fresh_connections(s: UserSession) -> None:
    """One TCP connection per request, so each proxy plan applies to exactly one request."""
    s.api.transport.session.close()
    s.api.transport.session.headers["Connection"] = "close"


def fill(s: UserSession, n: int) -> None:
    """``n`` signed watch records of c1 in the outbox, one chain, written in one transaction (one
    fsync rather than ``n``: the chain is the same as appended one at a time)."""
    line = Timeline()
    s.outbox().append_many(("watch", "c1", f"l{i % 3}", line.body([[i, i + 1.0]], position_s=i + 1.0))
                           for i in range(n))
