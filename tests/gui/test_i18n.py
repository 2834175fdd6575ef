"""Translations: the zh_CN file is complete for every string in client/ and player/, and the language
switches at run time in open windows, without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from client import i18n
from client.windows.sign_in import SignInPage
from tests.e2e.shell_env import ShellEnv, app_context, drain, write_site


def test_zh_cn_translation_is_complete():
    problems = i18n.check()
    assert problems == [], "run `python -m client.i18n update` and translate:\n" + "\n".join(problems)


def test_problems_reports_unfinished_and_vanished(tmp_path: Path):
    ts = tmp_path / "x.ts"
    ts.write_text(
        '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1"><context><name>C</name>'
        '<message><source>a</source><translation type="unfinished"></translation></message>'
        '<message><source>b</source><translation type="vanished">乙</translation></message>'
        '<message><source>c</source><translation>丙</translation></message></context></TS>',
        encoding="utf-8")
    found = i18n.problems(ts)
    assert len(found) == 2 and "'a'" in found[0] and "vanished" in found[1]


def test_build_makes_a_qm_per_ts(tmp_path: Path):
    built = i18n.build(tmp_path)
    assert [p.name for p in built] == ["studydesk_zh_CN.qm"] and built[0].stat().st_size > 1000


@pytest.fixture
def offline_env(tmp_path: Path) -> ShellEnv:
    from tests.support.server_process import ServerProcess

    site = write_site(tmp_path / "site.toml", "http://127.0.0.1:9", "")
    site.write_text(site.read_text().replace('keys = [""]', "keys = []"), encoding="utf-8")
    return ShellEnv(ServerProcess(tmp_path / "unused"), site, tmp_path / "data", "")


def test_language_switches_at_run_time_in_an_open_window(qtbot, offline_env):
    ctx = app_context(offline_env, language="zh_CN")
    page = SignInPage(ctx)
    qtbot.addWidget(page)
    page.show()
    try:
        assert page.heading.text() == "登录"
        assert page.sign_in_button.text() == "登录"
        ctx.translator.set_language("en")
        qtbot.waitUntil(lambda: page.heading.text() == "Sign in", timeout=3000)
        assert page.username_label.text() == "Username"
        ctx.translator.set_language("zh_CN")
        qtbot.waitUntil(lambda: page.heading.text() == "登录", timeout=3000)
        assert page.password_label.text() == "密码"
    finally:
        ctx.translator.set_language("en")
        drain(ctx, qtbot)
