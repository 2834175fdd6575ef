"""Translations: the zh_CN file is complete for every string in client/ and player/, and the language
switches at run time in open windows, without a restart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from client import i18n
from client.windows.sign_in import SignInPage
from tests.support.shell_env import ShellEnv, app_context, drain, write_site


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
    assert [p.name for p in built] == ["studydesk_en.qm", "studydesk_zh_CN.qm"]
    assert all(p.stat().st_size > 100 for p in built)


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


def _translate_wrappers(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """Functions that pass a variable to QCoreApplication.translate (lupdate cannot see through them)."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "translate" and len(call.args) >= 2
                        and not isinstance(call.args[1], ast.Constant)):
                    found[node.name] = node
    return found


def _takes_text(fn: ast.FunctionDef) -> bool:
    """A wrapper that translates its first argument (not one that looks up a code, like message_for_code)."""
    return bool(fn.args.args) and fn.args.args[0].arg in ("text", "source", "message", "msg", "s")


def test_every_string_is_visible_to_lupdate_and_found_at_run_time():
    """A wrapper like ``_tr(text)`` hides its strings from lupdate; a bare ``tr("...")`` is filed under the
    empty context, so such a wrapper must also look there. Both mistakes leave English in a Chinese UI."""
    bad = []
    for path in i18n.source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        wrappers = _translate_wrappers(tree)
        for name, node in wrappers.items():
            if name == "tr" and 'translate("", text)' not in ast.get_source_segment(path.read_text(), node):
                bad.append(f"{path.name}: tr() must fall back to the empty context")
        for call in ast.walk(tree):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in wrappers
                    and call.func.id != "tr" and call.args and isinstance(call.args[0], ast.Constant)
                    and _takes_text(wrappers[call.func.id])):
                bad.append(f"{path.name}:{call.lineno}: {call.func.id}({call.args[0].value!r}) is invisible to lupdate")
    assert bad == []


def test_english_plural_forms_are_filled():
    assert i18n.problems(i18n.ts_path("en")) == []
