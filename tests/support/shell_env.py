"""A real server with the demo course published, people and assignments, and a matching site file;
the app's context over it, and a main window signed in as 张三.

Used by the GUI-shell tests (tests/gui/test_sign_in.py, test_my_courses*.py and friends) and the
Xvfb end-to-end test. Everything is real: a ``studydesk-server serve`` process on loopback, its
admin commands for keys, publishing, users and assignments, and SQLite files in tmp_path.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.app import Shell
from client.windows.main_window import MainWindow
from client.workers.context import AppContext
from tests.support.server_process import ServerProcess, add_user

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
        add_user(self.server, name, password, unit=unit, display=display_name)

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


_ZHANGSAN_SITE: list[tuple[Path, str]] = []
"""This test process's one prepared data folder (keys, the demo course, 张三) and its public key."""


def zhangsan_site() -> tuple[Path, str]:
    """Made once per test process by the same admin commands, then copied for each test: every test
    still gets its own data folder and server process, without publishing the course again."""
    if not _ZHANGSAN_SITE:
        folder = Path(tempfile.mkdtemp(prefix="studydesk-zhangsan-site-"))
        atexit.register(shutil.rmtree, folder, True)
        server = ServerProcess(folder / "server-data")
        server.data_dir.mkdir()
        server.cli("keys", "init")
        public_key = server.cli("keys", "show").stdout.strip()
        server.cli("publish", str(DEMO_COURSE))
        add_user(server, "zhangsan", PASSWORD, unit="城关镇人民政府", display="张三")
        _ZHANGSAN_SITE.append((server.data_dir, public_key))
    return _ZHANGSAN_SITE[0]


@contextmanager
def zhangsan_server(tmp_path: Path, site: tuple[Path, str] | None = None) -> Iterator[ShellEnv]:
    """A running server with the demo course published and 张三 (zhangsan) of 城关镇人民政府 added: on a copy
    of ``site`` (a data folder made from zhangsan_site's and its public key), else of zhangsan_site's."""
    prepared, public_key = site or zhangsan_site()
    server = ServerProcess(tmp_path / "server-data")
    shutil.copytree(prepared, server.data_dir)
    try:
        server.start()
        yield ShellEnv(server, write_site(tmp_path / "site.toml", server.url, public_key), tmp_path / "client-data",
                       public_key)
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


def signed_in_window(qtbot: Any, env: ShellEnv, site_extra: str = "") -> tuple[AppContext, MainWindow, Shell]:
    """The main window, shown, with zhangsan signed in and the demo course in 我的学习."""
    if site_extra:
        env.site_path.write_text(env.site_path.read_text() + site_extra, encoding="utf-8")
    ctx = app_context(env)
    shell = Shell(ctx)
    window = MainWindow(ctx, shell.start_session, shell.end_session, shell.make_course_page)
    shell.window = window
    qtbot.addWidget(window)
    window.show()
    page = window.sign_in
    page.username.setText("zhangsan")
    page.password.setText(PASSWORD)
    page.sign_in_button.click()
    qtbot.waitUntil(lambda: window.courses is not None and DEMO_COURSE_ID in window.courses.rows, timeout=30000)
    return ctx, window, shell


def close(qtbot: Any, ctx: AppContext, window: MainWindow, shell: Shell) -> None:
    """End the signed-in session and wait until nothing runs any more."""
    if window.session is not None:
        shell.end_session(window.session)
    drain(ctx, qtbot)
