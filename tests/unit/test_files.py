"""The one atomic write: whole file or old file, never a part, and no temp file left behind."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sync.protocol.errors import IntegrityError, StorageError
from sync.storage.files import atomic_copy_verified, atomic_write_bytes


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".tmp-"))


def test_a_failed_rename_leaves_the_target_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.mkdir()  # a folder where the file should go: the rename fails after the temp file was written
    (target / "inside").write_bytes(b"kept")
    with pytest.raises(StorageError) as info:
        atomic_write_bytes(target, b"x" * 100_000)
    assert info.value.code == "storage" and "state.json" in info.value.detail
    assert (target / "inside").read_bytes() == b"kept"
    assert _leftovers(tmp_path) == []


def test_data_that_raises_while_written_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    atomic_write_bytes(target, b'{"old": true}')
    gone = memoryview(b"new contents")
    gone.release()  # writing a released buffer raises ValueError, not OSError
    with pytest.raises(ValueError):
        atomic_write_bytes(target, gone)
    assert target.read_bytes() == b'{"old": true}'
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_write_cut_off_by_the_file_size_limit_keeps_the_whole_old_file(tmp_path: Path) -> None:
    # A real short write: the child process may not write files larger than 4 KiB, so the
    # kernel refuses the rest of a 64 KiB write (EFBIG) part way, as a full disk would.
    target = tmp_path / "device.json"
    target.write_bytes(b"old" * 100)
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from sync.protocol.errors import StorageError\n"
        "from sync.storage.files import atomic_write_bytes\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        "    atomic_write_bytes(Path(sys.argv[1]), b'n' * 65536)\n"
        "except StorageError as exc:\n"
        "    print(exc.code)\n"
        "    sys.exit(3)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, cwd=root,
                          env={"PYTHONPATH": str(root)}, timeout=60)
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stdout.strip() == "storage"
    assert target.read_bytes() == b"old" * 100
    assert _leftovers(tmp_path) == []


def test_concurrent_writers_of_one_file_never_share_a_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "downloads.json"
    payloads = [bytes([65 + i]) * (50_000 + i) for i in range(6)]
    errors: list[BaseException] = []

    def write(data: bytes) -> None:
        try:
            for _ in range(15):
                atomic_write_bytes(target, data)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert target.read_bytes() in payloads  # one writer's whole file, never a mix
    assert _leftovers(tmp_path) == []


def test_mode_is_applied_and_a_missing_folder_is_made(tmp_path: Path) -> None:
    target = tmp_path / "secrets" / "device_key.bin"
    atomic_write_bytes(target, b"sealed", mode=0o600)
    assert target.read_bytes() == b"sealed"
    if sys.platform != "win32":
        assert target.stat().st_mode & 0o777 == 0o600


def test_a_folder_that_cannot_be_made_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(StorageError):
        atomic_write_bytes(tmp_path / "file" / "below.json", b"{}")


def test_a_copy_with_the_wrong_hash_leaves_the_destination_and_no_temp_file(tmp_path: Path) -> None:
    src, dest = tmp_path / "src.bin", tmp_path / "out" / "blob"
    src.write_bytes(b"lesson video" * 1000)
    dest.parent.mkdir()
    dest.write_bytes(b"previous")
    wrong = IntegrityError("hash_mismatch", "not the signed file")
    with pytest.raises(IntegrityError) as info:
        atomic_copy_verified(src, dest, "0" * 64, wrong)
    assert info.value is wrong
    assert dest.read_bytes() == b"previous"
    assert _leftovers(dest.parent) == []
    atomic_copy_verified(src, dest, hashlib.sha256(src.read_bytes()).hexdigest(), wrong)
    assert dest.read_bytes() == src.read_bytes()
    assert _leftovers(dest.parent) == []
