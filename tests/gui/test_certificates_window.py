"""我的证书 and 验证证书 in the app, against a real server: the list, a PDF downloaded on the network
lane into the profile folder, and the verdict on a pasted text and on the PDF file, before and
after the server revokes the certificate (the list refreshed as a sync does). Every day shown is
the site's (its rules' UTC offset, +08:00), as the PDF prints it, not the UTC day."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from client.tasks import run_task
from client.windows.certificates import CertificatesDialog, VerifyDialog
from client.windows.main_window import MainWindow
from client.workers.context import AppContext
from server.publisher_keys import load_private
from sync.account.auth import UserSession
from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.certificates import Revocations, decode, read_claims, sign
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner, make_record
from sync.protocol.rules import DEFAULT_RULES, Rules
from sync.protocol.rules_file import rules_to_dict
from sync.records.server_view import cached_rules, store_rules
from sync.site import revocations
from sync.storage.files import atomic_write_bytes
from tests.support.courses import publish_lessons
from tests.support.shell_env import DEMO_COURSE_ID, PASSWORD, ShellEnv, close, signed_in_window, zhangsan_server
from tests.support.watch import Timeline


@pytest.fixture
def certified(tmp_path: Path) -> Iterator[tuple[ShellEnv, int]]:
    """The site, and the year of 张三's 学时证明: that of his study on the site's calendar (its rules' UTC
    offset), which on the evening of the 31st of December (UTC) is already the next year's. The
    certificate is signed again as issued at 23:30 UTC on the 1st of March: the 2nd at the site."""
    with zhangsan_server(tmp_path) as env:
        env.assign(DEMO_COURSE_ID, "zhangsan")
        publish_lessons(env.server.data_dir, "short", {"a": 20.0})
        api = ApiClient(Transport(env.server.url))  # 张三 watched all of a 20 s lesson on another PC
        info = api.login("zhangsan", PASSWORD)
        signer = DeviceSigner(str(uuid.uuid4()), info["user_id"], PrivateKey.generate())
        api.enrol_device(signer.device_id, signer.key.public.to_text())
        record = make_record(signer, seq=1, prev=GENESIS, record_type="watch", course_id="short", lesson_id="a",
                             body=Timeline(time.time() - 60).body([[0.0, 20.0]], 14, position_s=20.0))
        assert [a["status"] for a in api.post_batch([record])] == ["stored"]
        studied = DEFAULT_RULES.year.local_date(record.created_at)  # the site has no rules file of its own
        assert studied is not None
        env.server.cli("cert", "issue", "--user", "zhangsan", "--year", str(studied.year))
        [(token,)] = env.server.sql("SELECT token FROM certificates")
        claims = dataclasses.replace(read_claims(decode(token)),
                                     issued_at=dt.datetime(studied.year, 3, 1, 23, 30, tzinfo=dt.UTC))
        env.server.sql("UPDATE certificates SET issued_at = :at, token = :token",
                       {"at": f"{studied.year}-03-01T23:30:00Z", "token": sign(claims, site_key(env))})
        yield env, studied.year


def site_day(stamp: str) -> str:
    """The day at the site (+08:00, the rules' default) of a time the server stamped just now."""
    day = DEFAULT_RULES.year.local_date(stamp)
    assert day is not None
    return day.isoformat()


def site_key(env: ShellEnv) -> PrivateKey:
    """The key the server signs certificates and revocation lists with."""
    return load_private(env.server.data_dir / "keys")


def keep_list(env: ShellEnv, profile_dir: Path, issued_at: str, revoked: dict[str, str]) -> None:
    """A revocation list the site signed at ``issued_at``, kept as a sync keeps the one it fetched."""
    atomic_write_bytes(revocations.folder(profile_dir) / revocations.FILE,
                       Revocations(issued_at, revoked).sign(site_key(env)))


def keep_rules(profile: UserSession, rules: Rules) -> None:
    """SQLite lane: the site's rules kept in the profile database, as fetching the course list keeps them."""
    conn = profile.db()
    try:
        store_rules(conn, rules_to_dict(rules))
    finally:
        conn.close()


def open_certificates(qtbot, ctx: AppContext, window: MainWindow) -> CertificatesDialog:
    """我的证书 opened, once its list has loaded."""
    session = window.session
    assert session is not None
    dialog = CertificatesDialog(ctx, session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.listing is not None, timeout=20000)
    return dialog


# The offscreen platform has no PDF viewer to hand the file to: it says so, and so does the dialog.
@pytest.mark.qt_log_ignore(r"does not support QPlatformServices::openDocument")
def test_download_open_and_verify_then_refused_once_revoked(qtbot, certified: tuple[ShellEnv, int]) -> None:
    env, year = certified
    ctx, window, shell = signed_in_window(qtbot, env)
    try:
        session = window.session
        assert session is not None
        dialog = open_certificates(qtbot, ctx, window)
        assert dialog.listing is not None and not dialog.listing.offline
        [item] = dialog.listing.items
        assert dialog.table.rowCount() == 1 and dialog.table.item(0, 0).text() == "Certificate of study hours"
        assert item["issued_at"] == f"{year}-03-01T23:30:00Z" and dialog.table.item(0, 4).text() == f"{year}-03-02"
        assert dialog.table.item(0, 2).text() == "1" and dialog.open_button.isEnabled()
        dialog.open_button.click()
        saved = session.session.profile_dir / "certificates" / f"{item['serial']}.pdf"
        qtbot.waitUntil(lambda: dialog._task is None and saved.is_file(), timeout=20000)
        assert saved.read_bytes().startswith(b"%PDF-")
        assert dialog.table.item(0, 5).text() == "Valid, on this PC"
        assert dialog.status.text() == f"No PDF viewer opened it. The file is {saved}"
        before = saved.stat().st_mtime_ns
        dialog.status.clear()
        dialog.open_button.click()  # kept on this PC: opened as it is, not downloaded again
        qtbot.waitUntil(lambda: dialog._task is None and bool(dialog.status.text()), timeout=20000)
        assert dialog.status.text() == f"No PDF viewer opened it. The file is {saved}"
        assert saved.stat().st_mtime_ns == before

        # the sync round fetched the signed revocation list for offline checks
        trusted = ctx.site.trusted_keys()
        qtbot.waitUntil(lambda: revocations.cached(session.session.profile_dir, trusted) is not None, timeout=20000)
        check = VerifyDialog(ctx, session, window)
        qtbot.addWidget(check)
        check.show()
        check.text.setPlainText(item["text"][:60] + "\n" + item["text"][60:])  # wrapped as copied from a PDF
        check.verify_button.click()
        qtbot.waitUntil(lambda: bool(check.verdicts), timeout=20000)
        assert check.verdicts[0].valid and check.verdict.text().startswith("Genuine and valid")
        listed = check.verdicts[0].list_issued_at
        assert listed is not None and f"(revocation list of {site_day(listed)})" in check.verdict.text()
        assert "Name: 张三 (zhangsan)" in check.details.text() and f"Year: {year}" in check.details.text()
        issued = check.details.text().splitlines()[-1]
        assert issued.startswith("Issued by ") and issued.endswith(f" on {year}-03-02")

        altered = item["text"][:-8] + ("A" if item["text"][-8] != "A" else "B") + item["text"][-7:]
        check.text.setPlainText(altered)
        check.verify_button.click()
        qtbot.waitUntil(lambda: check._task is None and check.verdict.text() != "Checking…", timeout=20000)
        assert not check.verdicts or not check.verdicts[0].valid
        assert check.verdict.text().startswith(("Not genuine", "Not a StudyDesk certificate"))

        env.server.cli("cert", "revoke", item["serial"], "--reason", "更正")
        revocations.refresh(session.session.api, trusted, session.session.profile_dir, max_age_s=0)
        check.verdicts = []
        check.verify(saved)  # the PDF file: its page rendered and its QR code read, off the GUI thread
        qtbot.waitUntil(lambda: bool(check.verdicts), timeout=30000)
        withdrawn = check.verdicts[0].revoked_at
        assert withdrawn is not None and check.verdict.text() == (
            f"Revoked: this certificate was withdrawn on {site_day(withdrawn)} and is no longer valid.")
        assert "What the paper claims (not confirmed):" in check.details.text()
        assert check.details.text().endswith(f" on {year}-03-02")

        # revoked at 23:30 UTC on the 4th of March, in a list of 23:30 UTC on the 5th: the 5th and 6th at the site
        env.server.sql("UPDATE certificates SET revoked_at = :at", {"at": f"{year}-03-04T23:30:00Z"})
        keep_list(env, session.session.profile_dir, f"{year}-03-05T23:30:00Z",
                  {item["serial"]: f"{year}-03-04T23:30:00Z"})
        revoked = open_certificates(qtbot, ctx, window)
        assert revoked.table.item(0, 4).text() == f"{year}-03-02"
        assert revoked.table.item(0, 5).text() == f"Revoked on {year}-03-05"
        revoked.close()
        check.verdicts = []
        check.verify(item["text"])
        qtbot.waitUntil(lambda: bool(check.verdicts), timeout=20000)
        assert check.verdict.text() == (f"Revoked: this certificate was withdrawn on {year}-03-05 and is no "
                                        "longer valid.")

        signed_out = VerifyDialog(ctx, None, window)  # before anyone signs in: the newest list on this PC
        qtbot.addWidget(signed_out)
        signed_out.verify(item["text"])
        qtbot.waitUntil(lambda: bool(signed_out.verdicts), timeout=20000)
        assert signed_out.verdict.text().startswith("Revoked")
        signed_out.close()

        check.verdicts = []
        not_one = env.data_root / "note.txt"
        not_one.write_text("hello", encoding="utf-8")
        check.verify(not_one)
        qtbot.waitUntil(lambda: check._task is None and "No StudyDesk certificate" in check.verdict.text(),
                        timeout=20000)

        keep_list(env, session.session.profile_dir, f"{year}-03-05T23:30:00Z", {})  # a list that names none
        check.verdicts = []
        check.verify(item["text"])
        qtbot.waitUntil(lambda: bool(check.verdicts), timeout=20000)
        assert check.verdict.text().startswith("Genuine and valid")
        assert f"(revocation list of {year}-03-06)" in check.verdict.text()

        # the calendar is that of the site's rules the app fetched last (with the course list at sign-in),
        # read anew for each check: now a site five hours behind UTC, where both stay on the UTC day
        profile = session.session
        conn = profile.db()
        try:
            assert cached_rules(conn) == DEFAULT_RULES  # what this server sent
        finally:
            conn.close()
        behind = dataclasses.replace(DEFAULT_RULES, year=dataclasses.replace(DEFAULT_RULES.year,
                                                                             utc_offset_minutes=-300))
        kept: list[object] = []
        run_task(ctx.lanes.db, lambda _c: keep_rules(profile, behind), kept.append, kept.append)
        qtbot.waitUntil(lambda: bool(kept), timeout=20000)
        assert kept == [None]
        check.verdicts = []
        check.verify(item["text"])
        qtbot.waitUntil(lambda: bool(check.verdicts), timeout=20000)
        assert f"(revocation list of {year}-03-05)" in check.verdict.text()
        assert check.details.text().endswith(f" on {year}-03-01")
        check.close()
        dialog.close()
    finally:
        close(qtbot, ctx, window, shell)
