"""Bad input against a real server process and real files: a clear error code, nothing stored lost.

Every case first stores a good course, then meets the bad input, then checks that the good
course's manifest and every blob still verify and that nothing half-written was left.
"""

from __future__ import annotations

import concurrent.futures
import gzip
import json
import os
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from client.messages import MESSAGES
from server.publisher_keys import load_private
from sync.content.downloader import Downloader
from sync.content.package_io import import_package
from sync.content.store import ContentStore
from sync.protocol.canonical import canonical_bytes, sha256_hex
from sync.protocol.catalog import Catalog, CatalogEntry, manifest_path
from sync.protocol.errors import SyncError
from sync.protocol.keys import PrivateKey
from sync.protocol.manifest import Manifest
from sync.storage.files import atomic_write_bytes
from tests.support.courses import publish_source, publisher_keys, random_bytes, write_course_source
from tests.support.ingest import Client, chain, enrolled_client, statuses
from tests.support.server_process import ServerProcess, add_user

SEEN_CODES: set[str] = set()


@pytest.fixture(scope="module")
def repo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("bad-input")
    proc = ServerProcess(root / "server").start()
    publish_source(proc.data_dir, write_course_source(root / "good-src", "good", [random_bytes(30_000, 1)]))
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def store(repo_server: ServerProcess, tmp_path: Path) -> ContentStore:
    """A client store already holding the good course."""
    keys = publisher_keys(repo_server.data_dir)
    s = ContentStore(tmp_path / "content", keys)
    Downloader(s, repo_server.url + "/repo", keys).download_course("good")
    return s


def _publish(server: ServerProcess, tmp_path: Path, course_id: str, size: int = 200_000) -> Manifest:
    lesson = random_bytes(size, zlib.crc32(course_id.encode()))
    src = write_course_source(tmp_path / f"src-{course_id}", course_id, [lesson])
    return publish_source(server.data_dir, src).manifest


def _expect(store: ContentStore, server: ServerProcess, code: str, course_id: str, version: int | None = None,
            **kw: object) -> SyncError:
    d = Downloader(store, server.url + "/repo", store.trusted_keys, backoff_base_s=0.01, max_attempts=3, **kw)
    with pytest.raises(SyncError) as info:
        d.download_course(course_id, version)
    assert info.value.code == code, info.value.detail
    SEEN_CODES.add(code)
    _assert_good_intact(store)
    return info.value


def _assert_good_intact(store: ContentStore) -> None:
    good = store.manifest("good")
    assert good is not None
    assert all(store.verify_blob(h) for h in good.blobs())
    leftovers = [p for p in store.root.rglob(".tmp-*")]
    assert not leftovers


def _rewrite_manifest(server: ServerProcess, course_id: str, change: dict[str, object],
                      key: PrivateKey | None = None, fake_key_id: str | None = None) -> None:
    """Rewrite a published manifest (signed by ``key``, default the publisher's) and re-pin it in the catalog."""
    repo = server.data_dir / "repo"
    path = repo / manifest_path(course_id, 1)
    obj = json.loads(path.read_bytes())
    obj.update(change)
    unsigned = {k: v for k, v in obj.items() if k != "signature"}
    signer = key or load_private(server.data_dir / "keys")
    obj["signature"] = {"key_id": fake_key_id or signer.public.key_id, "sig": signer.sign(canonical_bytes(unsigned))}
    data = canonical_bytes(obj)
    atomic_write_bytes(path, data)
    publisher = load_private(server.data_dir / "keys")
    catalog = Catalog.parse((repo / "catalog.json").read_bytes())
    entry = CatalogEntry(course_id, "x", 1, manifest_path(course_id, 1), sha256_hex(data))
    atomic_write_bytes(repo / "catalog.json", catalog.with_entry(entry, "now").signed(publisher).to_bytes())


def test_tampered_manifest_is_refused(repo_server: ServerProcess, store: ContentStore, tmp_path: Path) -> None:
    _publish(repo_server, tmp_path, "tampered")
    path = repo_server.data_dir / "repo" / manifest_path("tampered", 1)
    obj = json.loads(path.read_bytes())
    obj["credit_hours"] = 99.0  # signature left as it was
    path.write_bytes(canonical_bytes(obj))
    _expect(store, repo_server, "hash_mismatch", "tampered")  # the signed catalog pins the manifest bytes
    _expect(store, repo_server, "bad_signature", "tampered", 1)  # and the manifest's own signature
    assert store.manifest("tampered") is None


