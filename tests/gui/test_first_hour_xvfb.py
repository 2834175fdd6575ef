"""Under a real X server (Xvfb) at 1366x768 and 1024x768, in zh_CN at 标准 and 特大: the sign-in
page puts the cursor in the password box (at start and after a click on the highlighted name),
an offline sign-in shows the status bar offline, and settings and About fit the screen.
Screenshots of the four go to artifacts/screenshots/first-hour/ for people to look at.

The windows run in a child process with QT_QPA_PLATFORM=xcb (this test process is offscreen), one per
screen size, at each text size in turn (a new main window for each, over the same PC's data).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.qt_child import run_child
from tests.support.shell_env import PASSWORD, REPO, ShellEnv, zhangsan_server
from tests.support.xvfb import SCREEN_SIZES, TEXT_SIZES, app_env, start_xvfb

SHOTS = REPO / "artifacts" / "screenshots" / "first-hour"
SUPPORT = "信息中心 王工 0571-12345678"
pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


def _wait(app: object, predicate: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()  # type: ignore[attr-defined]
        if predicate():
            return True
        time.sleep(0.02)
    return False


def child(site: str, data: str, out: str, text_size: str, tag: str) -> None:
    """In the child process: drive the real windows, check focus and fit, save screenshots, print a JSON report."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from client.app import Shell
    from client.windows.main_window import MainWindow
    from client.windows.settings_dialog import SettingsDialog
    from client.workers.script_driver import save_screenshot
    from tests.support.server_process import ServerProcess
    from tests.support.shell_env import app_context

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    env = ShellEnv(ServerProcess(Path(out) / "unused"), Path(site), Path(data), "")
    ctx = app_context(env, language="zh_CN")
    ctx.theme.apply(text_size)
    shell = Shell(ctx)
    window = MainWindow(ctx, shell.start_session, shell.end_session, shell.make_course_page)
    shell.window = window
    window.fit_to_screen()
    window.show()
    window.activateWindow()
    report: dict[str, object] = {}
    screen = app.primaryScreen().availableGeometry()
    page = window.sign_in

    def shot(widget: object, name: str) -> None:
        save_screenshot(widget.grab(), Path(out) / f"zh_CN-{name}-{tag}.png")  # type: ignore[attr-defined]

    def fits(widget: object) -> bool:
        geometry = widget.frameGeometry()  # type: ignore[attr-defined]
        return screen.contains(geometry)

    report["people"] = _wait(app, lambda: page.people.count() == 1 and app.activeWindow() is window)
    report["focus_at_start"] = _wait(app, lambda: app.focusWidget() is page.password, 5)
    page.username.setFocus()
    rect = page.people.visualItemRect(page.people.item(0))
    QTest.mouseClick(page.people.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    report["focus_after_click"] = _wait(app, lambda: app.focusWidget() is page.password, 5)
    shot(window, "1-sign-in")

    page.password.setText(PASSWORD)
    page.sign_in_button.click()
    report["signed_in"] = _wait(app, lambda: window.courses is not None and window.sync_widget is not None, 60)
    bar = window.sync_widget
    report["offline"] = _wait(app, lambda: bar is not None and bar.state == "offline"
                              and window.courses is not None and window.courses.notice.isVisible(), 60)
    _wait(app, lambda: False, 1.0)  # let the rows settle
    sync = window.session.sync if window.session is not None else None
    report["offline_settled"] = _wait(app, lambda: sync is not None and not sync.busy and bar is not None
                                      and bar.state == "offline", 30)
    _wait(app, lambda: False, 0.3)
    report["status_bar_fits"] = bar is not None and bar.sync_button.isVisible() and \
        window.rect().contains(bar.sync_button.mapTo(window, bar.sync_button.rect().bottomRight()))
    shot(window, "2-main-window-offline")
    assert bar is not None
    bar.sync_button.click()  # 立即同步 while offline answers in words, and the bar still fits
    report["sync_now_says_so"] = _wait(app, lambda: bar.notice_label.isVisible() and sync is not None
                                       and not sync.busy, 30)
    _wait(app, lambda: False, 0.3)
    notice_right = bar.notice_label.mapTo(window, bar.notice_label.rect().topRight()).x()
    report["notice_fits"] = notice_right < bar.sync_button.mapTo(window, bar.sync_button.rect().topLeft()).x() \
        and bar.notice_label.width() >= bar.notice_label.sizeHint().width()
    shot(window, "2-main-window-sync-now-offline")

    dialog = SettingsDialog(ctx, window.session, window)
    dialog.show()
    _wait(app, lambda: dialog.isVisible(), 5)
    _wait(app, lambda: False, 0.5)
    ok = dialog.buttons.buttons()[0]
    report["settings_fits"] = fits(dialog) and dialog.rect().contains(ok.mapTo(dialog, ok.rect().bottomRight()))
    report["settings_scrolls"] = dialog.form_scroll.verticalScrollBar().maximum() > 0
    shot(dialog, "3-settings")
    dialog.close()

    box = window.about_box()
    box.show()
    _wait(app, lambda: box.isVisible(), 5)
    _wait(app, lambda: False, 0.5)
    report["about_fits"] = fits(box)
    report["about_text"] = box.text()
    shot(box, "4-about")
    box.close()
    if window.session is not None:
        shell.end_session(window.session)
    ctx.lanes.net.cancel_all()
    _wait(app, lambda: not ctx.lanes.busy, 20)
    window.close()  # the next text size's window starts as this one did: the only one
    _wait(app, lambda: not ctx.lanes.busy, 20)
    print(f"REPORT {tag} " + json.dumps(report, ensure_ascii=False), flush=True)


def children(site: str, data: str, out: str, size: str, text_sizes: str) -> None:
    """In the child process: ``child`` at each of the comma-separated ``text_sizes`` in turn."""
    for text_size in text_sizes.split(","):
        child(site, data, out, text_size, f"{size}-{text_size}")




@pytest.fixture(scope="module")
def offline_pc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShellEnv]:
    """张三 signed in on this PC once; the server is down now (the status bar shows offline). Each
    screen size's windows find the PC as the last ones left it, as the second text size's do."""
    from sync.account.auth import AuthService
    from sync.site.config import load_site

    with zhangsan_server(tmp_path_factory.mktemp("offline-pc")) as env:
        env.site_path.write_text(env.site_path.read_text(encoding="utf-8") + f'\n[support]\ncontact = "{SUPPORT}"\n',
                                 encoding="utf-8")
        AuthService(env.data_root, load_site(env.site_path)).sign_in("zhangsan", PASSWORD)
        env.server.stop()
        yield env


