"""Sideloading and the client's command line: export, import, download with Ctrl-C and resume."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sync.content.downloader import Downloader
from sync.content.package_io import export_package, import_package
from sync.content.store import ContentStore
from sync.protocol.errors import SyncError
from tests.support.courses import publish_source, publisher_keys, random_bytes, write_course_source, write_site
from tests.support.ctrl_c import popen_taking_ctrl_c
from tests.support.cutting_proxy import CuttingProxy, hold_response
from tests.support.server_process import ServerProcess
from tests.support.zygote import run_module

ROOT = Path(__file__).resolve().parents[2]


def studydesk(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line, forked from the test process's zygote (tests/support/zygote.py)."""
    return run_module("client.cli", args, cwd=ROOT, timeout=120)


def test_export_then_import_on_another_pc(server: ServerProcess, tmp_path: Path) -> None:
    src = write_course_source(tmp_path / "src", "usb", [random_bytes(300_000, 1), random_bytes(200_000, 2)],
                              [b"%PDF-1.4 demo"])
    publish_source(server.data_dir, src)
    keys = publisher_keys(server.data_dir)
    first = ContentStore(tmp_path / "pc1", keys)
    Downloader(first, server.url + "/repo", keys).download_course("usb")
    stick = tmp_path / "stick"
    m = export_package(first, "usb", stick)
    assert (stick / "manifests" / "usb" / "1.json").is_file()
    assert sorted(p.name for p in (stick / "blobs" / "sha256").iterdir()) == sorted(m.blobs())

    second = ContentStore(tmp_path / "pc2", keys)
    imported = import_package(stick, second, keys)
    assert [x.course_id for x in imported] == ["usb"]
    assert all(second.verify_blob(h) for h in m.blobs())

    # A damaged copy on the stick is refused, and the good copy on the PC is untouched.
    victim = stick / "blobs" / "sha256" / m.lessons[0].blob
    victim.write_bytes(b"\0" * victim.stat().st_size)
    third = ContentStore(tmp_path / "pc3", keys)
    with pytest.raises(SyncError) as info:
        import_package(stick, third, keys)
    assert info.value.code == "hash_mismatch"
    assert third.lesson_file(third.manifest("usb"), "lesson-1") is None  # type: ignore[arg-type]
    assert second.verify_blob(m.lessons[0].blob)
    # Export repairs the damaged file from the verified store.
    export_package(first, "usb", stick)
    assert import_package(stick, third, keys)[0].version == 1


def test_export_refuses_an_incomplete_course(server: ServerProcess, tmp_path: Path) -> None:
    publish_source(server.data_dir, write_course_source(tmp_path / "src", "partial", [b"a" * 1000]))
    keys = publisher_keys(server.data_dir)
    store = ContentStore(tmp_path / "pc", keys).ensure()
    store.save_manifest((server.data_dir / "repo" / "manifests" / "partial" / "1.json").read_bytes())
    with pytest.raises(SyncError) as info:
        export_package(store, "partial", tmp_path / "out")
    assert info.value.code == "course_incomplete"
    assert not (tmp_path / "out" / "manifests").exists()


def test_cli_download_ctrl_c_resume_export_import(server: ServerProcess, tmp_path: Path) -> None:
    size = 2_000_000
    publish_source(server.data_dir, write_course_source(tmp_path / "src", "cli", [random_bytes(size, 3)]))
    # The repository is reached through a gate that holds each answer after 600 kB until it is opened: the
    # download below is still under way when the Ctrl-C comes, however slowly this test gets to send it,
    # and it is stalled there (a server or proxy that keeps the connection open and sends nothing).
    gate = threading.Event()
    with CuttingProxy(server.port) as proxy:
        proxy.default_plan = hold_response(600_000, gate)
        site = write_site(tmp_path / "site.toml", server.url, publisher_keys(server.data_dir),
                          repository=proxy.url + "/repo")
        data = tmp_path / "client"
        cmd = [sys.executable, "-m", "client.cli", "--data", str(data), "--site", str(site), "download", "cli",
               "--rate-kbps", "4000"]
        # the command must take the Ctrl-C below even when this test run ignores SIGINT (started in the background)
        proc = popen_taking_ctrl_c(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        partial = data / "content" / "partial"
        held = 600_000 - 2_000  # all the gate lets through of the file (its answer's headers are shorter)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(p.stat().st_size >= held for p in partial.glob("*.part")):
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        # The gate stays shut: the Ctrl-C itself must end the read that waits on the stalled connection.
        # The wait is well below the 30 s read timeout a command that only checks between chunks needs.
        try:
            _out, err = proc.communicate(timeout=20)
        finally:
            gate.set()
        assert proc.returncode == 130, err
        assert "Run the same command again" in err
        kept = sum(p.stat().st_size for p in partial.glob("*.part"))
        assert 200_000 < held <= kept < size

        done = studydesk("--data", str(data), "--site", str(site), "download", "cli")
        assert done.returncode == 0, done.stderr
        assert "Downloaded cli version 1" in done.stdout and "100%" in done.stderr

        stick = tmp_path / "stick"
        exported = studydesk("--data", str(data), "--site", str(site), "package", "export", "cli", "--to", str(stick))
        assert exported.returncode == 0, exported.stderr
        other = tmp_path / "other-pc"
        imported = studydesk("--data", str(other), "--site", str(site), "package", "import", str(stick))
        assert imported.returncode == 0 and "Imported cli version 1" in imported.stdout

        missing = studydesk("--data", str(other), "--site", str(site), "download", "no-such-course")
        assert missing.returncode == 1 and "not found" in missing.stderr.lower()