def test_manifest_signed_with_a_stolen_key_id_is_refused(repo_server: ServerProcess, store: ContentStore,
                                                         tmp_path: Path) -> None:
    _publish(repo_server, tmp_path, "forged")
    real_id = load_private(repo_server.data_dir / "keys").public.key_id
    _rewrite_manifest(repo_server, "forged", {"title": "forged"}, key=PrivateKey.generate(), fake_key_id=real_id)
    _expect(store, repo_server, "bad_signature", "forged")


def test_unknown_publisher_key_is_refused(repo_server: ServerProcess, store: ContentStore, tmp_path: Path) -> None:
    _publish(repo_server, tmp_path, "stranger")
    _rewrite_manifest(repo_server, "stranger", {}, key=PrivateKey.generate())
    _expect(store, repo_server, "unknown_key", "stranger")


def test_unknown_format_version_is_refused(repo_server: ServerProcess, store: ContentStore, tmp_path: Path) -> None:
    _publish(repo_server, tmp_path, "future")
    _rewrite_manifest(repo_server, "future", {"format": 2})
    _expect(store, repo_server, "unknown_format", "future")


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a\\..\\b.mp4", "..", "x\x00y"])
def test_file_names_escaping_the_folder_are_refused(repo_server: ServerProcess, store: ContentStore,
                                                     tmp_path: Path, name: str) -> None:
    course = f"unsafe-{zlib.crc32(name.encode())}"
    m = _publish(repo_server, tmp_path, course)
    lesson = dict(m.lessons[0].to_dict(), filename=name)
    _rewrite_manifest(repo_server, course, {"lessons": [lesson]})  # validly signed, still refused
    _expect(store, repo_server, "unsafe_path", course)


def test_tampered_blob_and_wrong_hash_are_refused(repo_server: ServerProcess, store: ContentStore,
                                                  tmp_path: Path) -> None:
    m = _publish(repo_server, tmp_path, "badblob")
    blob = repo_server.data_dir / "repo" / "blobs" / "sha256" / m.lessons[0].blob
    data = bytearray(blob.read_bytes())
    data[1000] ^= 0xFF
    blob.write_bytes(bytes(data))
    _expect(store, repo_server, "hash_mismatch", "badblob")
    assert store.lesson_file(store.manifest("badblob"), "lesson-1") is None  # type: ignore[arg-type]
    assert not list(store.partial_dir.glob("*.part"))  # the bad bytes are not kept for a resume

    m2 = _publish(repo_server, tmp_path, "wronghash", size=30_000)
    good_blob = store.manifest("good").lessons[0].blob  # type: ignore[union-attr]
    shutil.copyfile(repo_server.data_dir / "repo" / "blobs" / "sha256" / good_blob,
                    repo_server.data_dir / "repo" / "blobs" / "sha256" / m2.lessons[0].blob)  # same size, other file
    _expect(store, repo_server, "hash_mismatch", "wronghash")


def test_truncated_blob_is_refused(repo_server: ServerProcess, store: ContentStore, tmp_path: Path) -> None:
    m = _publish(repo_server, tmp_path, "short")
    blob = repo_server.data_dir / "repo" / "blobs" / "sha256" / m.lessons[0].blob
    os.truncate(blob, 120_000)
    _expect(store, repo_server, "size_mismatch", "short")


def test_server_errors_give_clear_codes(repo_server: ServerProcess, store: ContentStore, tmp_path: Path) -> None:
    m = _publish(repo_server, tmp_path, "gone")
    (repo_server.data_dir / "repo" / "blobs" / "sha256" / m.lessons[0].blob).unlink()
    _expect(store, repo_server, "not_found", "gone")
    _expect(store, repo_server, "not_found", "no-such-course")

    m = _publish(repo_server, tmp_path, "broken")
    blob = repo_server.data_dir / "repo" / "blobs" / "sha256" / m.lessons[0].blob
    blob.unlink()
    blob.mkdir()  # the real server fails on it with a 500
    err = _expect(store, repo_server, "server_error", "broken")
    assert "500" in err.detail


