"""A real server with the demo course published, people and assignments, and a matching site file.

Used by the GUI-shell tests (tests/gui/test_sign_in*.py and friends) and the Xvfb end-to-end
test. Everything is real: a ``studydesk-server serve`` process on loopback, its admin
commands for keys, publishing, users and assignments, and SQLite files in tmp_path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from client.workers.context import AppContext
from tests.support.server_process import ServerProcess

REPO = Path(__file__).resolve().parents[2]
DEMO_COURSE = REPO / "resources" / "demo_course"
DEMO_COURSE_ID = "demo-party-theory"
PASSWORD = "Xuexi-2024!"


@dataclass
class ShellEnv:
    server: ServerProcess
    site_path: Path
    data_root: Path
    public_key: str

    def add_user(self, name: str, unit: str, display_name: str, password: str = PASSWORD) -> None:
        self.server.cli("user", "add", name, "--unit", unit, "--display-name", display_name, "--password-stdin",
                        input=f"{password}\n".encode())

    def assign(self, course: str, user: str, *, required: bool = True, due: str | None = None,
               title: str | None = None, credit_hours: float | None = None) -> None:
        args = ["assign", course, "--user", user, "--required" if required else "--elective"]
        if due:
            args += ["--due", due]
        if title:  # a course this server has not published: only its title and hours are known
            args += ["--title", title, "--force"]
        if credit_hours is not None:
            args += ["--credit-hours", str(credit_hours)]
        self.server.cli(*args)


def write_site(path: Path, server_url: str, public_key: str, extra: str = "") -> Path:
    path.write_text(f'[server]\nurl = "{server_url}"\n\n[publisher]\nkeys = ["{public_key}"]\n\n'
                    f'[ui]\nlanguage = "zh_CN"\n{extra}', encoding="utf-8")
    return path


def published_server(tmp_path: Path, server: ServerProcess | None = None) -> ShellEnv:
    """Keys, the demo course published, the server started (if not given), a site file for it."""
    srv = server or ServerProcess(tmp_path / "server-data")
    srv.data_dir.mkdir(parents=True, exist_ok=True)
    srv.cli("keys", "init")
    public_key = srv.cli("keys", "show").stdout.strip()
    srv.cli("publish", str(DEMO_COURSE))
    if srv.proc is None:
        srv.start()
    site = write_site(tmp_path / "site.toml", srv.url, public_key)
    return ShellEnv(srv, site, tmp_path / "client-data", public_key)


@contextmanager
def zhangsan_server(tmp_path: Path) -> Iterator[ShellEnv]:
    """A running server with the demo course published and 张三 (zhangsan) of 城关镇人民政府 added."""
    server = ServerProcess(tmp_path / "server-data")
    try:
        env = published_server(tmp_path, server)
        env.add_user("zhangsan", "城关镇人民政府", "张三")
        yield env
    finally:
        server.stop()


def app_context(env: ShellEnv, language: str = "en") -> AppContext:
    """The same AppContext client.app builds, over this environment's site file and data root."""
    from PySide6.QtWidgets import QApplication

    from client import i18n
    from client.app import attach_engines
    from client.settings import machine_settings
    from client.tasks import Lanes
    from client.theme import Theme
    from sync.site.config import load_site

    app = QApplication.instance()
    site = load_site(env.site_path)
    i18n.ensure_built()
    translator = i18n.Translator(app)
    translator.set_language(language)
    theme = Theme(app)
    theme.apply("normal")
    ctx = AppContext(base_site=site, site=site, data_root=env.data_root, lanes=Lanes(), translator=translator,
                     theme=theme, machine_settings=machine_settings(env.data_root))
    attach_engines(ctx, site)
    return ctx


def drain(ctx: AppContext, qtbot: object) -> None:
    """Cancel what still runs and wait (test thread) until both lanes are idle."""
    ctx.lanes.net.cancel_all()
    qtbot.waitUntil(lambda: not ctx.lanes.busy, timeout=20000)  # type: ignore[attr-defined]
    ctx.lanes.db.pool.waitForDone(5000)
    ctx.lanes.net.pool.waitForDone(5000)
