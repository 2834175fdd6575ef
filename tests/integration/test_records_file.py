"""Air-gapped sites: ``studydesk records export`` -> ``studydesk-server records import``, with the
same verification as the API, idempotent, and a safe rule for devices the server never saw."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from sync.account.auth import AuthService
from sync.account.profile_db import open_profile_db
from sync.protocol.keys import PrivateKey
from sync.protocol.records import DeviceSigner
from sync.protocol.records_file import read_records_file, write_records_file
from sync.records.outbox import Outbox
from sync.site.config import SiteConfig
from tests.support.client_cli import run_client, site_file
from tests.support.courses import publish_lessons
from tests.support.server_process import ServerProcess, add_user
from tests.support.watch import Timeline

pytestmark = pytest.mark.databases  # each test runs on SQLite and on PostgreSQL


def server_count(server: ServerProcess) -> int:
    [(count,)] = server.sql("SELECT COUNT(*) FROM records")
    return int(count)


def test_export_import_is_verified_and_idempotent(server: ServerProcess, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    add_user(server, "li", "pass-word", display="李四")
    data, site = tmp_path / "pc", site_file(tmp_path, server.url)
    assert run_client(monkeypatch, "--data", str(data), "--site", str(site), "login", "--user", "li",
                      "--password-stdin") == 0
    assert "李四" in capsys.readouterr().out
    server.stop()  # from now on the PC has no network
    s = AuthService(data, SiteConfig(server_url=server.url)).sign_in("li", "pass-word")
    assert s.offline
    ob = s.outbox()
    line = Timeline()
    for i in range(25):
        ob.append("watch", "c1", "l1", line.body([[i * 4.0, i * 4.0 + 4]], position_s=i * 4.0 + 4))
    out = tmp_path / "usb" / "li-records.json"
    out.parent.mkdir()
    assert run_client(monkeypatch, "--data", str(data), "--site", str(site), "records", "export", "--out", str(out),
                      "--user", "li", "--password-stdin") == 0
    assert "25" in capsys.readouterr().out
    assert not list(out.parent.glob(".*"))  # no temp file left behind

    publish_lessons(server.data_dir, "c1", {"l1": 600.0})
    first = server.cli("records", "import", str(out))
    assert "stored 25, already there 0, rejected 0" in first.stdout and "flagged" not in first.stdout
    monkeypatch.setenv("STUDYDESK_LANG", "zh_CN")  # the operator's language: the same summary in Chinese
    again = server.cli("records", "import", str(out))
    monkeypatch.setenv("STUDYDESK_LANG", "en")
    assert "已保存 0 条，已有 25 条，拒收 0 条" in again.stdout
    assert server_count(server) == 25
    # the PC comes back online later: the same records are acked as duplicates, nothing doubles
    server.start()
    online = AuthService(data, SiteConfig(server_url=server.url)).sign_in("li", "pass-word")
    result = online.uploader().sync_once()
    assert result.acked == 25 and result.errors == []
    assert server_count(server) == 25
    assert online.api.transcript()["courses"][0]["credited_s"] == 100.0


def test_tampered_file_is_refused_and_stores_nothing(server: ServerProcess, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(server, "wu", "pass-word")
    s = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url)).sign_in("wu", "pass-word")
    s.outbox().append("watch", "c1", "l1", {"segments": [[0, 10]]})
    path = tmp_path / "r.json"
    write_records_file(path, key=s.device.key, device_id=s.device_id, user_id=s.user_id, username=s.username,
                       enrolled_at=s.device.enrolled_at, records=s.outbox().all_records())
    doc = json.loads(path.read_bytes())
    doc["records"][0]["body"]["segments"] = [[0, 9999]]
    path.write_text(json.dumps(doc), encoding="utf-8")
    bad = server.cli("records", "import", str(path), check=False)
    assert bad.returncode == 1 and "bad_signature" in bad.stderr
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": 1}', encoding="utf-8")
    worse = server.cli("records", "import", str(junk), check=False)
    assert worse.returncode == 1 and "not_records_file" in worse.stderr
    monkeypatch.setenv("STUDYDESK_LANG", "zh_CN")  # the operator's language says why, the codes kept
    said = [server.cli("records", "import", str(p), check=False).stderr.strip() for p in (path, junk)]
    monkeypatch.setenv("STUDYDESK_LANG", "en")
    assert said == [f"错误：{path} 在生成后被改动过：签名不符 [bad_signature]",
                    f"错误：{junk} 不是 StudyDesk 学习记录文件 [not_records_file]"]
    assert server_count(server) == 0


def test_unknown_device_needs_the_admin_flag_and_an_existing_user(server: ServerProcess, tmp_path: Path) -> None:
    add_user(server, "zhou", "pass-word")
    user_id = next(line.split("\t")[-1] for line in server.cli("user", "list").stdout.splitlines() if "zhou" in line)
    signer = DeviceSigner(str(uuid.uuid4()), user_id, PrivateKey.generate())  # a PC that never reached this server
    ob = Outbox(open_profile_db(tmp_path / "p"), signer)
    for _ in range(3):
        ob.append("note", None, None, {"text": "离线学习"})
    path = tmp_path / "r.json"
    write_records_file(path, key=signer.key, device_id=signer.device_id, user_id=user_id, username="zhou",
                       enrolled_at=None, records=ob.all_records())
    refused = server.cli("records", "import", str(path), check=False)
    assert refused.returncode == 1 and "--enrol-devices" in refused.stderr
    ok = server.cli("records", "import", str(path), "--enrol-devices")
    assert "stored 3" in ok.stdout and "enrolled" in ok.stdout
    # a file claiming a user this server does not have is refused even with the flag
    stranger = DeviceSigner(str(uuid.uuid4()), str(uuid.uuid4()), PrivateKey.generate())
    write_records_file(path, key=stranger.key, device_id=stranger.device_id, user_id=stranger.user_id,
                       username="zhou", enrolled_at=None, records=[])
    assert "unknown_user" in server.cli("records", "import", str(path), "--enrol-devices", check=False).stderr
    # and a second key for the now-enrolled device is refused
    other = PrivateKey.generate()
    write_records_file(path, key=other, device_id=signer.device_id, user_id=user_id, username="zhou",
                       enrolled_at=None, records=[])
    assert read_records_file(path).device_id == signer.device_id
    assert "device_key_mismatch" in server.cli("records", "import", str(path), check=False).stderr


def test_export_from_an_outbox_alone_imports_for_an_enrolled_device(server: ServerProcess, tmp_path: Path) -> None:
    from sync.records.export import export_records

    add_user(server, "qian", "pass-word")
    s = AuthService(tmp_path / "pc", SiteConfig(server_url=server.url)).sign_in("qian", "pass-word")
    ob = s.outbox()
    ob.append("watch", "c1", "l1", {"segments": [[0, 10]]})
    ob.append("watch", "c1", "l1", {"segments": [[10, 20]]})
    assert export_records(ob, tmp_path / "gui-export.json") == 2
    assert "stored 2" in server.cli("records", "import", str(tmp_path / "gui-export.json")).stdout
