"""Drives the real window from a JSON script, for the end-to-end test and screenshots.

Enabled only by ``STUDYDESK_TEST_SCRIPT=<file>``: a JSON list of steps such as
``{"do": "sign_in", "username": "zhangsan", "password": "..."}``. Each step runs on the GUI
thread through the same widgets a person clicks (no engine is called directly), waits for
its result with a timeout, and prints one line ``STEP <n> <do> ok|fail <detail>`` to stdout.
A failed step quits the app with exit code 3. GUI thread only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from client.app import Shell
    from client.windows.course_page import CoursePage
    from client.windows.main_window import MainWindow
    from client.windows.my_courses import MyCoursesPage
    from client.workers.downloads import DownloadManager
    from client.workers.sync_worker import SyncController

Wait = Callable[[], bool] | float
Step = Generator[Wait, None, str]


SCREENSHOT_QUALITY = 80
"""Qt's PNG quality for screenshots: zlib's fastest level (1), about a third of the CPU of Qt's default
(level 6) for files a quarter larger."""


def save_screenshot(pixmap: QPixmap, path: str | Path) -> bool:
    """Save a screenshot as PNG at ``path``; False if it could not be written."""
    return pixmap.save(str(path), "PNG", SCREENSHOT_QUALITY)


class StepFailed(Exception):
    pass


class ScriptDriver:
    def __init__(self, script: Path, window: MainWindow, shell: Shell) -> None:
        self.steps: list[dict[str, Any]] = json.loads(script.read_text(encoding="utf-8"))
        self.window = window
        self.shell = shell
        self._index = -1
        self._gen: Iterator[Wait] | None = None
        self._wait: Wait | None = None
        self._deadline = 0.0
        self._timer = QTimer()
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._next_step()
        self._timer.start()

    # ---- the loop
    def _next_step(self) -> None:
        self._index += 1
        if self._index >= len(self.steps):
            self._timer.stop()
            print("SCRIPT done", flush=True)
            if self.steps and self.steps[-1]["do"] != "stay":
                QApplication.exit(0)
            return
        step = self.steps[self._index]
        handler = getattr(self, f"do_{step['do']}", None)
        if handler is None:
            self._fail(f"unknown step {step['do']!r}")
            return
        self._deadline = time.monotonic() + float(step.get("timeout", 60))
        self._gen = handler(step)
        self._advance()

    def _advance(self) -> None:
        assert self._gen is not None
        try:
            self._wait = next(self._gen)
            if isinstance(self._wait, int | float):
                self._wait = time.monotonic() + float(self._wait)
        except StopIteration as stop:
            self._report("ok", str(stop.value or ""))
            self._gen = None
            self._next_step()
        except Exception as exc:  # a failed step ends the script with its reason
            self._fail(f"{type(exc).__name__}: {exc}")

    def _tick(self) -> None:
        if self._gen is None:
            return
        wait = self._wait
        try:
            ready = time.monotonic() >= wait if isinstance(wait, float) else bool(wait and wait())
        except Exception as exc:
            self._fail(f"{type(exc).__name__}: {exc}")
            return
        if ready:
            self._advance()
        elif time.monotonic() > self._deadline:
            self._fail("timed out")

    def _report(self, status: str, detail: str) -> None:
        step = self.steps[self._index]
        print(f"STEP {self._index} {step['do']} {status} {detail}".rstrip(), flush=True)

    def _fail(self, detail: str) -> None:
        self._report("fail", detail)
        self._timer.stop()
        self._gen = None
        QApplication.exit(3)

    # ---- helpers
    def _grab(self, widget: QWidget, path: str) -> str:
        """A screenshot of the widget's window as the X server shows it (video included)."""
        QApplication.processEvents()
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        win = widget.window()
        screen = win.screen() or QGuiApplication.primaryScreen()
        geo = win.frameGeometry()
        pixmap = screen.grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
        if pixmap.isNull() or pixmap.width() < 10:
            pixmap = win.grab()
        if not save_screenshot(pixmap, target):
            raise StepFailed(f"could not save {target}")
        return str(target)

    def _courses(self) -> MyCoursesPage:
        if self.window.courses is None:
            raise StepFailed("nobody is signed in")
        return self.window.courses

    def _course_page(self) -> CoursePage:
        if self.window.course_page is None:
            raise StepFailed("no course page is open")
        return self.window.course_page

    def _downloads(self) -> DownloadManager:
        if self.window.session is None or self.window.session.downloads is None:
            raise StepFailed("no download manager (nobody is signed in)")
        return self.window.session.downloads

    def _sync(self) -> SyncController:
        if self.window.session is None or self.window.session.sync is None:
            raise StepFailed("no sync controller (nobody is signed in)")
        return self.window.session.sync

    def _has_course_row(self, course_id: str) -> bool:
        return self.window.courses is not None and course_id in self.window.courses.rows

    # ---- steps
    def do_wait(self, step: dict[str, Any]) -> Step:
        yield float(step.get("seconds", 1))
        return ""

    def do_sign_in(self, step: dict[str, Any]) -> Step:
        page = self.window.sign_in
        yield lambda: page.sign_in_button.isEnabled()
        page.username.setText(step["username"])
        page.password.setText(step["password"])
        page.sign_in_button.click()
        yield lambda: self.window.session is not None or bool(page.message.text())
        if self.window.session is None:
            raise StepFailed(page.message.text())
        return "offline" if self.window.session.session.offline else "online"

    def do_expect_sign_in_error(self, step: dict[str, Any]) -> Step:
        page = self.window.sign_in
        page.username.setText(step["username"])
        page.password.setText(step["password"])
        page.sign_in_button.click()
        yield lambda: bool(page.message.text()) and page.sign_in_button.isEnabled()
        return page.message.text()

    def do_wait_courses(self, step: dict[str, Any]) -> Step:
        yield lambda: self._has_course_row(step["course"])
        return ", ".join(self._courses().rows)

    def do_download(self, step: dict[str, Any]) -> Step:
        row = self._courses().rows[step["course"]]
        row.download.start_button.click()
        downloads = self._downloads()
        yield lambda: downloads.state(step["course"]) in ("done", "failed")
        if downloads.state(step["course"]) != "done":
            raise StepFailed(str(downloads.errors.get(step["course"])))
        return "done"

    def do_start_download(self, step: dict[str, Any]) -> Step:
        """Click download and go on once ``min_bytes`` arrived (without waiting for the end)."""
        yield lambda: self._has_course_row(step["course"])
        self._courses().rows[step["course"]].download.start_button.click()
        downloads = self._downloads()
        yield lambda: (p := downloads.last_progress.get(step["course"])) is not None and \
            p.bytes_done >= int(step.get("min_bytes", 1))
        return str(downloads.last_progress[step["course"]].bytes_done)

    def do_wait_download_done(self, step: dict[str, Any]) -> Step:
        downloads = self._downloads()
        yield lambda: downloads.state(step["course"]) in ("done", "failed")
        if downloads.state(step["course"]) != "done":
            raise StepFailed(str(downloads.errors.get(step["course"])))
        return "done"

    def do_open_course(self, step: dict[str, Any]) -> Step:
        yield lambda: self._has_course_row(step["course"])
        self._courses().rows[step["course"]].open_button.click()
        yield lambda: self.window.course_page is not None and self.window.course_page.data is not None
        return ""

    def do_play(self, step: dict[str, Any]) -> Step:
        page = self._course_page()
        yield lambda: step["lesson"] in page.lesson_buttons and page.lesson_buttons[step["lesson"]].isEnabled()
        page.lesson_buttons[step["lesson"]].click()
        yield lambda: bool(self.shell.players)
        player = self.shell.players[-1]
        if "min_credit_s" in step:  # wait for media time really credited, whatever the machine's speed
            target = float(step["min_credit_s"])
            yield lambda: (acc := player.bridge.accounting) is not None and acc.covered_s >= target
        else:
            yield float(step.get("seconds", 5))
        if path := step.get("screenshot"):
            self._grab(player, path)
        acc = player.bridge.accounting
        return f"{acc.covered_s:.2f}" if acc is not None else ""

    def do_close_player(self, step: dict[str, Any]) -> Step:
        for player in list(self.shell.players):
            player.close()
        yield lambda: not self.shell.players
        yield 0.5
        return ""

    def do_back(self, step: dict[str, Any]) -> Step:
        self.window.show_courses()
        courses = self._courses()
        yield 0.3
        yield lambda: courses.rows.get(step.get("course", ""), None) is not None or not step.get("course")
        return ""

    def do_expect_coverage(self, step: dict[str, Any]) -> Step:
        courses = self._courses()
        courses.reload()
        yield lambda: (r := courses.rows.get(step["course"])) is not None and r.item.coverage >= step["min"]
        return f"{courses.rows[step['course']].item.coverage:.3f}"

    def do_sync(self, step: dict[str, Any]) -> Step:
        sync = self._sync()
        yield lambda: not sync.busy
        sync.sync_now()
        yield lambda: not sync.busy and sync.counts is not None and sync.counts.pending == 0 and sync.state == "online"
        return f"pending={sync.counts.pending if sync.counts is not None else '?'}"

    def do_language(self, step: dict[str, Any]) -> Step:
        from client.windows.settings_dialog import SettingsDialog

        app, session = self.shell.ctx, self.window.session
        site = (session.site if session else app.site).with_user_overrides({"language": step["language"]})
        SettingsDialog.apply(app, session, site)
        yield 0.3
        return str(step["language"])

    def do_text_size(self, step: dict[str, Any]) -> Step:
        self.shell.ctx.theme.apply(step["size"])
        yield 0.3
        return str(step["size"])

    def do_screenshot(self, step: dict[str, Any]) -> Step:
        yield float(step.get("settle", 0.5))
        return self._grab(self.window, step["path"])

    def do_settings_screenshot(self, step: dict[str, Any]) -> Step:
        from client.windows.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.shell.ctx, self.window.session, self.window)
        dialog.show()
        yield 0.6
        path = self._grab(dialog, step["path"])
        dialog.close()
        return path

    def do_switch_user(self, step: dict[str, Any]) -> Step:
        self.window.switch_user()
        yield lambda: self.window.sign_in.people.count() > 0
        return ""

    def do_stay(self, step: dict[str, Any]) -> Step:
        """End the script but keep the window open for a person (``./run demo``); must be the last step."""
        return ""
        yield  # a generator like every step

    def do_keys(self, step: dict[str, Any]) -> Step:
        """Real X key presses (xdotool) into the main window or the open player, e.g. ``ctrl+q``."""
        import subprocess

        target: QWidget = self.shell.players[-1] if step.get("window") == "player" else self.window
        target.raise_()
        target.activateWindow()
        yield lambda: target.isActiveWindow()
        subprocess.Popen(["xdotool", "key", "--clearmodifiers", str(step["keys"])])
        yield float(step.get("seconds", 0.5))
        return str(step["keys"])

    def do_quit(self, step: dict[str, Any]) -> Step:
        self.window.close()
        yield 0.1
        return ""

