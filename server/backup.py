"""Backup and restore of a server's data folder as one archive file.

The archive is a plain tar holding a consistent copy of the database, the course repository
(``repo/``) and the publisher key folder (``keys/``), and last a ``manifest.json`` naming every
member with its size and sha256. It is written through ``sync.storage.files.atomic_writer``, so
a crash or a full disk leaves no partial archive under the final name.

The database part depends on the database kind (``DATABASE_KINDS``). SQLite is copied with
SQLite's online backup (``sqlite3.Connection.backup``): one read transaction, consistent while
the server keeps running and writing. PostgreSQL is copied with ``pg_dump`` in its custom format
(one snapshot too), and put back with ``pg_restore`` in a single transaction. The repository is
copied under the publisher's lock, so a publish never lands half in the archive; the database
is copied first, so every course a stored record refers to is in the repository copied after it.

``restore`` checks the manifest and every member's hash into a staging folder beside the data
folder before anything is replaced, refuses while a server holds the data folder's lock
(``serve_lock``) unless forced, and keeps the replaced folder aside under a dated name; on
PostgreSQL that folder also gets a dump of the database as it was before (``PG_BEFORE``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from server.config import ServerConfig
from server.publish import repo_lock
from server.storage.engine import database_url
from sync.protocol.errors import FormatError, StorageError
from sync.storage.files import CHUNK, atomic_writer, fsync_dir
from sync.storage.sqlite import open_sqlite

FORMAT = "studydesk-server-backup"
VERSION = 1
MANIFEST = "manifest.json"
LOCK_NAME = "server.lock"
ARCHIVE_PATTERN = re.compile(r"^studydesk-backup-\d{8}T\d{6}Z\.tar$")
SQLITE_MEMBER = "server.sqlite3"
PG_MEMBER = "server.pgdump"
PG_BEFORE = "server.pgdump.before-restore"


# ---------------------------------------------------------------- the running server's lock


@contextlib.contextmanager
def serve_lock(data_dir: Path) -> Iterator[None]:
    """Held (shared) by every serving process for its whole life; ``restore`` asks for it exclusively."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK_NAME, "a") as f:
        fcntl.flock(f, fcntl.LOCK_SH)
        yield


def server_running(data_dir: Path) -> bool:
    """Whether a server process holds ``data_dir``'s lock now."""
    try:
        f = open(data_dir / LOCK_NAME, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:  # every server creates it before it serves
        return False
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


# ---------------------------------------------------------------- database kinds


@dataclass(frozen=True, slots=True)
class DatabaseKind:
    """How one kind of database is copied into an archive and checked on the way back."""

    name: str
    members: tuple[str, ...]
    """The archive members (relative to the data folder) holding the database."""
    snapshot: Callable[[ServerConfig, Path], None]
    """Write a consistent copy of the live database to the given file."""
    check: Callable[[Path], None]
    """Raise FormatError unless the restored data folder's database is sound."""
    load: Callable[[ServerConfig, Path, Path], None]
    """Put the checked database of the staging folder (first folder) in place of the site's, before
    the folders are swapped; keep what it replaces in the data folder (second), which is set aside."""


def _sqlite_snapshot(config: ServerConfig, dest: Path) -> None:
    src = open_sqlite(config.db_path)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)  # every page in one step: one read transaction, a consistent copy
            out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            out.close()
        os.chmod(dest, stat.S_IMODE(config.db_path.stat().st_mode))
    finally:
        src.close()


def _sqlite_check(data_dir: Path) -> None:
    conn = sqlite3.connect(f"file:{data_dir / SQLITE_MEMBER}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise FormatError.worded("backup_damaged", "the database in the backup cannot be read: %(error)s",
                                 error=str(exc)) from exc
    finally:
        conn.close()
    if result is None or result[0] != "ok":
        raise FormatError.worded("backup_damaged", "the database in the backup fails its integrity check: %(result)s",
                                 result=result)


