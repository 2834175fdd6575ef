"""Certificates on the admin web's person page, on a real server on SQLite and PostgreSQL: an admin
issues a 学时证明 with the form, downloads its PDF from the list and revokes it with a reason, only
for people in their units; a person without credit gets a clear refusal; every action is audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.publisher_keys import load_public
from sync.protocol import certificates as c
from tests.support.admin_web import AdminSession, Site, fresh_site
from tests.support.certificates import qr_texts, watch_a_short_course
from tests.support.module_server import BACKENDS

pytestmark = pytest.mark.databases

SERIAL = re.compile(r"SD[0-9]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    with fresh_site(request, tmp_path) as site:
        yield site


def test_an_admin_issues_downloads_and_revokes_a_persons_certificate(site: Site) -> None:
    server = site.server
    year = watch_a_short_course(server, "li")
    li_id, zhang_id, wang_id = site.user_ids["li"], site.user_ids["zhang"], site.user_ids["wang"]

    browser = AdminSession(server)
    browser.sign_in("a-admin")
    page = browser.get(f"/admin/people/{li_id}")
    assert "开具学时证明" in page.text and "暂无证书" in page.text
    answer = browser.post(f"/admin/people/{li_id}/certificates", {"year": str(year)})
    assert answer.status_code == 200 and "证书已开具" in answer.text
    serial = SERIAL.search(answer.text)[0]  # type: ignore[index]
    assert f'href="/admin/certificates/{serial}.pdf"' in answer.text and "学时证明" in answer.text

    pdf = browser.get(f"/admin/certificates/{serial}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    key = load_public(server.data_dir / "keys")
    verdict = c.verify(qr_texts(pdf.content)[0], {key.key_id: key}, None)
    assert verdict.valid and verdict.claims is not None and verdict.claims.name == "李四"

    # no credit this year: refused, said on the page; another admin's person: not found
    refused = browser.post(f"/admin/people/{zhang_id}/certificates", {"year": str(year)})
    assert "nothing_to_certify" in refused.text
    assert browser.post(f"/admin/people/{wang_id}/certificates", {"year": str(year)}).status_code == 404
    other = AdminSession(server)
    other.sign_in("b-admin")
    assert other.get(f"/admin/certificates/{serial}.pdf").status_code == 404
    assert browser.get("/admin/certificates/SD2026-0000-0000-0000.pdf").status_code == 404
    browser.get(f"/admin/people/{li_id}")
    assert browser.post("/admin/certificates/SD2026-0000-0000-0000/revoke", {"reason": "x"}).status_code == 404

    browser.get(f"/admin/people/{li_id}")
    revoked = browser.post(f"/admin/certificates/{serial}/revoke", {"reason": "学时数据更正"})
    assert "证书已撤销" in revoked.text and "学时数据更正" in revoked.text
    assert "已于" in revoked.text and f'action="/admin/certificates/{serial}/revoke"' not in revoked.text
    assert server.sql("SELECT revoked_by, reason FROM certificates") == [("a-admin", "学时数据更正")]
    actions = server.sql("SELECT action, target, result FROM audit_log WHERE action LIKE 'admin.%certificate%' "
                         "ORDER BY id")
    assert actions == [("admin.issue_certificate", "li", "ok"), ("admin.certificate_pdf", serial, "ok"),
                       ("admin.issue_certificate", "zhang", "refused"), ("admin.revoke_certificate", serial, "ok")]
    log = browser.get("/admin/audit").text  # and the audit log names them in Chinese
    assert "开具证书" in log and "下载证书" in log and "撤销证书" in log and "admin.issue_certificate" not in log
