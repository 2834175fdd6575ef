"""A throw-away PostgreSQL cluster for the tests: Debian's PostgreSQL binaries, no Docker.

``Cluster.start`` runs ``initdb`` in a new temporary folder (as the ``postgres`` user when the
tests run as root: initdb refuses root), then ``pg_ctl start`` on a free port of 127.0.0.1, with
its Unix socket in the same folder and trust authentication for the one superuser ``sd``. It
is tuned for tests, not for keeping data (no fsync). ``fresh_database`` gives each test its own
database, copied from a template that is already at the newest revision (CREATE DATABASE ...
TEMPLATE takes milliseconds, the revisions would take a second). ``stop`` stops the server
and deletes the folder.

The fixtures (tests.support.fixtures) start one cluster per test process, or use the one named
by $STUDYDESK_TEST_POSTGRES_URL (a superuser URL of a running cluster, e.g. one that
``./run test`` started for all its workers).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from tests.support.server_process import free_port

USER = "sd"
TEMPLATE = "studydesk_template"
URL_ENV = "STUDYDESK_TEST_POSTGRES_URL"
_numbers = itertools.count(1)


def binaries() -> Path | None:
    """The folder of Debian's newest PostgreSQL server binaries, or None when not installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def _new_name() -> str:
    return f"t_{os.getpid()}_{next(_numbers)}_{time.monotonic_ns() % 10**6}"


class Cluster:
    """One PostgreSQL server and its databases (see the module text)."""

    def __init__(self, admin_url: str, folder: Path | None = None, bin_dir: Path | None = None) -> None:
        self.admin_url = admin_url
        """A superuser's URL (database ``postgres``)."""
        self.folder = folder
        self.bin_dir = bin_dir
        self._template_ready = False
        self._version: int | None = None

    @classmethod
    def start(cls) -> Cluster:
        """initdb and start a new cluster; RuntimeError with the server's log if it does not start."""
        bin_dir = binaries()
        if bin_dir is None:
            raise FileNotFoundError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        folder = Path(tempfile.mkdtemp(prefix="studydesk-pg-"))
        as_root = os.geteuid() == 0
        if as_root:
            shutil.chown(folder, "postgres", "postgres")
        port = free_port()

        def run(*args: str) -> None:
            subprocess.run(args, check=True, capture_output=True, timeout=120,
                           user="postgres" if as_root else None, cwd=folder)

        try:
            run(str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", USER, "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync")
            options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            run(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-o", options, "-l", str(folder / "log"), "-w",
                "start")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            log = (folder / "log").read_text(errors="replace")[-2000:] if (folder / "log").exists() else ""
            output = getattr(exc, "stderr", b"") or b""
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"the test PostgreSQL did not start: {output.decode(errors='replace')}\n{log}") from exc
        return cls(f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres", folder, bin_dir)

    def url(self, database: str) -> str:
        return sa.engine.make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    def _admin(self, *statements: str) -> None:
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def empty_database(self, prefix: str = "t") -> str:
        """The URL of a new, empty database."""
        name = f"{prefix}_{os.getpid()}_{next(_numbers)}_{time.monotonic_ns() % 10**6}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def fresh_database(self) -> str:
        """The URL of a new database at the newest revision (copied from the template)."""
        if not self._template_ready:
            self._make_template()
        name = _new_name()
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._template_name()}"{self._copy_files()}')
        return self.url(name)

    def copy_database(self, url: str) -> str:
        """The URL of a new database copied from the one at ``url``, which nobody may be connected to."""
        name = _new_name()
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{sa.engine.make_url(url).database}"{self._copy_files()}')
        return self.url(name)

    def _copy_files(self) -> str:
        """PostgreSQL 15's default way to copy a template writes every page of it to the log as well; a
        file copy is about half the server's CPU for a database of the size of ours (fsync is off)."""
        if self._version is None:
            engine = sa.create_engine(self.admin_url, poolclass=sa.pool.NullPool)
            try:
                with engine.connect() as conn:
                    self._version = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one())
            finally:
                engine.dispose()
        return " STRATEGY = FILE_COPY" if self._version >= 150000 else ""

    def _template_name(self) -> str:
        return f"{TEMPLATE}_{os.getpid()}"  # one per test process: a template may have no other user

    def _make_template(self) -> None:
        from server.storage.schema import open_database

        name = self._template_name()
        self._admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        open_database(self.url(name)).dispose()
        self._template_ready = True

    def stop(self) -> None:
        """Stop the server (at once: its data is thrown away) and delete its folder."""
        if self.folder is None or self.bin_dir is None:
            return
        subprocess.run([str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w",
                        "stop"], capture_output=True, timeout=60, user="postgres" if os.geteuid() == 0 else None,
                       cwd=self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


def from_environment() -> Cluster | None:
    """The running cluster named by $STUDYDESK_TEST_POSTGRES_URL, if set."""
    url = os.environ.get(URL_ENV)
    return Cluster(url) if url else None


if __name__ == "__main__":  # ./run test: one cluster for every worker; prints its URL, stops on stdin's end
    import sys

    cluster = Cluster.start()
    print(cluster.admin_url, flush=True)
    try:
        sys.stdin.read()
    finally:
        cluster.stop()