def _sqlite_load(config: ServerConfig, staging: Path, data_dir: Path) -> None:
    """Nothing to do: the file moves in with the staging folder, the old one out with the old folder."""


def pg_tool(name: str) -> str:
    """The newest installed PostgreSQL client program ``name`` (pg_dump, pg_restore)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    path = str(found[-1]) if found else shutil.which(name)
    if path is None:
        raise StorageError.worded("no_pg_tools", "%(name)s is not installed (Debian: apt-get install "
                                  "postgresql-client)", name=name)
    return path


def _pg_run(config: ServerConfig, tool: str, *args: str) -> None:
    """Run a PostgreSQL client program on the site's database (its password in the environment,
    never on the command line)."""
    url = database_url(config.url)
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run([pg_tool(tool), *args, "--dbname", target], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise StorageError.worded("pg_tool_failed", "%(tool)s failed: %(output)s",
                                  tool=tool, output=str(done.stderr.strip()[-800:]))


def _pg_snapshot(config: ServerConfig, dest: Path) -> None:
    _pg_run(config, "pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dest))
    os.chmod(dest, 0o600)


def _pg_check(data_dir: Path) -> None:
    done = subprocess.run([pg_tool("pg_restore"), "--list", str(data_dir / PG_MEMBER)], capture_output=True, text=True)
    if done.returncode != 0:
        raise FormatError.worded("backup_damaged", "the database dump in the backup cannot be read: %(output)s",
                                 output=str(done.stderr.strip()))


def _pg_load(config: ServerConfig, staging: Path, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    _pg_snapshot(config, data_dir / PG_BEFORE)
    _pg_run(config, "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
            "--exit-on-error", str(staging / PG_MEMBER))
    (staging / PG_MEMBER).unlink()


SQLITE = DatabaseKind("sqlite", (SQLITE_MEMBER,), _sqlite_snapshot, _sqlite_check, _sqlite_load)
POSTGRESQL = DatabaseKind("postgresql", (PG_MEMBER,), _pg_snapshot, _pg_check, _pg_load)
DATABASE_KINDS = {k.name: k for k in (SQLITE, POSTGRESQL)}


def database_kind(config: ServerConfig) -> DatabaseKind:
    """The kind of database the site uses."""
    return POSTGRESQL if database_url(config.url).get_backend_name() == "postgresql" else SQLITE


# ---------------------------------------------------------------- backup


class _HashingReader(io.RawIOBase):
    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.h = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.h.update(data)
        return data


def _folder_files(root: Path, first: tuple[str, ...] = ()) -> list[Path]:
    """Regular files below ``root``, the ``first`` ones (relative names) before the others;
    hidden files (locks, temp files) and links are left out."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if not name.startswith(".") and stat.S_ISREG(p.lstat().st_mode):
                found.append(p)

    def order(p: Path) -> tuple[int, str]:
        rel = p.relative_to(root).as_posix()
        rank = next((i for i, f in enumerate(first) if rel == f or rel.startswith(f + "/")), len(first))
        return rank, rel

    return sorted(found, key=order)


