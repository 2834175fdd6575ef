"""Assignments: admin commands, the API for the signed-in user, titles from the published
repository, the client's offline cache and ``studydesk courses`` / ``studydesk sync``."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.account.assignments import AssignmentCache
from sync.account.auth import AuthService
from sync.site.config import SiteConfig
from tests.support.client_cli import run_client, site_file
from tests.support.server_process import ServerProcess, add_user

pytestmark = pytest.mark.databases  # each test runs on SQLite and on PostgreSQL

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo_course"
DEMO_BYTES = sum((DEMO / name).stat().st_size for name in ("lesson1.mp4", "lesson2.mp4", "lesson3.mp4", "handout.pdf"))


def test_assign_by_unit_and_user_and_cache_offline(server: ServerProcess, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    add_user(server, "chen", "pass-word", unit="城关镇", display="陈五")
    add_user(server, "lin", "pass-word", unit="城南镇")
    server.cli("keys", "init")
    server.cli("publish", str(DEMO))
    server.cli("assign", "demo-party-theory", "--unit", "城关镇", "--required", "--due", "2026-12-31")
    server.cli("assign", "law-basics", "--user", "chen", "--elective", "--title", "法律基础", "--credit-hours", "2",
               "--force")
    server.cli("assign", "law-basics", "--unit", "城关镇", "--required", "--force")  # the personal terms win
    bad = server.cli("assign", "x", "--user", "nobody", "--required", check=False)
    assert bad.returncode == 1 and "nobody" in bad.stderr
    bad_date = server.cli("assign", "x", "--unit", "u", "--required", "--due", "31/12/2026", check=False)
    assert bad_date.returncode == 1 and "YYYY-MM-DD" in bad_date.stderr

    s = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url)).sign_in("chen", "pass-word")
    items = s.api.assignments()
    assert items == [
        {"course_id": "demo-party-theory", "title": "学习贯彻党的基本理论专题", "required": True,
         "due": "2026-12-31", "credit_hours": 1.5, "latest_version": 1, "size_bytes": DEMO_BYTES,
         "quizzes": 1, "exam": True},
        {"course_id": "law-basics", "title": "法律基础", "required": False, "due": None, "credit_hours": 2.0,
         "latest_version": None, "size_bytes": None, "quizzes": None, "exam": None},
    ]
    other = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url)).sign_in("lin", "pass-word")
    assert other.api.assignments() == []

    site = site_file(tmp_path, server.url)
    args = ["--data", str(tmp_path / "pc"), "--site", str(site)]
    assert run_client(monkeypatch, *args, "courses", "--user", "chen", "--password-stdin") == 0
    out = capsys.readouterr().out
    assert "学习贯彻党的基本理论专题" in out and "法律基础" in out and "required" in out

    server.stop()
    assert run_client(monkeypatch, *args, "courses", "--user", "chen", "--password-stdin") == 0
    out = capsys.readouterr().out
    assert "Offline" in out and "法律基础" in out
    conn = s.db()
    cached = AssignmentCache(conn).list()
    assert [(a.course_id, a.latest_version, a.size_bytes, a.quizzes, a.exam) for a in cached] == [
        ("demo-party-theory", 1, DEMO_BYTES, 1, True), ("law-basics", None, None, None, None)]
    conn.close()


def test_cli_failures_exit_non_zero_with_a_clear_message(server: ServerProcess, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    add_user(server, "he", "pass-word")
    args = ["--data", str(tmp_path / "pc"), "--site", str(site_file(tmp_path, server.url))]
    assert run_client(monkeypatch, *args, "login", "--user", "he", "--password-stdin", password="nope") == 1
    assert "wrong_password" in capsys.readouterr().err
    assert run_client(monkeypatch, *args, "login", "--user", "he", "--password-stdin") == 0
    s = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url)).sign_in("he", "pass-word")
    s.outbox().append("watch", "c1", "l1", {"segments": [[0, 3]]})
    assert run_client(monkeypatch, *args, "sync", "--user", "he", "--password-stdin") == 0
    assert "1 accepted" in capsys.readouterr().out
    s.outbox().append("watch", "c1", "l1", {"segments": [[3, 6]]})
    server.stop()
    assert run_client(monkeypatch, *args, "sync", "--user", "he", "--password-stdin", "--max-wait", "0.5") == 1
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "network" in err
    assert run_client(monkeypatch, *args, "login", "--user", "stranger", "--password-stdin") == 1
    assert "network" in capsys.readouterr().err


def test_user_admin_commands_refuse_bad_input(server: ServerProcess) -> None:
    add_user(server, "ma", "pass-word", display="马六")
    again = server.cli("user", "add", "ma", "--unit", "x", "--new-unit", "--password-stdin", input=b"another-pw\n",
                       check=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    weak = server.cli("user", "add", "niu", "--unit", "x", "--new-unit", "--password-stdin", input=b"123\n",
                      check=False)
    assert weak.returncode == 1 and "6 characters" in weak.stderr
    bad = server.cli("user", "add", "../root", "--unit", "x", "--new-unit", "--password-stdin", input=b"pass-word\n",
                     check=False)
    assert bad.returncode == 1
    assert server.cli("user", "unlock", "nobody", check=False).returncode == 1
    listing = server.cli("user", "list").stdout
    assert "马六" in listing and "niu" not in listing