def test_malformed_json_is_refused(repo_server: ServerProcess, store: ContentStore, tmp_path: Path) -> None:
    _publish(repo_server, tmp_path, "garbled")
    path = repo_server.data_dir / "repo" / manifest_path("garbled", 1)
    path.write_bytes(b'{"format": 1, "course_id": ')
    _expect(store, repo_server, "malformed_json", "garbled", 1)
    catalog = repo_server.data_dir / "repo" / "catalog.json"
    saved = catalog.read_bytes()
    try:
        catalog.write_bytes(b"\xff\xfe not json")
        _expect(store, repo_server, "malformed_json", "good")
    finally:
        catalog.write_bytes(saved)


def test_bad_package_folder_is_refused(store: ContentStore, tmp_path: Path) -> None:
    with pytest.raises(SyncError) as info:
        import_package(tmp_path / "nothing-here", store, store.trusted_keys)
    assert info.value.code == "not_a_package"
    SEEN_CODES.add("not_a_package")
    _assert_good_intact(store)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs (root only)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _fill(path: Path) -> None:
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass


def test_full_disk_is_refused_before_writing(repo_server: ServerProcess, small_disk: Path, tmp_path: Path) -> None:
    _publish(repo_server, tmp_path, "toobig", size=3_000_000)
    keys = publisher_keys(repo_server.data_dir)
    small = ContentStore(small_disk / "content", keys)
    Downloader(small, repo_server.url + "/repo", keys).download_course("good")
    err = _expect(small, repo_server, "disk_full", "toobig")
    assert "free" in err.detail
    assert not list(small.partial_dir.iterdir())


def test_disk_filling_up_mid_download_keeps_everything_and_resumes(repo_server: ServerProcess, small_disk: Path,
                                                                     tmp_path: Path) -> None:
    _publish(repo_server, tmp_path, "fills", size=400_000)
    keys = publisher_keys(repo_server.data_dir)
    small = ContentStore(small_disk / "content", keys)
    Downloader(small, repo_server.url + "/repo", keys).download_course("good")
    filler = small_disk / "someone-elses-file"

    def fill_the_disk(p: object) -> None:
        if not filler.exists() and small.course_state(small.manifest("fills"))[0] > 50_000:  # type: ignore[arg-type]
            _fill(filler)

    err = _expect(small, repo_server, "disk_full", "fills", on_progress=fill_the_disk, rate_limit_bps=400_000)
    assert filler.exists() and "space" in err.detail.lower()
    manifest = small.manifest("fills")
    assert manifest is not None
    kept = small.course_state(manifest)[0]
    assert kept > 0  # what was written before the disk filled up is kept for the resume
    filler.unlink()
    d = Downloader(small, repo_server.url + "/repo", keys)
    d.download_course("fills")
    assert d.stats.bytes_received <= 400_000 - kept + 65_536  # at most the last chunk is fetched again
    assert small.verify_blob(manifest.lessons[0].blob)
    _assert_good_intact(small)


# Bad record batches sent to the server: each is refused with a 400 and its own code, never a 500,
# and the server keeps its memory and keeps answering everyone else meanwhile.

BOMB_TEXT_BYTES = 63 * 1024 * 1024
MAX_RSS_GROWTH = 200 * 1024 * 1024