def _add_file(tar: tarfile.TarFile, path: Path, name: str, manifest: dict[str, dict[str, Any]]) -> None:
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = st.st_size, stat.S_IMODE(st.st_mode), st.st_mtime
        reader = _HashingReader(f)
        tar.addfile(info, reader)  # reads exactly info.size bytes
    manifest[name] = {"size": info.size, "sha256": reader.h.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
    tar.addfile(info, io.BytesIO(data))


def archive_name(now: float | None = None) -> str:
    return time.strftime("studydesk-backup-%Y%m%dT%H%M%SZ.tar", time.gmtime(now))


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    members: int
    size: int
    removed: tuple[Path, ...]


def backup(config: ServerConfig, dest: Path, *, keep: int | None = None) -> BackupResult:
    """Write one archive of ``config``'s data folder to ``dest`` (a file, or a folder to hold a
    dated archive; then at most ``keep`` archives stay in it, the newest)."""
    if keep is not None and keep < 1:
        raise FormatError.worded("bad_keep", "--keep must be at least 1")
    config = config.existing()
    kind = database_kind(config)
    folder_mode = dest.is_dir()
    target = dest / archive_name() if folder_mode else dest
    target.parent.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, Any]] = {}
    with (tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as tmp,
          atomic_writer(target, 0o600) as out,
          tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar):
        for member in kind.members:
            snap = Path(tmp) / member
            kind.snapshot(config, snap)
            _add_file(tar, snap, member, manifest)
            snap.unlink()
        # what a catalog names was written before it: copied after it, it is there
        with repo_lock(config.repo_dir):
            for p in _folder_files(config.repo_dir, ("catalog.json", "manifests")):
                _add_file(tar, p, "repo/" + p.relative_to(config.repo_dir).as_posix(), manifest)
        if config.keys_dir.is_dir():
            for p in _folder_files(config.keys_dir):
                _add_file(tar, p, "keys/" + p.relative_to(config.keys_dir).as_posix(), manifest)
        doc = {"format": FORMAT, "version": VERSION, "database": kind.name,
               "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "members": manifest}
        _add_bytes(tar, MANIFEST, json.dumps(doc, indent=1, sort_keys=True).encode())
    removed: list[Path] = []
    if folder_mode and keep is not None:
        archives = sorted(p for p in dest.iterdir() if ARCHIVE_PATTERN.match(p.name) and p.is_file())
        for old in archives[:-keep]:
            old.unlink()
            removed.append(old)
        fsync_dir(dest)
    return BackupResult(target, len(manifest), target.stat().st_size, tuple(removed))


# ---------------------------------------------------------------- restore


def _damaged(detail: str) -> FormatError:
    return FormatError.worded("backup_damaged", "the backup is damaged or not a StudyDesk server backup: %(detail)s",
                              detail=detail)


def _safe_name(name: str) -> str:
    p = PurePosixPath(name)
    if p.is_absolute() or not p.parts or any(part in ("", ".", "..") for part in p.parts):
        raise FormatError.worded("backup_damaged", "the backup is damaged or not a StudyDesk server backup: "
                                 "unsafe member name %(name)r", name=name)
    return p.as_posix()


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        info = tar.getmember(MANIFEST)
        f = tar.extractfile(info)
        if f is None:
            raise KeyError(MANIFEST)
        doc = json.loads(f.read())
    except (KeyError, ValueError) as exc:
        raise FormatError.worded("backup_damaged", "the backup is damaged or not a StudyDesk server backup: no "
                                 "readable %(manifest)s", manifest=MANIFEST) from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise FormatError.worded("backup_damaged", "the backup is damaged or not a StudyDesk server backup: "
                                 "%(manifest)s is not a StudyDesk server backup manifest", manifest=MANIFEST)
    if doc.get("version") != VERSION:
        raise FormatError.worded("backup_version", "backup format version %(version)s is not supported (this "
                                 "server reads version %(readable)s)", version=repr(doc.get("version")),
                                 readable=VERSION)
    if doc.get("database") not in DATABASE_KINDS:
        raise FormatError.worded("backup_version", "backups of a %(database)s database are not supported",
                                 database=repr(doc.get("database")))
    members = doc.get("members")
    if not isinstance(members, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str) and isinstance(v.get("size"), int)
            for v in members.values()):
        raise FormatError.worded("backup_damaged", "the backup is damaged or not a StudyDesk server backup: "
                                 "%(manifest)s has no valid member list", manifest=MANIFEST)
    return doc