@pytest.mark.parametrize("size", SCREEN_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sign_in_status_bar_settings_and_about_on_small_screens(offline_pc: ShellEnv, size: tuple[int, int]):
    import shutil

    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = size
    proc, display = start_xvfb(f"{width}x{height}x24")
    try:
        done = run_child(children, str(offline_pc.site_path), str(offline_pc.data_root), str(SHOTS),
                         f"{width}x{height}", ",".join(TEXT_SIZES), env=app_env(display), timeout=360)
        reports = dict(x[len("REPORT "):].split(" ", 1) for x in done.stdout.splitlines() if x.startswith("REPORT "))
        for text_size in TEXT_SIZES:
            tag = f"{width}x{height}-{text_size}"
            assert tag in reports, done.stdout + done.stderr[-3000:]
            report = json.loads(reports[tag])
            failed = [k for k, v in report.items() if k != "about_text" and k != "settings_scrolls" and v is not True]
            assert not failed, (tag, report)
            assert SUPPORT in str(report["about_text"]) and "0.1.0" in str(report["about_text"])
            if height >= 768 and text_size == "normal":
                assert report["settings_scrolls"] is False, tag  # the whole form shows without scrolling
            for name in ("1-sign-in", "2-main-window-offline", "2-main-window-sync-now-offline", "3-settings",
                         "4-about"):
                assert (SHOTS / f"zh_CN-{name}-{tag}.png").stat().st_size > 3000, name
    finally:
        proc.terminate()
        proc.wait(10)
