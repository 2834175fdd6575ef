"""The sign-in page and switching users, against a real server process, real SQLite and a real keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from client.app import Shell
from client.windows.main_window import MainWindow
from client.windows.sign_in import SignInPage
from tests.e2e.shell_env import PASSWORD, ShellEnv, app_context, drain, zhangsan_server


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


def test_wrong_password_locked_account_and_unreachable_server_each_say_so(qtbot, env):
    ctx = app_context(env)
    page = SignInPage(ctx)
    qtbot.addWidget(page)
    try:
        assert _submit(qtbot, page, "zhangsan", "not-it") == []
        assert "Wrong username or password" in page.message.text()
        for _ in range(5):
            _submit(qtbot, page, "zhangsan", "not-it")
        assert _submit(qtbot, page, "zhangsan", PASSWORD) == []
        assert "locked" in page.message.text()
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