def _extract_verified(tar: tarfile.TarFile, members: dict[str, Any], staging: Path) -> None:
    seen: set[str] = set()
    for info in tar:
        if info.name == MANIFEST:
            continue
        name = _safe_name(info.name)
        if not info.isreg():
            raise FormatError.worded("backup_damaged", "the backup is damaged or not a StudyDesk server backup: "
                                     "%(name)s is not a regular file", name=name)
        want = members.get(name)
        if want is None or name in seen:
            raise FormatError.worded("backup_damaged", "the backup is damaged or not a StudyDesk server backup: "
                                     "%(name)s is not listed in %(manifest)s, or appears twice", name=name,
                                     manifest=MANIFEST)
        seen.add(name)
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        src = tar.extractfile(info)
        assert src is not None  # a regular member
        h = hashlib.sha256()
        size = 0
        with open(target, "wb") as out:
            while chunk := src.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != want["sha256"] or size != want["size"]:
            raise FormatError.worded("backup_damaged", "the backup is damaged or not a StudyDesk server backup: "
                                     "%(name)s does not match its sha256 in %(manifest)s", name=name,
                                     manifest=MANIFEST)
        os.chmod(target, info.mode & 0o777)
        os.utime(target, (info.mtime, info.mtime))  # the repository's ETags stay what clients hold
    missing = sorted(set(members) - seen)
    if missing:
        raise FormatError.worded("backup_damaged", "the backup is damaged or not a StudyDesk server backup: "
                                 "%(n)s member(s) listed in %(manifest)s are missing, e.g. %(name)s", n=len(missing),
                                 manifest=MANIFEST, name=missing[0])


@dataclass(frozen=True, slots=True)
class RestoreResult:
    data_dir: Path
    members: int
    kept_aside: Path | None
    created_at: str


def restore(src: Path, config: ServerConfig, *, force: bool = False) -> RestoreResult:
    """Replace ``config``'s data folder by the archive ``src``, after checking every member's hash.

    Refuses (``server_running``) while a server holds the data folder, unless ``force``. The
    folder it replaces is renamed ``<folder>.before-restore-<time>`` beside it, not deleted.
    """
    data_dir = config.data_dir.absolute()
    if not force and server_running(data_dir):
        raise FormatError.worded("server_running", "a server is running on %(folder)s; stop it first "
                                 "(systemctl stop studydesk-server), or pass --force", folder=str(data_dir))
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=data_dir.parent, prefix=f".{data_dir.name}.restore-"))
    try:
        try:
            tar = tarfile.open(src, mode="r:")  # noqa: SIM115 - closed by the with below
        except tarfile.TarError as exc:
            raise _damaged(str(exc)) from exc
        with tar:
            try:
                doc = _read_manifest(tar)
                _extract_verified(tar, doc["members"], staging)
            except tarfile.TarError as exc:
                raise _damaged(str(exc)) from exc
        kind = DATABASE_KINDS[doc["database"]]
        if kind is not database_kind(config):
            raise FormatError.worded("backup_kind", "the backup holds a %(kind)s database and this site uses %(site)s; "
                                     "restore it into a site of its kind (migrate-to moves a restored SQLite site to "
                                     "PostgreSQL)", kind=kind.name, site=database_kind(config).name)
        kind.check(staging)
        (staging / "repo").mkdir(exist_ok=True)
        (staging / "keys").mkdir(exist_ok=True)
        os.chmod(staging / "keys", 0o700)
        os.chmod(staging, stat.S_IMODE(data_dir.stat().st_mode) if data_dir.is_dir() else 0o750)
        if not force and server_running(data_dir):  # started while the archive was checked
            raise FormatError.worded("server_running", "a server started on %(folder)s during the restore; nothing "
                                     "was replaced", folder=str(data_dir))
        kind.load(config, staging, data_dir)
        aside: Path | None = None
        if data_dir.exists():
            aside = data_dir.with_name(f"{data_dir.name}.before-restore-"
                                       f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
            n = 1
            while aside.exists():
                n += 1
                aside = aside.with_name(f"{aside.name.split('~')[0]}~{n}")
            os.rename(data_dir, aside)
        os.rename(staging, data_dir)
        fsync_dir(data_dir.parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StorageError.worded("storage", "cannot restore into %(folder)s: %(error)s",
                                  folder=str(data_dir), error=str(exc.strerror or exc)) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreResult(data_dir, len(doc["members"]), aside, str(doc.get("created_at", "")))
