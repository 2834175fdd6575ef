"""The deploy/ folder as shipped: the nginx site in front of a real server process, and the
systemd units."""

from __future__ import annotations

import configparser
import datetime
import ipaddress
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server.limits import MAX_BODY_BYTES
from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.records import Record
from tests.support.courses import publish_lessons, publish_source, random_bytes, write_course_source
from tests.support.load import (
    COURSE,
    LESSON,
    LESSON_S,
    Tally,
    chain_problems,
    honest_chain,
    new_signer,
    retrying,
    stored,
    upload,
)
from tests.support.nginx import NginxSite, nginx_available
from tests.support.postgres import Cluster
from tests.support.server_process import ServerProcess, add_user, free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DATA = "/var/lib/studydesk/data"
EXEC = "/opt/studydesk/venv/bin/studydesk-server"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    crt, pem = folder / "site.crt", folder / "site.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


def _replace(text: str, old: str, new: str, count: int) -> str:
    assert text.count(old) == count, f"the shipped site no longer has {count} x {old!r}"
    return text.replace(old, new)


def site_for_test(data_dir: Path, api_port: int, https_port: int, http_port: int, crt: Path, key: Path) -> str:
    """The shipped nginx site with the test's paths and ports; nothing else changed."""
    conf = (DEPLOY / "nginx-studydesk.conf").read_text()
    conf = _replace(conf, "listen [::]:80;\n", "", 1)
    conf = _replace(conf, "listen [::]:443 ssl;\n", "", 1)
    conf = _replace(conf, "listen 80;", f"listen 127.0.0.1:{http_port};", 1)
    conf = _replace(conf, "listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;", 1)
    conf = _replace(conf, "/etc/ssl/studydesk/site.crt", str(crt), 1)
    conf = _replace(conf, "/etc/ssl/studydesk/site.key", str(key), 1)
    conf = _replace(conf, "server 127.0.0.1:8470 max_fails=0;", f"server 127.0.0.1:{api_port} max_fails=0;", 4)
    return _replace(conf, f"root {DATA};", f"root {data_dir.resolve()};", 2)


@dataclass
class Site:
    url: str
    http_url: str
    ca: Path
    server: ServerProcess

    def get(self, path: str, **kw: object) -> requests.Response:
        return requests.get(self.url + path, verify=str(self.ca), timeout=10, **kw)  # type: ignore[arg-type]


