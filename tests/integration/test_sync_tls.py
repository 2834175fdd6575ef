"""TLS is always verified: a server whose certificate comes from the site's CA is trusted only
with that CA bundle (SiteConfig.tls_verify()), never by turning verification off."""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pytestqt.qtbot import QtBot

from client.tasks import Lanes
from client.workers.sync_worker import OFFLINE, SyncController
from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.errors import RetryableError
from sync.site.config import SiteConfig
from tests.support.server_process import ServerProcess
from tests.support.uploads import fill, session_via


def _cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None,
          issuer_key: ec.EllipticCurvePrivateKey | None, ca: bool) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name).public_key(key.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
         .not_valid_after(now + dt.timedelta(days=1))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                            critical=False)
    return b.sign(issuer_key or key, hashes.SHA256())


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    ca_key, srv_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("StudyDesk test site CA", ca_key, None, None, ca=True)
    srv = _cert("127.0.0.1", srv_key, ca.subject, ca_key, ca=False)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "srv.pem").write_bytes(srv.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "srv.key").write_bytes(srv_key.private_bytes(serialization.Encoding.PEM,
                                                             serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "srv.pem", tmp_path / "srv.key")
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", tmp_path / "ca.pem"
    finally:
        httpd.shutdown()
        httpd.server_close()
        t.join(5)


def test_site_ca_bundle_is_required_and_verification_cannot_be_disabled(https_server: tuple[str, Path]) -> None:
    url, ca = https_server
    with_ca = SiteConfig(server_url=url, ca_bundle=ca)
    assert Transport(url, with_ca.tls_verify()).request("GET", "/api/health") == {"status": "ok"}
    without = SiteConfig(server_url=url)
    with pytest.raises(RetryableError) as e:
        Transport(url, without.tls_verify()).request("GET", "/api/health")
    assert e.value.code == "tls"
    assert not ApiClient(Transport(url, without.tls_verify())).health()
    with pytest.raises(ValueError):
        Transport(url, False)


def test_a_tls_failure_is_retryable_end_to_end(https_server: tuple[str, Path], server: ServerProcess,
                                               tmp_path: Path, qtbot: QtBot) -> None:
    """A server whose certificate this PC cannot verify: the uploader keeps the TLS error itself,
    and the status bar says "offline, will retry", not "problem"."""
    url, _ca = https_server
    signed_in = session_via(server.url, server, tmp_path / "pc")
    s = dataclasses.replace(signed_in, api=ApiClient(Transport(url, SiteConfig(server_url=url).tls_verify()),
                                                     signed_in.api.tokens))
    fill(s, 2)
    result = s.uploader(max_wait_s=0.5).sync_once()
    assert result.codes == ["tls"] and isinstance(result.errors[0], RetryableError)
    assert s.outbox().pending_count() == 2

    lanes = Lanes()
    sync = SyncController(lanes, s)
    try:
        with qtbot.waitSignal(sync.error_changed, timeout=40000) as failed:
            sync.sync_now()
        error = failed.args[0] if failed.args else None
        assert isinstance(error, RetryableError) and error.code == "tls"
        assert sync.state == OFFLINE and sync.next_round_scheduled
    finally:
        sync.shutdown()
        qtbot.waitUntil(lambda: not lanes.busy, timeout=20000)
