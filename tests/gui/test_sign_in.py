"""The sign-in page and switching users, against a real server process, real SQLite and a real keyring."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from client.app import Shell
from client.windows.main_window import MainWindow
from client.windows.sign_in import SignInPage
from tests.support.shell_env import PASSWORD, ShellEnv, app_context, drain, zhangsan_server


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ShellEnv]:
    with zhangsan_server(tmp_path) as env:
        env.add_user("lisi", "城关镇财政所", "李四")
        yield env


def _submit(qtbot, page: SignInPage, username: str, password: str) -> list[object]:
    sessions: list[object] = []
    page.signed_in.connect(sessions.append)
    page.username.setText(username)
    page.password.setText(password)
    page.sign_in_button.click()
    qtbot.waitUntil(lambda: page.sign_in_button.isEnabled(), timeout=30000)
    return sessions


def test_wrong_password_throttled_name_and_unreachable_server_each_say_so(qtbot, env):
    ctx = app_context(env)
    page = SignInPage(ctx)
    qtbot.addWidget(page)
    try:
        assert _submit(qtbot, page, "zhangsan", "not-it") == []
        assert "Wrong username or password" in page.message.text()
        # the server does not say how many tries are left: the page says a wait exists, and no number
        assert "must wait" in page.message.text() and not any(c.isdigit() for c in page.message.text())
        for _ in range(12):  # each password checked past the first three doubles the wait
            assert _submit(qtbot, page, "zhangsan", "not-it") == []
            if "Too many failed sign-ins" in page.message.text():
                break
        assert "Too many failed sign-ins" in page.message.text() and "Wait" in page.message.text()
        # an account an admin locked says so to the right password, and leaves nothing to retype over
        env.server.cli("user", "unlock", "zhangsan")
        with sqlite3.connect(env.server.data_dir / "server.sqlite3") as db:
            db.execute("UPDATE users SET locked = 1 WHERE username = 'zhangsan'")
        assert _submit(qtbot, page, "zhangsan", PASSWORD) == []
        assert "locked" in page.message.text()
        assert page.password.text() == ""  # another try cannot help: nothing left to retype over
        env.server.stop()
        assert _submit(qtbot, page, "lisi", PASSWORD) == []
        assert "cannot be reached" in page.message.text() and "offline" in page.message.text()
    finally:
        drain(ctx, qtbot)


def test_offline_sign_in_for_a_returning_person_and_the_people_list(qtbot, env):
    ctx = app_context(env)
    page = SignInPage(ctx)
    qtbot.addWidget(page)
    try:
        online = _submit(qtbot, page, "lisi", PASSWORD)
        assert len(online) == 1 and online[0].offline is False
        page.reset()
        qtbot.waitUntil(lambda: page.people.count() == 1, timeout=10000)
        assert page.people.isVisibleTo(page)
        page.username.clear()
        page.people.setCurrentRow(-1)
        page.people.setCurrentRow(0)
        assert page.username.text() == "lisi"
        env.server.stop()
        assert _submit(qtbot, page, "lisi", "wrong one") == []
        assert "Wrong username or password" in page.message.text()
        assert "checked on this PC" in page.message.text() and "does not count" in page.message.text()
        offline = _submit(qtbot, page, "lisi", PASSWORD)
        assert len(offline) == 1 and offline[0].offline is True
        assert offline[0].user_id == online[0].user_id
    finally:
        drain(ctx, qtbot)


def test_switch_user_without_restart(qtbot, env):
    env.assign("demo-party-theory", "zhangsan", required=True)
    env.assign("other-course", "lisi", required=False, title="依法行政专题", credit_hours=2)
    ctx = app_context(env)
    shell = Shell(ctx)
    window = MainWindow(ctx, shell.start_session, shell.end_session, shell.make_course_page)
    shell.window = window
    qtbot.addWidget(window)
    window.show()
    try:
        _submit(qtbot, window.sign_in, "zhangsan", PASSWORD)
        qtbot.waitUntil(lambda: window.courses is not None and "demo-party-theory" in window.courses.rows,
                        timeout=20000)
        assert window.stack.currentWidget() is window.courses
        assert "张三" in window.courses.who.text()
        window.switch_user()
        assert window.session is None and window.stack.currentWidget() is window.sign_in
        _submit(qtbot, window.sign_in, "lisi", PASSWORD)
        qtbot.waitUntil(lambda: window.courses is not None and "other-course" in window.courses.rows,
                        timeout=20000)
        assert "demo-party-theory" not in window.courses.rows
        assert "李四" in window.courses.who.text()
    finally:
        if window.session is not None:
            shell.end_session(window.session)
        drain(ctx, qtbot)


# ---- the page on a shared PC: real focus on a shown, active window; people on this PC in real SQLite


@pytest.fixture
def pc(tmp_path: Path) -> ShellEnv:
    """A PC where 张三 and 李四 signed in before (the server is not needed for the list)."""
    from sync.account.known_users import KnownUser, KnownUsers
    from tests.support.server_process import ServerProcess
    from tests.support.shell_env import write_site

    site = write_site(tmp_path / "site.toml", "http://127.0.0.1:9", "")
    site.write_text(site.read_text().replace('keys = [""]', "keys = []"), encoding="utf-8")
    env = ShellEnv(ServerProcess(tmp_path / "unused"), site, tmp_path / "data", "")
    known = KnownUsers(env.data_root)
    for uid, name, display in (("u-li", "lisi", "李四"), ("u-zhang", "zhangsan", "张三")):  # 张三 came last
        known.remember(KnownUser(uid, name, display, "城关镇", "", "http://127.0.0.1:9", "salt", "v", "file"))
    return env


def _shown_page(qtbot, ctx) -> SignInPage:
    from PySide6.QtWidgets import QApplication

    page = SignInPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page, timeout=5000)
    page.refresh_people()
    qtbot.waitUntil(lambda: page.people.count() == 2, timeout=10000)
    return page


def _row_center(page: SignInPage, row: int):
    return page.people.visualItemRect(page.people.item(row)).center()


def test_choosing_a_name_in_any_way_puts_the_cursor_in_the_password_box(qtbot, pc):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    ctx = app_context(pc)
    try:
        page = _shown_page(qtbot, ctx)
        # the newest person is chosen at start, and the cursor waits in the password box
        assert page.username.text() == "zhangsan" and page.people.currentRow() == 0
        qtbot.waitUntil(page.password.hasFocus, timeout=5000)

        # a click on the name that is already highlighted (no row changes)
        page.username.setFocus()
        page.show_message("Wrong username or password.")
        QTest.mouseClick(page.people.viewport(), Qt.MouseButton.LeftButton, pos=_row_center(page, 0))
        assert page.password.hasFocus() and page.username.text() == "zhangsan"
        assert page.message.isHidden()  # an old error goes when a name is chosen

        # a click on another name
        page.password.setText("half-typed")
        QTest.mouseClick(page.people.viewport(), Qt.MouseButton.LeftButton, pos=_row_center(page, 1))
        assert page.password.hasFocus() and page.username.text() == "lisi" and page.password.text() == ""

        # a double-click
        page.username.setFocus()
        QTest.mouseDClick(page.people.viewport(), Qt.MouseButton.LeftButton, pos=_row_center(page, 0))
        assert page.password.hasFocus() and page.username.text() == "zhangsan"

        # Enter on the list
        page.people.setFocus()
        QTest.keyClick(page.people, Qt.Key.Key_Down)
        QTest.keyClick(page.people, Qt.Key.Key_Return)
        assert page.password.hasFocus() and page.username.text() == "lisi"
    finally:
        drain(ctx, qtbot)


def test_caps_lock_hint_follows_what_is_typed(qtbot, pc):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    ctx = app_context(pc, language="zh_CN")
    try:
        page = _shown_page(qtbot, ctx)
        assert page.caps_hint.isHidden()
        QTest.keyClicks(page.password, "x1")  # small letter, no Shift: off
        assert page.caps_hint.isHidden()
        QTest.keyClicks(page.password, "X")  # a capital without Shift: Caps Lock is on
        assert page.caps_hint.isVisible() and "大写锁定已打开" in page.caps_hint.text()
        QTest.keyClick(page.password, Qt.Key.Key_CapsLock)  # turned off again
        assert page.caps_hint.isHidden()
        QTest.keyClicks(page.password, "X")
        assert page.caps_hint.isVisible()
        QTest.keyClicks(page.password, "y")  # a small letter without Shift: off
        assert page.caps_hint.isHidden() and page.password.text() == "x1XXy"
    finally:
        drain(ctx, qtbot)


def test_removing_a_person_from_this_pc_keeps_their_data_unless_chosen(qtbot, env):
    from sync.account.auth import profile_dir_for

    ctx = app_context(env)
    page = SignInPage(ctx)
    qtbot.addWidget(page)
    try:
        li = _submit(qtbot, page, "lisi", PASSWORD)[0]
        zhang = _submit(qtbot, page, "zhangsan", PASSWORD)[0]
        conn = li.db()
        try:
            li.outbox(conn).append("note", "c1", None, {"text": "waiting"})
        finally:
            conn.close()
        page.reset()
        qtbot.waitUntil(lambda: page.people.count() == 2, timeout=10000)
        assert page.remove_button.isVisibleTo(page)

        # 李四 has study progress the server has not seen: the data cannot be deleted, only the name goes
        page.people.setCurrentRow([p.username for p in page._people].index("lisi"))
        page.ask_remove_person()
        qtbot.waitUntil(lambda: page.remove_dialog is not None, timeout=10000)
        box = page.remove_dialog
        delete = box.checkBox()
        assert not delete.isEnabled() and "1 study progress update" in box.informativeText()
        assert "stays on this PC" in box.informativeText()
        box.findChild(type(box.buttons()[0]), "confirm_remove").click()
        qtbot.waitUntil(lambda: page.people.count() == 1, timeout=10000)
        assert page.username.text() == "zhangsan"  # the one left is chosen
        assert (profile_dir_for(env.data_root, li.user_id) / "profile.sqlite3").is_file()

        # 张三 chooses to delete his data too
        page.ask_remove_person()
        qtbot.waitUntil(lambda: page.remove_dialog is not None, timeout=10000)
        box = page.remove_dialog
        assert box.checkBox().isEnabled()
        box.checkBox().setChecked(True)
        box.findChild(type(box.buttons()[0]), "confirm_remove").click()
        qtbot.waitUntil(lambda: page.people.count() == 0, timeout=10000)
        assert not profile_dir_for(env.data_root, zhang.user_id).exists()
        assert page.people.isHidden() and page.remove_button.isHidden() and page.username.text() == ""
    finally:
        drain(ctx, qtbot)
