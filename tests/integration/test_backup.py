"""``studydesk-server backup`` while a real server takes uploads, and ``restore`` into a new folder
(and, on PostgreSQL, a new database); a restore over a PostgreSQL site keeps a dump of what it replaced."""

from __future__ import annotations

import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.protocol.records import GENESIS
from tests.support.courses import publish_lessons
from tests.support.postgres import Cluster
from tests.support.server_process import ServerProcess
from tests.support.uploads import fill, session_via


@pytest.fixture
def server(tmp_path: Path, database: str | None) -> Iterator[ServerProcess]:
    s = ServerProcess(tmp_path / "data", database_url=database).start()
    try:
        yield s
    finally:
        s.stop()


def _rows(server: ServerProcess) -> list[tuple[str, int, str, str, str]]:
    return [(d, int(q), i, p, h) for d, q, i, p, h in
            server.sql("SELECT device_id, seq, id, prev, hash FROM records ORDER BY device_id, seq")]


def _chains_intact(rows: list[tuple[str, int, str, str, str]]) -> None:
    prev_by_device: dict[str, tuple[int, str]] = {}
    for device, seq, _, prev, digest in rows:
        last_seq, last_hash = prev_by_device.get(device, (0, GENESIS))
        assert (seq, prev) == (last_seq + 1, last_hash)
        prev_by_device[device] = (seq, digest)


@pytest.mark.databases
def test_backup_while_uploading_then_restore_and_serve(server: ServerProcess, tmp_path: Path,
                                                       request: pytest.FixtureRequest) -> None:
    publish_lessons(server.data_dir, "c1", {"l0": 600.0, "l1": 600.0, "l2": 600.0})
    s = session_via(server.url, server, tmp_path / "pc")
    fill(s, 400)
    first = s.uploader(batch_size=100).sync_once()  # some records are stored before the backup starts
    assert first.acked == 400
    fill_more = threading.Event()

    def upload() -> None:
        pc = session_via(server.url, server, tmp_path / "pc")
        fill(pc, 600)
        fill_more.set()
        pc.uploader(batch_size=5).sync_once()

    writer = threading.Thread(target=upload)
    writer.start()
    assert fill_more.wait(60)
    acked_before = _rows(server)
    archive = tmp_path / "backups" / "one.tar"
    done = server.cli("backup", str(archive))
    writer.join(120)
    assert "Wrote" in done.stdout
    live = _rows(server)
    assert len(live) == 1000  # every upload went through while the backup ran

    elsewhere = None
    if server.database_url:  # a new, empty database for the restored site
        elsewhere = request.getfixturevalue("postgres_cluster").empty_database()
    restored = ServerProcess(tmp_path / "restored", database_url=elsewhere)
    out = restored.cli("restore", str(archive))
    assert "Restored" in out.stdout
    rows = _rows(restored)
    _chains_intact(rows)
    assert len(acked_before) <= len(rows) <= len(live)
    assert set(acked_before) <= set(rows) <= set(live)  # same records, same hashes
    assert (restored.data_dir / "keys").stat().st_mode & 0o777 == 0o700
    restored.start()
    try:
        again = session_via(restored.url, restored, tmp_path / "pc2")
        assert again.api.transcript()["records"] == len(rows)
        assert (restored.data_dir / "repo" / "catalog.json").read_bytes() == \
            (server.data_dir / "repo" / "catalog.json").read_bytes()
    finally:
        restored.stop()


