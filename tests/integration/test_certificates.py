"""Certificates end to end, on SQLite and PostgreSQL: a real server process decides a person's
学时 and class result from what it published and stored; ``studydesk-server cert`` issues, lists,
verifies and revokes; the learner downloads the PDF over HTTP; its page is rendered to an image
(pypdfium2), the QR code read back (zxing-cpp) and verified against the pinned publisher key and
the served revocation list, and refused after one byte is changed and after revocation."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import base45
import cbor2
import pytest

from server.config import ServerConfig
from server.publisher_keys import load_private, load_public
from sync.account.auth import AuthService, UserSession
from sync.protocol import certificates as c
from sync.protocol.certificate_scan import texts_in_file
from sync.protocol.errors import FormatError
from sync.protocol.keys import PrivateKey
from sync.protocol.manifest import Manifest
from sync.site import revocations
from sync.site.config import SiteConfig
from tests.support.certificates import qr_texts
from tests.support.client_cli import run_client
from tests.support.courses import QUIZ_AND_EXAM, publish_source, random_bytes, study_tested, write_course_source
from tests.support.dates import noon_offset_hours, site_day, year_rules
from tests.support.server_process import ServerProcess, add_user
from tests.support.site_copies import BACKENDS, copied_server

pytestmark = pytest.mark.databases

# The site's clock reads about noon when the module is imported (its UTC offset chosen for that): the year the
# people study in, and their certificates certify, is the site's year, which cannot turn while the module
# runs (with the default +08:00 it would at 16:00 UTC on the 31st of December).
OFFSET_MIN = 60 * noon_offset_hours()
YEAR = site_day(OFFSET_MIN).year
SERIAL = re.compile(r"SD[0-9]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _prepare(data_dir: Path) -> None:
    publish_source(data_dir, write_course_source(data_dir.parent / "src", "tested", [random_bytes(300, 3)],
                                                 assessments=QUIZ_AND_EXAM))
    (data_dir / "certificates.toml").write_text('issuer = "某县委组织部"\n', encoding="utf-8")
    (data_dir / "rules.toml").write_text(year_rules(OFFSET_MIN), encoding="utf-8")


def _build(proc: ServerProcess, _folder: Path) -> None:
    proc.cli("unit", "add", "cgz", "城关镇")
    proc.cli("assign", "tested", "--unit", "城关镇", "--required")
    proc.cli("class", "add", "qn1", "青年干部培训班", "--starts", f"{YEAR}-01-01", "--ends", f"{YEAR}-12-31",
             "--pass-score", "60")
    proc.cli("class", "enrol", "qn1", "--unit", "cgz")
    proc.cli("assign", "tested", "--class", "qn1", "--required")


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A started server with the course "tested" (a quiz and an exam) assigned as required to the unit
    城关镇 (cgz) and to the class qn1 (this year, pass score 60) that cgz is enrolled in, the issuer
    and the site's year rules: a copy of a site built once (tests/support/site_copies.py)."""
    with copied_server(request, tmp_path, "certificates", _build, _prepare) as (proc, _):
        yield proc


def _person(site: ServerProcess, root: Path, name: str, display: str) -> UserSession:
    add_user(site, name, "pass-word", unit="城关镇", display=display)
    return AuthService(root / name, SiteConfig(server_url=site.url)).sign_in(name, "pass-word")


def _one_byte_changed(text: str) -> str:
    """The certificate with one byte of its signed claims changed (the name 张三 becomes 张丈: U+4E09 -> U+4E08)."""
    tagged = cbor2.loads(zlib.decompress(base45.b45decode(text[len(c.PREFIX):])))
    protected, unprotected, payload, signature = tagged.value
    changed = payload.replace("张三".encode(), "张丈".encode())
    assert sum(a != b for a, b in zip(payload, changed, strict=True)) == 1
    message = cbor2.dumps(cbor2.CBORTag(c.COSE_SIGN1_TAG, [protected, dict(unprotected), changed, signature]))
    return c.PREFIX + base45.b45encode(zlib.compress(message)).decode("ascii")


