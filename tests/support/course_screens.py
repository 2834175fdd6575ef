"""Screenshots of 我的学习 and the course page in every download state, at the office screen sizes.

    QT_QPA_PLATFORM=offscreen python -m tests.support.course_screens artifacts/screenshots/courses

Runs the real window against a real server with the demo course (tests.support.shell_env), in
zh_CN, and saves ``<page>-<state>-<width>x<height>-<text size>.png`` for the pages "my-courses"
and "course-page", the states "not-downloaded", "offline-waiting", "downloading" and
"downloaded", at 1366x768 and 1024x768, with the 标准 and 特大 text sizes. Open every image and
look for clipped or overlapping text, English words and empty areas before curating some into
docs/screenshots/.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tests.support.xvfb import SCREEN_SIZES, TEXT_SIZES

if TYPE_CHECKING:
    from client.app import Shell
    from client.windows.main_window import MainWindow
    from client.workers.context import AppContext
    from tests.support.shell_env import ShellEnv

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait_until(predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QApplication.processEvents()
        time.sleep(0.02)


def settle(seconds: float = 0.3) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def each_size(ctx: AppContext, window: MainWindow) -> Iterator[str]:
    """The window at each office screen size with each text size in turn, settled, as
    ``<width>x<height>-<text size>``; at the 标准 text size again after the last."""
    for width, height in SCREEN_SIZES:
        for text_size in TEXT_SIZES:
            ctx.theme.apply(text_size)
            window.resize(width, height)
            settle()
            yield f"{width}x{height}-{text_size}"
    ctx.theme.apply("normal")
    settle()


def signed_in(env: ShellEnv) -> tuple[AppContext, Shell, MainWindow]:
    """The main window in zh_CN, shown, with zhangsan signing in (not waited for)."""
    from client.app import Shell
    from client.windows.main_window import MainWindow
    from tests.support.shell_env import PASSWORD, app_context

    ctx = app_context(env, language="zh_CN")
    shell = Shell(ctx)
    window = MainWindow(ctx, shell.start_session, shell.end_session, shell.make_course_page)
    shell.window = window
    window.show()
    window.sign_in.username.setText("zhangsan")
    window.sign_in.password.setText(PASSWORD)
    window.sign_in.sign_in_button.click()
    return ctx, shell, window


def signed_out(ctx: AppContext, shell: Shell, window: MainWindow) -> None:
    """End the session, wait until nothing runs any more and close the window."""
    from tests.support.shell_env import drain

    if window.session is not None:
        shell.end_session(window.session)
    drain(ctx, type("Bot", (), {"waitUntil": staticmethod(lambda f, timeout: wait_until(f, timeout / 1000))})())
    window.close()


def run(shoot_all: Callable[[Path], None], default: str) -> int:
    """A script's command line: ``shoot_all`` saves its screenshots into the folder named as the first
    argument (``default`` without one), with the QApplication running."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(default)
    out.mkdir(parents=True, exist_ok=True)
    shoot_all(out)
    del app
    print(f"saved to {out}")
    return 0


def main(out: Path) -> None:
    from client.workers.script_driver import save_screenshot
    from tests.support.shell_env import DEMO_COURSE_ID, zhangsan_server

    with tempfile.TemporaryDirectory() as tmp, zhangsan_server(Path(tmp)) as env:
        env.assign(DEMO_COURSE_ID, "zhangsan", required=True, due=(date.today() + timedelta(days=30)).isoformat())
        env.assign("law-course", "zhangsan", required=False, due="2026-06-30", title="依法行政专题",
                   credit_hours=2)
        env.site_path.write_text(env.site_path.read_text() + "\n[bandwidth]\ncap_kbps = 60\n\n[credits]\n"
                                 "yearly_target_hours = 50\n", encoding="utf-8")
        ctx, shell, window = signed_in(env)
        wait_until(lambda: window.courses is not None and "law-course" in window.courses.rows)
        assert window.session is not None and window.session.downloads is not None
        downloads = window.session.downloads

        def shoot(state: str) -> None:
            for page in ("my-courses", "course-page"):
                if page == "course-page":
                    window.open_course(DEMO_COURSE_ID)
                    wait_until(lambda: window.course_page is not None and window.course_page.data is not None)
                else:
                    window.show_courses()
                for size in each_size(ctx, window):
                    name = f"{page}-{state}-{size}"
                    courses = window.courses
                    if page == "my-courses" and courses is not None:
                        courses.scroll_area.ensureWidgetVisible(courses.rows[DEMO_COURSE_ID], 0, 0)
                        settle(0.1)
                        save_screenshot(courses.list_host.grab(), out / f"{name}-whole.png")  # the full scroll area
                    save_screenshot(window.grab(), out / f"{name}.png")
            window.show_courses()
            settle()

        shoot("not-downloaded")
        env.server.stop()
        downloads.start(DEMO_COURSE_ID)
        wait_until(lambda: downloads.state(DEMO_COURSE_ID) == "waiting_network")
        shoot("offline-waiting")
        env.server.start()
        wait_until(lambda: (p := downloads.last_progress.get(DEMO_COURSE_ID)) is not None and p.bytes_done > 150_000
                   and downloads.state(DEMO_COURSE_ID) == "running", timeout_s=90)
        shoot("downloading")
        wait_until(lambda: downloads.state(DEMO_COURSE_ID) == "done", timeout_s=120)
        settle(1.0)
        shoot("downloaded")
        signed_out(ctx, shell, window)


if __name__ == "__main__":
    sys.exit(run(main, "artifacts/screenshots/courses"))