def _behind_nginx(server: ServerProcess, tmp_path: Path) -> Iterator[Site]:
    """The shipped nginx site, with a certificate of its own, in front of the started ``server``;
    both stopped afterwards."""
    try:
        crt, key = _self_signed(tmp_path / "tls")
        https_port, http_port = free_port(), free_port()
        nginx = NginxSite(site_for_test(server.data_dir, server.port, https_port, http_port, crt, key),
                          tmp_path / "nginx", https_port)
        try:
            nginx.start()
            yield Site(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", crt, server)
        finally:
            nginx.stop()
    finally:
        server.stop()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    if not nginx_available():
        pytest.skip("Debian's nginx is not installed")
    data = tmp_path / "server"
    src = write_course_source(tmp_path / "src", "static", [random_bytes(400_000, 1)])
    publish_source(data, src)
    yield from _behind_nginx(ServerProcess(data).start(), tmp_path)


def _a_blob(data_dir: Path) -> Path:
    return next(p for p in sorted((data_dir / "repo" / "blobs" / "sha256").iterdir()) if p.stat().st_size > 1000)


def test_repo_served_statically_with_range_and_cache_headers(site: Site) -> None:
    blob = _a_blob(site.server.data_dir)
    whole = blob.read_bytes()
    part = site.get(f"/repo/blobs/sha256/{blob.name}", headers={"Range": "bytes=100-299"})
    assert part.status_code == 206 and part.content == whole[100:300]
    assert part.headers["content-range"] == f"bytes 100-299/{len(whole)}"
    assert "immutable" in part.headers["cache-control"]
    full = site.get(f"/repo/blobs/sha256/{blob.name}")
    assert full.status_code == 200 and full.content == whole
    again = site.get(f"/repo/blobs/sha256/{blob.name}", headers={"Range": "bytes=10-", "If-Range":
                                                               full.headers["etag"]})
    assert again.status_code == 206 and again.content == whole[10:]
    cat = site.get("/repo/catalog.json")
    assert cat.status_code == 200 and cat.content == (site.server.data_dir / "repo" / "catalog.json").read_bytes()
    assert cat.headers["cache-control"] == "no-cache"
    manifest = next((site.server.data_dir / "repo" / "manifests").rglob("*.json"))
    rel = manifest.relative_to(site.server.data_dir / "repo").as_posix()
    assert site.get(f"/repo/{rel}").content == manifest.read_bytes()
    # only the repository's own kinds of files: not its lock, not other names
    assert site.get("/repo/.publish.lock").status_code == 404
    assert site.get("/repo/").status_code == 404
    assert site.get("/").status_code == 404
    assert requests.post(site.url + f"/repo/blobs/sha256/{blob.name}", verify=str(site.ca),
                         timeout=10).status_code == 403


def test_symlink_planted_in_blobs_is_not_served(site: Site) -> None:
    blobs = site.server.data_dir / "repo" / "blobs" / "sha256"
    secret = site.server.data_dir / "outside.txt"
    secret.write_text("not for the web")
    planted = blobs / ("f" * 64)
    planted.symlink_to(secret)
    inside = blobs / ("e" * 64)
    inside.symlink_to(_a_blob(site.server.data_dir))  # a link even to a real blob is refused
    for link in (planted, inside):
        r = site.get(f"/repo/blobs/sha256/{link.name}")
        assert r.status_code in (403, 404) and b"not for the web" not in r.content


def test_api_and_health_proxied(site: Site) -> None:
    assert site.get("/api/health").json() == {"status": "ok"}
    assert site.get("/health").json() == {"status": "ok"}
    keys = site.get("/api/publisher-keys")
    assert keys.status_code == site_direct(site, "/api/publisher-keys").status_code
    redirect = requests.get(site.http_url + "/api/health", allow_redirects=False, timeout=10)
    assert redirect.status_code == 301 and redirect.headers["location"].startswith("https://")


def test_admin_web_proxied_with_a_secure_cookie(site: Site) -> None:
    page = site.get("/admin/sign-in")
    assert page.status_code == 200 and "登录" in page.text
    cookie = page.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()  # TLS seen through
    assert site.get("/admin/static/admin.css").status_code == 200


def site_direct(site: Site, path: str) -> requests.Response:
    return requests.get(site.server.url + path, timeout=10)


def test_body_over_the_server_cap_refused_by_nginx(site: Site) -> None:
    over = requests.post(site.url + "/api/records", data=b"x" * (MAX_BODY_BYTES + 1), verify=str(site.ca),
                         headers={"Content-Type": "application/octet-stream"}, timeout=30)
    assert over.status_code == 413 and b"nginx" in over.content  # refused by nginx, never sent on
    under = requests.post(site.url + "/api/records", data=b"x" * (MAX_BODY_BYTES - 4096), verify=str(site.ca),
                          headers={"Content-Type": "application/octet-stream"}, timeout=30)
    assert under.status_code != 413 and b"nginx" not in under.content  # passed on: the server answers


@pytest.fixture
def two_workers(tmp_path: Path, postgres_cluster: Cluster) -> Iterator[Site]:
    """The shipped site in front of ``serve --workers 2`` on PostgreSQL."""
    if not nginx_available():
        pytest.skip("Debian's nginx is not installed")
    server = ServerProcess(tmp_path / "server", database_url=postgres_cluster.fresh_database(), workers=2).start()
    publish_lessons(server.data_dir, COURSE, {LESSON: LESSON_S})
    yield from _behind_nginx(server, tmp_path)


def test_a_killed_worker_behind_nginx_costs_no_502_and_no_record(two_workers: Site, tmp_path: Path) -> None:
    site = two_workers
    server = site.server
    add_user(server, "li", "pass-word")
    tally = Tally()
    lanes = 4
    apis = [ApiClient(Transport(site.url, verify=str(site.ca))) for _ in range(lanes)]
    user_id = str(apis[0].login("li", "pass-word")["user_id"])
    for api in apis[1:]:
        api.login("li", "pass-word")
    signers = [new_signer(user_id) for _ in range(lanes)]
    for api, signer in zip(apis, signers, strict=True):
        api.enrol_device(signer.device_id, signer.key.public.to_text())
    chains = {s.device_id: honest_chain(s, 40, time.time() - 100, span_s=2.0) for s in signers}
    half = threading.Event()

    def lane(api: ApiClient, chain: list[Record]) -> None:
        mine = Tally()
        for k in range(0, len(chain), 2):
            if k == len(chain) // 2:
                half.set()
            upload(api, chain[k:k + 2], mine)
            # a GET through nginx too. nginx resends it when the worker dies before answering, but not
            # when the worker dies between the answer's header and its body (nginx has already passed
            # the header on): the client then sees the connection break and reads again, as the app does.
            transcript = retrying("transcript", api.transcript, mine)
            mine.statuses[str(transcript["records"] >= 0)] += 1
        tally.merge(mine)

    with ThreadPoolExecutor(lanes) as pool:
        futures = [pool.submit(lane, api, chains[s.device_id]) for api, s in zip(apis, signers, strict=True)]
        assert half.wait(120)
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        for f in futures:
            f.result(timeout=300)
    assert chain_problems(chains, stored(server)) == []
    assert tally.acked == {r.id for c in chains.values() for r in c}
    nginx_log = tmp_path / "nginx" / "error.log"
    # nginx answered no 502: it resent the request
    assert "server_error" not in tally.errors, (tally.failures,
                                               nginx_log.read_text()[-3000:] if nginx_log.is_file() else "")
    assert victim not in server.worker_pids()


def test_nginx_cap_matches_the_server_cap() -> None:
    from server.app import COURSE_UPLOAD_BYTES  # the web framework, only for this test

    conf = (DEPLOY / "nginx-studydesk.conf").read_text()
    sizes = re.findall(r"client_max_body_size\s+(\d+)m;", conf)
    assert sizes and all(int(s) * 1024 * 1024 == MAX_BODY_BYTES for s in sizes)
    # only an admin's course zip may be larger, as large as the server takes it
    assert re.findall(r"client_max_body_size\s+(\d+)g;", conf) == [str(COURSE_UPLOAD_BYTES // 1024**3)]


# ---------------------------------------------------------------- systemd units


def _unit(name: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=True, interpolation=None, comment_prefixes=("#", ";"))
    cp.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    cp.read_string((DEPLOY / name).read_text())
    return cp


HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes",
             "PrivateDevices": "yes", "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": ""}


def test_unit_files(tmp_path: Path) -> None:
    server = _unit("studydesk-server.service")["Service"]
    assert server["User"] == "studydesk" and server["Group"] == "studydesk"
    assert server["ExecStart"].split()[:2] == [EXEC, "serve"]
    assert "--host 127.0.0.1 --port 8470 --workers ${STUDYDESK_WORKERS}" in server["ExecStart"]
    assert server["Environment"].split() == [f"STUDYDESK_SERVER_DATA={DATA}", "STUDYDESK_WORKERS=1"]
    assert server["KillMode"] == "mixed"
    assert DATA.startswith(server["ReadWritePaths"] + "/")
    assert server["Restart"] == "on-failure"
    for key, value in HARDENING.items():
        assert server[key] == value, key
    backup = _unit("studydesk-backup.service")["Service"]
    assert backup["Type"] == "oneshot" and backup["User"] == "studydesk"
    assert f"STUDYDESK_SERVER_DATA={DATA}" in backup["Environment"].split()
    assert backup["ExecStart"].split()[:3] == [EXEC, "backup", "/var/backups/studydesk"]
    assert "--keep ${STUDYDESK_BACKUP_KEEP}" in backup["ExecStart"]
    assert set(backup["ReadWritePaths"].split()) == {"/var/lib/studydesk", "/var/backups/studydesk"}
    for key, value in HARDENING.items():
        assert backup[key] == value, key
    timer = _unit("studydesk-backup.timer")
    assert timer["Timer"]["Unit"] == "studydesk-backup.service" and timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["OnCalendar"].startswith("*-*-* ")
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert _unit("studydesk-server.service")["Install"]["WantedBy"] == "multi-user.target"
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:  # where it is installed, systemd itself checks the units too
        _verify(analyze, tmp_path)


def _verify(analyze: str, tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "studydesk-server"
    exe = exe if exe.is_file() else Path(shutil.which("true") or "/bin/true")
    names = ["studydesk-server.service", "studydesk-backup.service", "studydesk-backup.timer"]
    for name in names:  # verify checks that ExecStart exists: point it at this machine's command
        (tmp_path / name).write_text((DEPLOY / name).read_text().replace(EXEC, str(exe)))
    done = subprocess.run([analyze, "verify", *(str(tmp_path / n) for n in names)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "studydesk" not in done.stderr, done.stderr
