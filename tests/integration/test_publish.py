"""Publishing, publisher keys and the repository as served by a real server process."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import requests

from sync.protocol.catalog import Catalog
from sync.protocol.errors import SyncError, UnsafePathError
from sync.protocol.keys import PublicKey
from sync.protocol.manifest import Manifest
from tests.support.courses import publish_source, random_bytes, write_course_source
from tests.support.server_process import ServerProcess

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo_course"


def test_keys_init_show_and_publish_demo_course(server: ServerProcess) -> None:
    out = server.cli("keys", "init").stdout
    priv = server.data_dir / "keys" / "publisher.pem"
    assert stat.S_IMODE(priv.stat().st_mode) == 0o600
    assert b"ENCRYPTED" not in priv.read_bytes()  # no passphrase given: said plainly on stderr
    shown = server.cli("keys", "show").stdout.strip()
    key = PublicKey.from_text(shown)
    assert shown in out
    assert server.cli("keys", "init", check=False).returncode == 1  # never silently replaced

    published = server.cli("publish", str(DEMO))
    assert "version 1" in published.stdout
    again = server.cli("publish", str(DEMO))
    assert "nothing changed" in again.stdout

    trusted = {key.key_id: key}
    catalog = Catalog.parse_verified(requests.get(server.url + "/repo/catalog.json", timeout=5).content, trusted)
    entry = catalog.entry("demo-party-theory")
    assert entry is not None and entry.version == 1
    manifest = Manifest.parse_verified(requests.get(f"{server.url}/repo/{entry.manifest}", timeout=5).content, trusted)
    assert manifest.title == "学习贯彻党的基本理论专题"
    assert [round(e.duration_s) for e in manifest.lessons] == [24, 30, 36]  # measured by ffprobe
    assert manifest.policy.max_rate == 1.5 and manifest.policy.seek_ahead is False
    assert manifest.documents[0].mime == "application/pdf"
    assert manifest.exam is not None and manifest.quizzes
    keys = requests.get(server.url + "/api/publisher-keys", timeout=5).json()["keys"]
    assert keys == [{"key_id": key.key_id, "public_key": shown}]


def test_encrypted_key_needs_its_passphrase(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "data")
    os.environ["STUDYDESK_PUBLISHER_PASSPHRASE"] = "correct horse"
    try:
        proc.cli("keys", "init")
        assert b"ENCRYPTED" in (tmp_path / "data" / "keys" / "publisher.pem").read_bytes()
        src = write_course_source(tmp_path / "src", "enc-course", [b"x" * 100])
        assert proc.cli("publish", str(src)).returncode == 0
        del os.environ["STUDYDESK_PUBLISHER_PASSPHRASE"]
        failed = proc.cli("publish", str(src), check=False)
        assert failed.returncode == 1 and "STUDYDESK_PUBLISHER_PASSPHRASE" in failed.stderr
    finally:
        os.environ.pop("STUDYDESK_PUBLISHER_PASSPHRASE", None)


def test_new_version_shares_unchanged_blobs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    lessons = [random_bytes(5000, i) for i in range(3)]
    src = write_course_source(tmp_path / "src", "shared", lessons)
    v1 = publish_source(data, src)
    assert v1.new_blobs == 3
    (src / "lesson2.mp4").write_bytes(random_bytes(6000, 99))
    v2 = publish_source(data, src)
    assert v2.manifest.version == 2 and v2.new_blobs == 1 and v2.shared_blobs == 2
    assert v1.manifest.lessons[0].blob == v2.manifest.lessons[0].blob
    assert len(list((data / "repo" / "blobs" / "sha256").iterdir())) == 4
    assert not [p for p in (data / "repo" / "blobs" / "sha256").iterdir() if p.name.startswith(".")]
    catalog = Catalog.parse((data / "repo" / "catalog.json").read_bytes())
    assert catalog.entry("shared").version == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["../outside.mp4", "/etc/hostname", "sub\\x.mp4"])
def test_publish_refuses_files_outside_the_folder(tmp_path: Path, name: str) -> None:
    (tmp_path / "outside.mp4").write_bytes(b"secret")
    src = write_course_source(tmp_path / "src", "escape", [b"ok"])
    toml = (src / "course.toml").read_text().replace('file = "lesson1.mp4"', f"file = {name!r}")
    (src / "course.toml").write_text(toml.replace("'", '"') if "\\" not in name else toml)
    with pytest.raises(UnsafePathError):
        publish_source(tmp_path / "data", src)
    assert not (tmp_path / "data" / "repo" / "catalog.json").exists()


def test_repository_range_etag_and_paths(server: ServerProcess, tmp_path: Path) -> None:
    body = random_bytes(100_000, 7)
    result = publish_source(server.data_dir, write_course_source(tmp_path / "src", "ranges", [body]))
    url = f"{server.url}/repo/blobs/sha256/{result.manifest.lessons[0].blob}"
    full = requests.get(url, timeout=5)
    assert full.status_code == 200 and full.content == body
    etag = full.headers["etag"]
    assert etag == f'"{result.manifest.lessons[0].blob}"' and full.headers["accept-ranges"] == "bytes"

    part = requests.get(url, headers={"Range": "bytes=1000-"}, timeout=5)
    assert part.status_code == 206 and part.content == body[1000:]
    assert part.headers["content-range"] == f"bytes 1000-99999/{len(body)}"
    assert requests.get(url, headers={"Range": "bytes=100000-"}, timeout=5).status_code == 416
    same = requests.get(url, headers={"Range": "bytes=10-19", "If-Range": etag}, timeout=5)
    assert same.status_code == 206 and same.content == body[10:20]
    stale = requests.get(url, headers={"Range": "bytes=10-19", "If-Range": '"other"'}, timeout=5)
    assert stale.status_code == 200 and stale.content == body
    assert requests.get(url, headers={"If-None-Match": etag}, timeout=5).status_code == 304
    head = requests.head(url, timeout=5)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(body)

    cat = requests.get(f"{server.url}/repo/catalog.json", timeout=5)
    assert cat.headers["cache-control"] == "no-cache"
    assert requests.get(f"{server.url}/repo/catalog.json", headers={"If-None-Match": cat.headers["etag"]},
                        timeout=5).status_code == 304
    for bad in ("server.sqlite3", "keys/publisher.pem", "blobs/sha256/../../keys/publisher.pem",
                "blobs/sha256/" + "0" * 64, "manifests/ranges/../../../keys/publisher.pem", ".publish.lock"):
        assert requests.get(f"{server.url}/repo/{bad}", timeout=5).status_code == 404, bad


@pytest.mark.parametrize(("change", "code"), [
    ('id = "lesson-1"\nfile = "lesson2.mp4"', "bad_field"),  # two lessons with one id
    ('id = "bad id!"\nfile = "lesson2.mp4"', "bad_id"),
    ('file = "missing.mp4"', "missing_file"),
])
def test_publish_refuses_bad_course_files(tmp_path: Path, change: str, code: str) -> None:
    src = write_course_source(tmp_path / "src", "badcourse", [b"one", b"two"])
    toml = (src / "course.toml").read_text()
    (src / "course.toml").write_text(toml.replace('id = "lesson-2"\nfile = "lesson2.mp4"', change))
    with pytest.raises(SyncError) as info:
        publish_source(tmp_path / "data", src)
    assert info.value.code == code
    assert not (tmp_path / "data" / "repo" / "manifests" / "badcourse").exists()
    assert not (tmp_path / "data" / "repo" / "catalog.json").exists()


def test_publish_command_reports_errors_without_a_traceback(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")  # admin commands only: no need to serve
    server.cli("keys", "init")
    failed = server.cli("publish", str(tmp_path / "no-such-folder"), check=False)
    assert failed.returncode == 1 and failed.stderr.startswith("error:") and "course.toml" in failed.stderr
    src = write_course_source(tmp_path / "src", "ok", [b"one"])
    (src / "course.toml").write_text("id = [", encoding="utf-8")
    bad = server.cli("publish", str(src), check=False)
    assert bad.returncode == 1 and "not valid TOML" in bad.stderr and "Traceback" not in bad.stderr
