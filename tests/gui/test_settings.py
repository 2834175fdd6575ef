"""Settings: safe per-user overrides only, saved atomically, applied at once to open windows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from client.settings import SettingsFile, effective_site
from client.windows.settings_dialog import SettingsDialog
from client.workers.downloads import in_windows
from sync.protocol.errors import FormatError
from sync.site.config import parse_site
from tests.support.server_process import ServerProcess
from tests.support.shell_env import ShellEnv, app_context, drain, write_site

SITE = b'[server]\nurl = "https://train.example.gov.cn"\n[ui]\nlanguage = "zh_CN"\n'


def test_only_safe_keys_are_stored_and_bad_values_are_refused(tmp_path: Path):
    site = parse_site(SITE)
    f = SettingsFile(tmp_path / "settings.json")
    f.save(site, {"language": "en", "text_size": "large", "bandwidth_cap_kbps": 512})
    with pytest.raises(FormatError):
        f.save(site, {"server_url": "https://evil.example"})  # the site does not allow it
    with pytest.raises(FormatError):
        f.save(site, {"publisher_keys": []})
    with pytest.raises(FormatError):
        f.save(site, {"download_windows": ["lunch"]})
    assert f.load(site) == {"language": "en", "text_size": "large", "bandwidth_cap_kbps": 512}
    # a hand-edited file with forbidden or broken values: those keys are ignored, the rest kept
    data = json.loads(f.path.read_text()) | {"server_url": "https://evil.example", "text_size": "huge"}
    f.path.write_text(json.dumps(data))
    assert f.load(site) == {"language": "en", "bandwidth_cap_kbps": 512}
    eff = effective_site(site, f.load(site))
    assert eff.server_url == "https://train.example.gov.cn" and eff.language == "en"
    f.path.write_text("{not json")
    assert f.load(site) == {}


def test_server_is_editable_only_where_the_site_allows(tmp_path: Path):
    site = parse_site(SITE.replace(b"[ui]", b"allow_user_server = true\n[ui]"))
    f = SettingsFile(tmp_path / "s.json")
    f.save(site, {"server_url": "https://other.example"})
    assert effective_site(site, f.load(site)).server_url == "https://other.example"


def test_download_windows():
    from datetime import datetime

    at = datetime(2024, 5, 1, 12, 30)
    assert in_windows((), at)
    assert in_windows(("12:00-13:30",), at)
    assert not in_windows(("18:00-23:00",), at)
    assert in_windows(("22:00-06:00",), datetime(2024, 5, 1, 2, 0))


@pytest.fixture
def env(tmp_path: Path) -> ShellEnv:
    site = write_site(tmp_path / "site.toml", "http://127.0.0.1:9", "")
    site.write_text(site.read_text().replace('keys = [""]', "keys = []"), encoding="utf-8")
    return ShellEnv(ServerProcess(tmp_path / "unused"), site, tmp_path / "data", "")


def test_dialog_saves_and_applies_language_and_text_size_to_every_window(qtbot, env):
    from client.windows.sign_in import SignInPage

    ctx = app_context(env, language="zh_CN")
    other_window = SignInPage(ctx)
    qtbot.addWidget(other_window)
    other_window.show()
    base_pt = QApplication.font().pointSize()
    dialog = SettingsDialog(ctx, None)
    qtbot.addWidget(dialog)
    try:
        assert dialog.windowTitle() == "设置"
        dialog.language.setCurrentIndex(dialog.language.findData("en"))
        dialog.text_size.setCurrentIndex(dialog.text_size.findData("xlarge"))
        dialog.windows.setText("12:00-13:30， 18:00-23:00")
        dialog.buttons.accepted.emit()
        qtbot.waitUntil(lambda: other_window.heading.text() == "Sign in", timeout=5000)
        assert QApplication.font().pointSize() > base_pt
        stored = json.loads((env.data_root / "settings.json").read_text())
        assert stored == {"language": "en", "text_size": "xlarge"}  # the PC-wide part, before anyone signs in
        bad = SettingsDialog(ctx, None)
        qtbot.addWidget(bad)
        bad.windows.setText("lunch time")
        bad.save()
        assert "not valid" in bad.message.text()
    finally:
        ctx.translator.set_language("en")
        ctx.theme.apply("normal")
        drain(ctx, qtbot)


def test_ca_bundle_is_editable_only_where_the_site_allows(qtbot, tmp_path):
    from tests.support.shell_env import app_context

    ca = tmp_path / "site-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    site = write_site(tmp_path / "site.toml", "https://train.example.gov.cn", "")
    text = site.read_text().replace('keys = [""]', "keys = []")
    text = text.replace("[publisher]", "allow_user_server = true\n\n[publisher]")
    site.write_text(text, encoding="utf-8")
    env = ShellEnv(ServerProcess(tmp_path / "unused"), site, tmp_path / "data", "")
    ctx = app_context(env)
    dialog = SettingsDialog(ctx, None)
    qtbot.addWidget(dialog)
    try:
        assert dialog.ca_bundle.isEnabled() and dialog.server.isEnabled()
        assert dialog.ca_bundle.isVisibleTo(dialog) and dialog.server.isVisibleTo(dialog)
        dialog.ca_bundle.setText(str(tmp_path / "missing.pem"))
        dialog.save()
        qtbot.waitUntil(lambda: "does not exist" in dialog.message.text(), timeout=5000)
        dialog.ca_bundle.setText(str(ca))
        dialog.server.setText("https://other.example.gov.cn")
        dialog.save()
        qtbot.waitUntil(lambda: (env.data_root / "settings.json").exists(), timeout=5000)
        stored = json.loads((env.data_root / "settings.json").read_text())
        assert stored["ca_bundle"] == str(ca) and stored["server_url"] == "https://other.example.gov.cn"
        eff = effective_site(ctx.base_site, SettingsFile(env.data_root / "settings.json").load(ctx.base_site))
        assert eff.tls_verify() == str(ca) and eff.server_url == "https://other.example.gov.cn"
    finally:
        ctx.translator.set_language("en")  # saving applied the site's zh_CN: leave the app as other tests expect
        drain(ctx, qtbot)
    locked = parse_site(SITE)
    with pytest.raises(FormatError):
        SettingsFile(tmp_path / "x.json").save(locked, {"ca_bundle": str(ca)})


def test_speed_limit_in_kb_or_mb_per_second_and_no_limit_for_zero():
    from client.windows.settings_dialog import speed_in_kbps, speed_in_units

    assert speed_in_units(0) == (0, "KB/s")
    assert speed_in_units(8000) == (1, "MB/s") and speed_in_units(24000) == (3, "MB/s")
    assert speed_in_units(4000) == (500, "KB/s") and speed_in_units(1000) == (125, "KB/s")
    assert speed_in_units(3) == (1, "KB/s")  # a tiny cap never shows as "no limit"
    assert speed_in_kbps(500, "KB/s") == 4000 and speed_in_kbps(2, "MB/s") == 16000


def test_dialog_speed_limit_and_hidden_server_fields(qtbot, env):
    ctx = app_context(env, language="zh_CN")
    dialog = SettingsDialog(ctx, None)
    qtbot.addWidget(dialog)
    try:
        # the site does not let people change the server: learners do not see those fields at all
        assert not dialog.server.isVisibleTo(dialog) and not dialog.ca_bundle.isVisibleTo(dialog)
        assert "服务器" not in [label.text() for label in dialog.labels if label.isVisibleTo(dialog)]
        assert dialog.bandwidth.value() == 0 and dialog.bandwidth.text() == "不限速"
        assert dialog.bandwidth_unit.currentText() == "KB/s"
        assert dialog.changes()["bandwidth_cap_kbps"] == 0
        dialog.bandwidth.setValue(500)
        assert dialog.changes()["bandwidth_cap_kbps"] == 4000
        dialog.bandwidth_unit.setCurrentIndex(dialog.bandwidth_unit.findData("MB/s"))
        dialog.bandwidth.setValue(2)
        assert dialog.changes()["bandwidth_cap_kbps"] == 16000
    finally:
        ctx.translator.set_language("en")
        drain(ctx, qtbot)


def test_a_cap_that_is_no_whole_kb_stays_exact_until_changed(qtbot, tmp_path):
    site = write_site(tmp_path / "site.toml", "http://127.0.0.1:9", "", "[bandwidth]\ncap_kbps = 1001\n")
    site.write_text(site.read_text().replace('keys = [""]', "keys = []"), encoding="utf-8")
    env = ShellEnv(ServerProcess(tmp_path / "unused"), site, tmp_path / "data", "")
    ctx = app_context(env)
    dialog = SettingsDialog(ctx, None)
    qtbot.addWidget(dialog)
    try:
        assert (dialog.bandwidth.value(), dialog.bandwidth_unit.currentData()) == (125, "KB/s")
        assert dialog.changes()["bandwidth_cap_kbps"] == 1001  # shown rounded, kept exact
        dialog.bandwidth.setValue(126)
        assert dialog.changes()["bandwidth_cap_kbps"] == 1008
    finally:
        drain(ctx, qtbot)