def _tamper(archive: Path, out: Path, member: str) -> None:
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        info = tar.getmember(member)
    data[info.offset_data + info.size // 2] ^= 0x01
    out.write_bytes(bytes(data))


def test_tampered_archive_refused_and_nothing_replaced(server: ServerProcess, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    publish_lessons(server.data_dir, "c1", {"l0": 60.0})
    archive = tmp_path / "a.tar"
    server.cli("backup", str(archive))
    server.stop()
    target = ServerProcess(tmp_path / "target")
    target.cli("restore", str(archive))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with tarfile.open(archive) as tar:
        blob = next(n for n in tar.getnames() if n.startswith("repo/blobs/"))
    for member in ("server.sqlite3", blob):
        bad = tmp_path / f"bad-{member.replace('/', '_')}.tar"
        _tamper(archive, bad, member)
        done = target.cli("restore", str(bad), check=False)
        assert done.returncode == 1 and "[backup_damaged]" in done.stderr, done.stderr
        assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if not p.name.startswith("bad-")) \
            == before  # no staging folder left, the folder untouched
    not_tar = tmp_path / "bad-not-a-tar.tar"
    not_tar.write_bytes(b"hello")
    assert "[backup_damaged]" in target.cli("restore", str(not_tar), check=False).stderr
    monkeypatch.setenv("STUDYDESK_LANG", "zh_CN")  # the operator's language says why
    said = target.cli("restore", str(tmp_path / "bad-server.sqlite3.tar"), check=False).stderr.strip()
    monkeypatch.setenv("STUDYDESK_LANG", "en")
    assert said == ("错误：备份已损坏，或不是 StudyDesk 服务器备份：server.sqlite3 与 manifest.json 中记录的 "
                    "sha256 不符 [backup_damaged]")


def test_restore_over_a_running_server_refused(server: ServerProcess, tmp_path: Path) -> None:
    archive = tmp_path / "a.tar"
    server.cli("backup", str(archive))
    done = server.cli("restore", str(archive), check=False)
    assert done.returncode == 1 and "[server_running]" in done.stderr
    assert not list(tmp_path.glob("data.before-restore-*")) and not list(tmp_path.glob(".data.restore-*"))
    server.stop()
    done = server.cli("restore", str(archive))
    assert len(list(tmp_path.glob("data.before-restore-*"))) == 1  # the old folder is kept aside


def test_backup_folder_keeps_the_newest(server: ServerProcess, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [folder / f"studydesk-backup-2020010{i}T000000Z.tar" for i in (1, 2, 3)]
    for p in old:
        p.write_bytes(b"old")
    (folder / "notes.txt").write_text("not an archive")
    out = server.cli("backup", str(folder), "--keep", "2").stdout
    kept = {p.name for p in folder.iterdir()}
    new = [n for n in kept if n.startswith("studydesk-backup-") and n not in {p.name for p in old}]
    assert len(new) == 1 and kept == {old[2].name, new[0], "notes.txt"}
    assert out.count("Removed the old backup") == 2


def test_a_restore_over_a_postgresql_site_puts_the_backup_back_and_keeps_a_dump_of_what_it_replaced(
        tmp_path: Path, postgres_cluster: Cluster) -> None:
    site = ServerProcess(tmp_path / "data", database_url=postgres_cluster.fresh_database())
    site.cli("user", "add", "li", "--unit", "U", "--new-unit", "--password-stdin", input=b"pass-word\n")
    archive = tmp_path / "a.tar"
    site.cli("backup", str(archive))
    with tarfile.open(archive) as tar:
        assert "server.pgdump" in tar.getnames() and "server.sqlite3" not in tar.getnames()
    site.cli("user", "add", "late", "--unit", "U", "--new-unit", "--password-stdin", input=b"pass-word\n")

    sqlite_site = ServerProcess(tmp_path / "other")  # a backup of one kind does not go into the other
    wrong_kind = sqlite_site.cli("restore", str(archive), check=False)
    assert wrong_kind.returncode == 1 and "[backup_kind]" in wrong_kind.stderr

    out = site.cli("restore", str(archive))
    assert "Restored" in out.stdout
    names = [line.split("\t")[0] for line in site.cli("user", "list").stdout.splitlines()]
    assert names == ["li"]  # the database is as it was at the backup
    [aside] = tmp_path.glob("data.before-restore-*")
    assert (aside / "server.pgdump.before-restore").stat().st_size > 0  # what was replaced, kept
    assert not (site.data_dir / "server.pgdump").exists()
    assert site.sql("SELECT COUNT(*) FROM audit_log")[0][0] > 0
    assert site.sql("SELECT version_num FROM alembic_version")[0][0]
