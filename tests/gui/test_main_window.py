"""The main window around the pages: the 学习 menu while signed out, About, the refused list when
there is nothing in it, and coming back online after an offline sign-in. Real server, real SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from client import __version__
from client.windows.rejected_records import RejectedRecordsDialog
from tests.support.shell_env import DEMO_COURSE_ID, PASSWORD, ShellEnv, close, signed_in_window, zhangsan_server


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ShellEnv]:
    with zhangsan_server(tmp_path) as env:
        env.assign(DEMO_COURSE_ID, "zhangsan", required=True)
        yield env


def _menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions() if a.isVisible() and not a.isSeparator()]


def test_signed_out_menus_show_only_what_works_and_about_names_version_site_and_support(qtbot, env):
    ctx, window, shell = signed_in_window(qtbot, env, '\n[support]\ncontact = "信息中心 王工 0571-12345678"\n')
    try:
        assert _menu_texts(window.study_menu) == ["Import courses from USB…", "Export study progress to a file…",
                                                  "My certificates…", "Switch user", "Quit"]
        window.switch_user()
        assert _menu_texts(window.study_menu) == ["Quit"]  # nothing greyed out on the sign-in page
        assert _menu_texts(window.tools_menu) == ["Settings…", "Verify a certificate…"]  # needs only the site file
        box = window.about_box()
        qtbot.addWidget(box)
        text = box.text()
        assert f"StudyDesk {__version__}" in text
        assert f"Server: {env.server.url}" in text and str(env.site_path) in text
        assert "Help and support: 信息中心 王工 0571-12345678" in text
    finally:
        close(qtbot, ctx, window, shell)


def test_about_without_a_support_contact_says_whom_to_ask(qtbot, env):
    ctx, window, shell = signed_in_window(qtbot, env)
    try:
        box = window.about_box()
        qtbot.addWidget(box)
        assert "ask your training administrator" in box.text() and "Help and support" not in box.text()
    finally:
        close(qtbot, ctx, window, shell)


def test_refused_list_with_nothing_refused_says_none(qtbot, env):
    ctx, window, shell = signed_in_window(qtbot, env)
    try:
        dialog = RejectedRecordsDialog(ctx, window.session, window)
        qtbot.addWidget(dialog)
        assert dialog.none_label.text() == "Loading…"
        qtbot.waitUntil(lambda: dialog.loaded, timeout=10000)
        assert dialog.none_label.isVisibleTo(dialog) and dialog.none_label.text().startswith("None.")
        assert not dialog.table.isVisibleTo(dialog)
        margins = dialog.layout().contentsMargins()
        assert min(margins.left(), margins.right(), margins.top(), margins.bottom()) >= 12
    finally:
        close(qtbot, ctx, window, shell)


def test_after_an_offline_sign_in_reconnecting_clears_the_offline_notices_by_itself(qtbot, env):
    ctx, window, shell = signed_in_window(qtbot, env)  # online once: this PC knows 张三
    window.switch_user()
    env.server.stop()
    try:
        page = window.sign_in
        page.username.setText("zhangsan")
        page.password.setText(PASSWORD)
        page.sign_in_button.click()
        qtbot.waitUntil(lambda: window.courses is not None and DEMO_COURSE_ID in window.courses.rows,
                        timeout=30000)
        courses, bar, sync = window.courses, window.sync_widget, window.session.sync
        assert window.session.session.offline and "(signed in offline)" in courses.who.text()
        qtbot.waitUntil(lambda: courses.notice.isVisibleTo(courses), timeout=30000)  # cannot fetch the list
        assert bar.state == "offline" and bar.state_label.property("role") != "error"

        # 立即同步 while the server is away says so in words
        qtbot.waitUntil(lambda: not sync.busy, timeout=30000)
        bar.sync_button.click()
        qtbot.waitUntil(lambda: bar.notice_label.isVisibleTo(bar), timeout=30000)
        assert "Cannot reach the server" in bar.notice_label.text() and bar.state == "offline"

        env.server.start()
        qtbot.waitUntil(lambda: not sync.busy, timeout=30000)
        with qtbot.waitSignal(sync.network_back, timeout=30000):
            sync.sync_now()
        qtbot.waitUntil(lambda: not courses.notice.isVisibleTo(courses), timeout=30000)
        assert "(signed in offline)" not in courses.who.text() and not window.session.session.offline
        assert bar.state == "online" and not bar.notice_label.isVisibleTo(bar)
    finally:
        close(qtbot, ctx, window, shell)