@pytest.fixture(scope="module")
def student(repo_server: ServerProcess) -> Client:
    add_user(repo_server, "bad-input-student", "pass-word")
    return enrolled_client(repo_server, "bad-input-student")


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """About 60 KB of gzip that inflates to 63 MB of tiny JSON objects."""
    obj = b'{"a":1},'
    text = b'{"records":[' + obj * ((BOMB_TEXT_BYTES - 15) // len(obj)) + b'{"a":1}]}'
    return gzip.compress(text, compresslevel=9)


def _post_batch(server: ServerProcess, who: Client, body: bytes, gzipped: bool = True) -> requests.Response:
    headers = {"Authorization": f"Bearer {who.api.tokens.access_token}",  # type: ignore[union-attr]
               "Content-Type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return requests.post(server.url + "/api/records/batch", data=body, headers=headers, timeout=60)


def _rss(server: ServerProcess) -> int:
    assert server.proc is not None
    return int(psutil.Process(server.proc.pid).memory_info().rss)


def _post_bombs(server: ServerProcess, who: Client, bomb: bytes, n: int) -> list[requests.Response]:
    headers = {"Authorization": f"Bearer {who.api.tokens.access_token}",  # type: ignore[union-attr]
               "Content-Type": "application/json", "Content-Encoding": "gzip"}
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(requests.post, server.url + "/api/records/batch", data=bomb, headers=headers,
                               timeout=120) for _ in range(n)]
        return [f.result() for f in futures]


def test_gzip_bomb_is_refused_while_others_are_served(repo_server: ServerProcess, student: Client,
                                                      gzip_bomb: bytes) -> None:
    other = enrolled_client(repo_server, "bad-input-student")  # another device of the same school
    before = _rss(repo_server)
    peak = before
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        bomb = pool.submit(_post_bombs, repo_server, student, gzip_bomb, 1)
        record = chain(other.signer, 1)[0]
        assert statuses(other.api.post_batch([record])) == ["stored"]  # served while the bomb is handled
        assert requests.get(repo_server.url + "/api/health", timeout=30).ok
        while not bomb.done():
            peak = max(peak, _rss(repo_server))
        answer = bomb.result()[0]
    assert answer.status_code == 400 and answer.json()["code"] == "too_large"
    peak = max(peak, _rss(repo_server))
    assert peak - before < MAX_RSS_GROWTH, f"the server grew by {(peak - before) >> 20} MB"


def test_concurrent_gzip_bombs_keep_memory_bounded(repo_server: ServerProcess, student: Client,
                                                   gzip_bomb: bytes) -> None:
    before = _rss(repo_server)
    answers = _post_bombs(repo_server, student, gzip_bomb, 4)
    for r in answers:
        assert (r.status_code, r.json()["code"]) in ((400, "too_large"), (503, "server_busy")), r.text
        if r.status_code == 503:
            assert int(r.headers["Retry-After"]) >= 1
    assert _rss(repo_server) - before < MAX_RSS_GROWTH
    assert requests.get(repo_server.url + "/api/health", timeout=30).ok


def _record_text(who: Client, **replace: str) -> bytes:
    """One genuinely signed record as JSON text, with some members' text replaced verbatim."""
    fields = {k: json.dumps(v) for k, v in chain(who.signer, 1)[0].to_dict().items()}
    fields.update(replace)
    return ("{" + ",".join(f'"{k}":{v}' for k, v in fields.items()) + "}").encode()


def _bad_batches(who: Client) -> list[tuple[str, bytes]]:
    depth = 100_000
    good = _record_text(who)
    return [
        ("too_deep", b'{"records":[{"body":' + b"[" * depth + b"]" * depth + b"}]}"),
        ("number_too_long", b'{"records":[' + _record_text(who, seq="9" * 5000) + b"]}"),
        ("bad_unicode", b'{"records":[' + _record_text(who, body=json.dumps({"note": "\ud800"})) + b"]}"),
        ("duplicate_key", b'{"records":[' + good[:-1] + b',"seq":2}]}'),
        ("duplicate_key", b'{"records":[],"records":[' + good + b"]}"),
        ("bad_number", b'{"records":[' + _record_text(who, body='{"position_s":NaN}') + b"]}"),
        ("bad_number", b'{"records":[' + _record_text(who, body='{"position_s":1e999}') + b"]}"),
        ("string_too_long", b'{"records":[' + _record_text(who, body=json.dumps({"t": "x" * 70_000})) + b"]}"),
        ("too_many_values", b'{"records":[' + b"0," * 600_000 + b"0]}"),
        ("malformed_json", b'{"records":[' + good),
    ]


@pytest.mark.parametrize("gzipped", [True, False])
def test_malformed_batches_get_400_with_their_code(repo_server: ServerProcess, student: Client,
                                                   gzipped: bool) -> None:
    for code, body in _bad_batches(student):
        r = _post_batch(repo_server, student, body, gzipped)
        assert (r.status_code, r.json()["code"]) == (400, code), (code, r.text[:300])
    assert requests.get(repo_server.url + "/api/health", timeout=30).ok
    fresh = enrolled_client(repo_server, "bad-input-student")  # a new device: its chain starts at 1
    r = _post_batch(repo_server, fresh, b'{"records":[' + _record_text(fresh) + b"]}", gzipped)
    assert r.status_code == 200 and statuses(r.json()["results"]) == ["stored"]


def test_every_code_seen_has_a_message() -> None:
    assert SEEN_CODES, "runs after the bad-input cases"
    assert set(MESSAGES) >= SEEN_CODES, SEEN_CODES - set(MESSAGES)
