"""`studydesk site-check` against a real HTTPS server on loopback (the real server app under uvicorn
with a certificate from a throw-away site CA), a published course, and real site files."""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync.protocol.keys import PrivateKey
from sync.site.check import Finding, run_site_check
from sync.site.config import parse_site
from tests.support.courses import publish_source, publisher_keys, random_bytes, write_course_source, write_site
from tests.support.server_process import free_port
from tests.support.zygote import run_module

ROOT = Path(__file__).resolve().parents[2]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca_and_cert(folder: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server.key): a site CA and a server certificate for 127.0.0.1 it signed."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("StudyDesk test site CA")).issuer_name(_name("StudyDesk test "
          "site CA")).public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@dataclass
class TlsSite:
    url: str
    ca: Path
    data: Path


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsSite]:
    """The server's app under uvicorn with TLS, served from a thread of this process (the server's
    command serves plain HTTP behind the site's TLS front, so a new interpreter here would import
    the whole server again just to add TLS)."""
    import uvicorn

    from server.app import create_app
    from server.config import ServerConfig

    base = tmp_path_factory.mktemp("tls-site")
    data = base / "server-data"
    src = write_course_source(base / "src", "party-history", [random_bytes(2000, 1)])
    publish_source(data, src)
    ca, cert, key = make_ca_and_cert(base)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ServerConfig(data)), host="127.0.0.1", port=port,
                                           ssl_certfile=str(cert), ssl_keyfile=str(key), log_level="warning",
                                           log_config=None))  # this process's logging stays as it is
    thread = threading.Thread(target=server.run, name="tls-site", daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "the TLS server stopped"
            time.sleep(0.05)
        yield TlsSite(f"https://127.0.0.1:{port}", ca, data)
    finally:
        server.should_exit = True
        thread.join(30)
        assert not thread.is_alive(), "the TLS server did not stop"


def _by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings}


def _site_file(folder: Path, site: TlsSite, *, with_ca: bool = True, repository: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = write_site(folder / "site.toml", site.url, publisher_keys(site.data), repository)
    if with_ca:
        shutil.copy(site.ca, folder / "site-ca.pem")
        text = path.read_text(encoding="utf-8").replace("[server]\n", '[server]\nca_bundle = "site-ca.pem"\n', 1)
        path.write_text(text, encoding="utf-8")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line, forked from the test process's zygote (tests/support/zygote.py)."""
    return run_module("client.cli", args, cwd=ROOT, timeout=120)


def test_site_example_parses() -> None:
    example = ROOT / "installer" / "site.example.toml"
    site = parse_site(example.read_bytes(), source=example)
    assert site.server_url.startswith("https://") and site.language == "zh_CN"
    assert site.yearly_target_hours == 0.0


def test_yearly_target_hours_is_a_site_setting_users_cannot_change() -> None:
    from sync.protocol.errors import FormatError

    site = parse_site(b"[credits]\nyearly_target_hours = 50\n")
    assert site.yearly_target_hours == 50.0
    assert site.with_user_overrides({"yearly_target_hours": 1}).yearly_target_hours == 50.0
    for bad in (b"-1", b'"50"', b"true"):
        with pytest.raises(FormatError, match="yearly_target_hours"):
            parse_site(b"[credits]\nyearly_target_hours = " + bad + b"\n")


def test_passes_with_the_site_ca(tls_site: TlsSite, tmp_path: Path) -> None:
    site_file = _site_file(tmp_path / "site", tls_site)
    found = _by_check(run_site_check(site_file))
    assert all(f.ok for f in found.values()), found
    assert set(found) == {"site_file", "ca_bundle", "publisher_keys", "tls", "server", "repository"}
    assert "party-history" in found["repository"].detail
    done = _cli("site-check", "--site", str(site_file), "--lang", "en")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✓ Secure connection (TLS)" in done.stdout and "✗" not in done.stdout


def test_reports_tls_failure_without_the_ca(tls_site: TlsSite, tmp_path: Path) -> None:
    site_file = _site_file(tmp_path / "site", tls_site, with_ca=False)
    found = _by_check(run_site_check(site_file))
    assert not found["tls"].ok and found["tls"].problem == "tls_untrusted"
    done = _cli("site-check", "--site", str(site_file), "--lang", "en")
    assert done.returncode == 1
    assert "✗ Secure connection (TLS)" in done.stdout and "ca_bundle" in done.stdout
    chinese = _cli("site-check", "--site", str(site_file), "--lang", "zh_CN")
    assert chinese.returncode == 1
    assert "✗ 安全连接（TLS）" in chinese.stdout and "本机不信任服务器的证书" in chinese.stdout


def test_catalog_signed_by_another_key_is_named(tls_site: TlsSite, tmp_path: Path) -> None:
    other = PrivateKey.generate().public
    site_file = _site_file(tmp_path / "site", tls_site)
    text = site_file.read_text(encoding="utf-8")
    key_text = next(iter(publisher_keys(tls_site.data).values())).to_text()
    site_file.write_text(text.replace(key_text, other.to_text()), encoding="utf-8")
    found = _by_check(run_site_check(site_file))
    assert found["server"].ok and not found["repository"].ok
    assert found["repository"].problem == "catalog_untrusted"


def test_folder_repository_and_dead_server(tls_site: TlsSite, tmp_path: Path) -> None:
    repo = tmp_path / "kit" / "courses"
    shutil.copytree(tls_site.data / "repo", repo)
    dead = f"http://127.0.0.1:{free_port()}"
    site_file = write_site(tmp_path / "kit" / "site.toml", dead, publisher_keys(tls_site.data), "courses")
    found = _by_check(run_site_check(site_file))
    assert found["repository"].ok and found["repository"].target == str(repo)
    assert not found["server"].ok and found["server"].problem == "unreachable"
    (repo / "catalog.json").write_bytes((repo / "catalog.json").read_bytes().replace(b"party", b"PARTY"))
    assert _by_check(run_site_check(site_file))["repository"].problem == "catalog_bad"


def test_missing_and_broken_site_files(tmp_path: Path) -> None:
    done = _cli("site-check", "--site", str(tmp_path / "absent.toml"), "--lang", "en")
    assert done.returncode == 1 and "No site file was found" in done.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text('[server]\nurl = "ftp://nowhere"\n', encoding="utf-8")
    [finding] = run_site_check(broken)
    assert finding.problem == "site_invalid" and "http" in finding.detail


def test_unknown_server_name_is_reported_as_dns(tmp_path: Path) -> None:
    key = PrivateKey.generate().public
    site_file = write_site(tmp_path / "site.toml", "http://studydesk-site-check.invalid", {key.key_id: key})
    found = _by_check(run_site_check(site_file))
    assert not found["server"].ok and found["server"].problem == "dns"