def test_issue_download_scan_verify_tamper_and_revoke(site: ServerProcess, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = Manifest.parse((ServerConfig(site.data_dir).repo_dir / "manifests" / "tested" / "1.json").read_bytes())
    good = _person(site, tmp_path, "good", "张三")
    idle = _person(site, tmp_path, "idle", "李四")
    study_tested(good, manifest, quiz_right=True)
    assert idle.api.revocation_list() is None  # nothing issued yet: no list

    # a year's 学时证明 from the server's own figures; issuing again with the same figures gives the same one
    out = site.cli("cert", "issue", "--user", "good", "--year", str(YEAR)).stdout
    assert out.startswith("issued ") and "学时证明" in out and "\t1 hours" in out
    hours_serial = SERIAL.search(out)[0]  # type: ignore[index]
    again = site.cli("cert", "issue", "--user", "good", "--year", str(YEAR)).stdout
    assert again.startswith("existing ") and hours_serial in again
    refused = site.cli("cert", "issue", "--user", "idle", "--year", str(YEAR), check=False)
    assert refused.returncode == 1 and "nothing_to_certify" in refused.stderr
    # the operator's language says why, the code kept for scripts: this refusal, an unknown user, a unit twice,
    # a unit code that cannot be one
    monkeypatch.setenv("STUDYDESK_LANG", "zh_CN")
    said = [site.cli(*args, check=False).stderr.strip() for args in (
        ("cert", "issue", "--user", "idle", "--year", str(YEAR)), ("user", "unlock", "nobody"),
        ("unit", "add", "cgz", "城关镇"), ("unit", "add", "bad code!", "某乡"))]
    monkeypatch.setenv("STUDYDESK_LANG", "en")
    assert said == [f"错误：idle 在 {YEAR} 年没有学时 [nothing_to_certify]", "错误：没有用户 'nobody' [no_such_user]",
                    "错误：单位 'cgz' 已存在 [unit_exists]",
                    "错误：单位代码 'bad code!' 不是 1 至 64 个字母、数字、“.”、“_”或“-” [bad_unit_code]"]
    assert site.cli("user", "unlock", "nobody", check=False).stderr.strip() == "error: no user 'nobody' [no_such_user]"

    # the class: only who passed gets a 结业证书, in one PDF
    class_pdf = tmp_path / "class.pdf"
    out = site.cli("cert", "issue", "--class", "qn1", "--pdf", str(class_pdf)).stdout
    assert [line.split()[0] for line in out.splitlines()] == ["issued", "wrote"]
    assert "结业证书" in out and "class qn1" in out and "score 100" in out
    class_serial = SERIAL.search(out)[0]  # type: ignore[index]
    assert len(qr_texts(class_pdf.read_bytes())) == 1
    refused = site.cli("cert", "issue", "--user", "idle", "--class", "qn1", check=False)
    assert refused.returncode == 1 and "not_passed" in refused.stderr
    listed = site.cli("cert", "list", "--user", "good").stdout.splitlines()
    assert {line.split("\t")[0] for line in listed} == {hours_serial, class_serial}

    # the learner's own list and PDF; another person's PDF is not theirs to fetch
    mine = good.api.certificates()
    assert [m["serial"] for m in mine if m["kind"] == "hours"] == [hours_serial]
    assert {m["kind"]: m["title"] for m in mine} == {"hours": "学时证明", "class": "结业证书"}
    assert idle.api.certificates() == []
    with pytest.raises(FormatError):
        idle.api.certificate_pdf(hours_serial)
    pdf = good.api.certificate_pdf(hours_serial)
    assert pdf.startswith(b"%PDF-") and b"WenQuanYi" in pdf

    # scanned from the rendered page, checked offline with the pinned key and the served list
    [scanned] = qr_texts(pdf)
    keys_dir = ServerConfig(site.data_dir).keys_dir
    key = load_public(keys_dir)
    pinned = {key.key_id: key}
    revoked = c.Revocations.parse_verified(good.api.revocation_list() or b"", pinned)
    verdict = c.verify(scanned, pinned, revoked)
    assert verdict.status is c.Status.VALID, verdict.reason
    claims = verdict.claims
    assert claims is not None
    assert (claims.serial, claims.kind, claims.name, claims.person_id, claims.year, str(claims.hours),
            claims.issuer) == (hours_serial, c.CertKind.HOURS, "张三", "good", YEAR, "1", "某县委组织部")
    saved = tmp_path / "mine.pdf"
    saved.write_bytes(pdf)
    assert texts_in_file(saved) == [scanned]
    checked = site.cli("cert", "verify", str(saved))
    assert checked.stdout.startswith("valid:") and hours_serial in checked.stdout

    # one byte changed: refused
    tampered = _one_byte_changed(scanned)
    assert c.verify(tampered, pinned, revoked).status is c.Status.BAD_SIGNATURE
    refused = site.cli("cert", "verify", tampered, check=False)
    assert refused.returncode == 2 and refused.stdout.startswith("bad_signature:") and "NOT trusted" in refused.stdout

    # revoked: the served list says so, and the same paper is refused
    site.cli("cert", "revoke", hours_serial, "--reason", "学时数据更正")
    newer = c.Revocations.parse_verified(idle.api.revocation_list() or b"", pinned)
    assert set(newer.revoked) == {hours_serial}
    assert c.verify(scanned, pinned, newer).status is c.Status.REVOKED
    refused = site.cli("cert", "verify", str(saved), check=False)
    assert refused.returncode == 2 and refused.stdout.startswith("revoked:")
    assert c.verify(qr_texts(class_pdf.read_bytes())[0], pinned, newer).valid  # the other one stands
    again = site.cli("cert", "revoke", hours_serial, "--reason", "twice", check=False)
    assert again.returncode == 1 and "already_revoked" in again.stderr
    assert [m["revoked_at"] is not None for m in good.api.certificates() if m["serial"] == hours_serial] == [True]

    # the app's cached list: refreshed from the server, never replaced by an older one, nor by another key's
    profile = tmp_path / "profile"
    assert revocations.refresh(good.api, pinned, profile, max_age_s=0) == newer
    later = c.Revocations("2999-01-01T00:00:00Z", {**newer.revoked, "SD2999-0000-0000-0000": "2999-01-01T00:00:00Z"})
    (profile / "certificates" / "revocations.json").write_bytes(later.sign(load_private(keys_dir)))
    assert revocations.refresh(good.api, pinned, profile, max_age_s=0) == later  # the server's is older
    (profile / "certificates" / "revocations.json").write_bytes(later.sign(PrivateKey.generate()))
    assert revocations.cached(profile, pinned) is None
    assert revocations.refresh(good.api, pinned, profile, max_age_s=0) == newer

    # issuing and revoking are in the audit log; verifying is not
    actions = [row[0] for row in site.sql("SELECT action FROM audit_log WHERE action LIKE 'cert%' ORDER BY id")]
    assert "cert issue" in actions and "cert revoke" in actions and "cert verify" not in actions


def test_the_learners_command_lists_saves_and_verifies_offline(site: ServerProcess, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    manifest = Manifest.parse((ServerConfig(site.data_dir).repo_dir / "manifests" / "tested" / "1.json").read_bytes())
    study_tested(_person(site, tmp_path, "good", "张三"), manifest, quiz_right=True)
    issued = site.cli("cert", "issue", "--user", "good", "--year", str(YEAR)).stdout
    serial = SERIAL.search(issued)[0]  # type: ignore[index]
    key = load_public(ServerConfig(site.data_dir).keys_dir)
    site_toml = tmp_path / "site.toml"
    site_toml.write_text(f'[server]\nurl = "{site.url}"\n[publisher]\nkeys = ["{key.to_text()}"]\n', encoding="utf-8")
    args = ["--lang", "en", "--data", str(tmp_path / "pc"), "--site", str(site_toml), "cert"]

    # issued half an hour from the site's midnight, on the side where its UTC day is another: the list says the
    # site's day, as the PDF prints it
    local = dt.datetime(YEAR, 3, 2, 0, 30) if OFFSET_MIN > 0 else dt.datetime(YEAR, 3, 1, 23, 30)
    at = (local - dt.timedelta(minutes=OFFSET_MIN)).replace(tzinfo=dt.UTC)
    site.sql("UPDATE certificates SET issued_at = :at WHERE serial = :serial",
             {"at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "serial": serial})
    assert run_client(monkeypatch, *args, "list", "--user", "good", "--password-stdin") == 0
    out = capsys.readouterr().out
    assert serial in out and "Certificate of study hours" in out and "valid" in out
    assert f"  {local.date().isoformat()}  " in out, out
    assert run_client(monkeypatch, *args, "save", serial, "--user", "good", "--password-stdin") == 0
    saved = Path(capsys.readouterr().out.strip().removeprefix("Saved as "))
    assert saved.name == f"{serial}.pdf" and saved.read_bytes().startswith(b"%PDF-")

    # offline, with no revocation list on this PC yet: genuine, and it says what it could not check
    site.stop()
    assert run_client(monkeypatch, *args, "verify", str(saved)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Genuine, but this PC has no revocation list yet") and f"{serial}  学时证明  张三" in out
    [text] = texts_in_file(saved)
    assert run_client(monkeypatch, *args, "verify", _one_byte_changed(text)) == 3
    assert capsys.readouterr().out.startswith("Not genuine")
    assert run_client(monkeypatch, *args, "verify", str(site_toml)) == 1  # a file with no certificate in it
    assert "No StudyDesk certificate was found" in capsys.readouterr().err
