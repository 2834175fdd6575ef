"""The admin web's parts that need no server: the session cookie and CSRF check, the exports
(formula injection escaped, numbers kept, UTF-8 BOM), the SVG charts, the PDFs, and the
zh_CN catalog covering every text of the templates and the code."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from server import audit, ingest
from server.admin import charts, exports, i18n, reasons
from server.admin.session import Session, SessionCodec, check_csrf, new_session, session_key

SERVER = Path(__file__).resolve().parents[2] / "server"
ADMIN = SERVER / "admin"


def test_session_round_trips_and_refuses_forged_expired_and_foreign_cookies(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    key = session_key(tmp_path)
    assert session_key(tmp_path) == key and (tmp_path / "admin-session.key").stat().st_mode & 0o077 == 0
    codec = SessionCodec(key)
    session = new_session("wang")
    value = codec.dumps(session)
    assert codec.loads(value) == session
    assert codec.loads(value[:-2] + ("AA" if not value.endswith("AA") else "BB")) is None
    assert SessionCodec(b"another site's key").loads(value) is None
    assert codec.loads(None) is None and codec.loads("x" * 5000) is None
    later = time.time() + 8 * 3600 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert codec.loads(value) is None  # older than 8 hours


def test_csrf_token_must_match_the_session() -> None:
    session = Session(csrf="token-1", admin="wang")
    assert check_csrf(session, "token-1")
    assert not check_csrf(session, "token-2") and not check_csrf(session, None) and not check_csrf(session, "")
    assert new_session().csrf != new_session().csrf


def test_exports_escape_formulas_keep_numbers_and_open_in_excel_encodings() -> None:
    rows = [("=HYPERLINK(\"http://x\")", 12.5), ("+1", 3), ("-2", -4), ("@SUM(A1)", 0), ("\tx", None),
            ("城关镇", 88)]
    table = exports.Table("units", "单位完成情况", ("单位", "完成率"), rows)
    data = exports.to_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "单位,完成率"
    assert lines[1].startswith("\"'=HYPERLINK(") and lines[2] == "'+1,3" and lines[3] == "'-2,-4"
    assert lines[4] == "'@SUM(A1),0" and lines[6] == "城关镇,88"
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(table))).active
    assert sheet is not None
    values = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert values[0] == ("单位", "完成率")
    assert values[1] == ("'=HYPERLINK(\"http://x\")", 12.5)
    assert values[3] == ("'-2", -4) and values[5] == ("'\tx", None) and values[6] == ("城关镇", 88)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)  # no formula anywhere


def test_charts_are_well_formed_svg_with_escaped_labels() -> None:
    bar = charts.bar_chart([("<b>县委</b>", 75.0), ("一个名字特别特别特别长的乡镇人民政府", 20.0)], title="完成率",
                           below=50)
    line = charts.line_chart([(f"第{i}周", float(i % 3)) for i in range(1, 53)], title="学时", unit="h")
    ring = charts.ring(12, 50, title="年度", caption="12 / 50 学时")
    for svg in (bar, line, ring, charts.bar_chart([], title="空"), charts.line_chart([], title="空")):
        ElementTree.fromstring(str(svg))  # parses: every label escaped
    assert "&lt;b&gt;" in bar and "<b>" not in bar
    assert charts.BEHIND_COLOUR in bar  # the unit under 50 % is drawn as behind
    assert ">24%<" in ring
    for peak in (0.02, 0.3, 7.0, 1234.0):  # the axis labels of a small or large peak never repeat
        small = ElementTree.fromstring(str(charts.line_chart([("a", 0.0), ("b", peak)], title="学时")))
        axis = [t.text for t in small.iter("{http://www.w3.org/2000/svg}text") if t.get("text-anchor") == "end"]
        assert len(axis) >= 2 and len(set(axis)) == len(axis), (peak, axis)


def test_the_bulletin_embeds_the_chinese_font() -> None:
    from server.admin import pdf  # the PDF library and its fonts, only for this test

    if not pdf.FONT_PATH.is_file():
        pytest.skip("fonts-wqy-microhei is not installed")
    from server import documents

    table = exports.Table("units", "各单位完成情况", ("单位", "人数"), [("城关镇", 12)])

    def made() -> bytes:
        return pdf.bulletin(title="学习情况通报", subtitle="某县 · 2026年上半年", figures=[("按期完成", "85%")],
                            tables=[table], footer="StudyDesk")

    def timeless(document: bytes) -> bytes:  # without its creation time and its file identifier
        return re.sub(rb"/ID \[<[0-9A-F]+><[0-9A-F]+>\]|/CreationDate \(D:[^)]*\)", b"", document)

    documents.read_font_ahead()
    bulletin = made()  # with the font read ahead
    assert bulletin.startswith(b"%PDF-") and b"WenQuanYi" in bulletin
    assert timeless(made()) == timeless(bulletin)  # the font read for it: the same document


def test_the_admin_web_shows_times_on_the_sites_clock() -> None:
    from server.admin.web import SiteClock
    from sync.protocol.rules import Rules, YearRules

    beijing, west = SiteClock(Rules()), SiteClock(Rules(year=YearRules(utc_offset_minutes=-330)))
    assert (beijing.zone, west.zone, SiteClock(Rules(year=YearRules(utc_offset_minutes=0))).zone) == (
        "UTC+08:00", "UTC-05:30", "UTC")
    # issued at 07:30 in Beijing: the day before in UTC, the same day on the site's clock
    assert beijing.when("2026-03-01T23:30:00Z", day=True) == "2026-03-02"
    assert beijing.when("2026-03-01T23:30:00.125Z") == "2026-03-02 07:30:00"
    assert west.when("2026-03-01T02:00:00Z") == "2026-02-28 20:30:00"
    assert beijing.when("2026-03-01T23:30:00") == "2026-03-02 07:30:00"  # no offset named: UTC
    assert beijing.when(None) == "" and beijing.when("not a time") == "not a time"


def test_a_certificates_page_prints_the_sites_day_of_its_issue() -> None:
    import datetime as dt
    from decimal import Decimal

    import pypdfium2

    from server import certificate_pdf, documents
    from sync.protocol import certificates as c
    from sync.protocol.keys import PrivateKey
    from sync.protocol.rules import Rules, YearRules

    if not documents.FONT_PATH.is_file():
        pytest.skip("fonts-wqy-microhei is not installed")
    claims = c.Claims(issuer="某县委组织部", serial="SD2026-ABCD-EFGH-JKMN", kind=c.CertKind.HOURS, person_id="P1",
                      name="张三", issued_at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), hours=Decimal("52.5"),
                      year=2026)
    token = c.sign(claims, PrivateKey.generate())

    def printed(minutes: int) -> str:
        rules = Rules(year=YearRules(utc_offset_minutes=minutes))
        document = pypdfium2.PdfDocument(certificate_pdf.render([token], rules))
        return str(document[0].get_textpage().get_text_range())

    beijing = printed(480)
    assert "2026年3月2日" in beijing and "2026年3月1日" not in beijing  # 07:30 in Beijing
    assert "2026年3月1日" in printed(-300)  # 18:30 at UTC-05:00


def _msgids() -> set[str | tuple[str, str]]:
    """Every text of the admin web, and of the command line (server.cli, its commands, the import
    reports they print), with argparse's own words it marks, every audit detail (server.audit's
    ``said``, and ``said_n``'s singular and plural), and the words of every refusal made ``worded``
    (their second argument: the first is the code)."""
    from babel.messages.extract import extract_from_dir, extract_from_file

    details: dict[str, tuple[int, ...] | None] = {"said": None, "said_n": (1, 2), "worded": (2,)}
    keywords = {"_": None, "gettext": None, "N_": None, **details}
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found = [message[2] for message in extract_from_dir(str(ADMIN), method_map, keywords=keywords)]
    for path in (SERVER / "cli.py", *sorted((SERVER / "commands").glob("*.py")), SERVER / "org" / "importing.py",
                 SERVER / "ingest.py"):
        found += [message[1] for message in extract_from_file("python", str(path), keywords=keywords)]
    for path in sorted([*SERVER.glob("*.py"), *(SERVER / "org").glob("*.py")]):
        found += [message[1] for message in extract_from_file("python", str(path), keywords=details)]
    return {message if isinstance(message, str) else (message[0], message[1]) if message[1] else message[0]
            for message in found if message}


def test_every_text_has_its_chinese() -> None:
    msgids = _msgids()
    assert {"Sign in", "Dashboard", "create an account", "usage: ", "Password: "} <= msgids
    catalog = i18n.translations("zh_CN")
    assert ("%(n)d failure in a row", "%(n)d failures in a row") in msgids  # a detail of the audit log
    missing = sorted(str(m) for m in msgids if (catalog.gettext(m) == m if isinstance(m, str) else
                                                catalog.ngettext(*m, 2) in m))
    assert missing == []
    from babel.messages.pofile import read_po

    with (ADMIN / "locale" / "zh_CN.po").open("rb") as po:
        entries = [m for m in read_po(po, locale="zh_CN") if m.id]
    unfinished = sorted(str(m.id) for m in entries if not m.string or m.fuzzy)
    assert unfinished == []  # every entry of the catalog has its Chinese, none a guess left to check


def test_an_audit_detail_is_said_in_the_readers_language_and_an_old_one_as_stored() -> None:
    zh, en = i18n.translations("zh_CN"), i18n.translations("en")

    def stored(detail: audit.Said | str) -> audit.AuditEntry:  # as record writes it, as entries reads it
        text, values = audit.stored(detail)
        return audit.AuditEntry("2026-12-01T00:00:00Z", "root", "admin.import_check", "", "", "ok", text, values)

    for n, chinese, english in ((1, "a.xlsx：1 行无误，0 行有误", "a.xlsx: 1 good row, 0 bad"),
                                (3, "a.xlsx：3 行无误，0 行有误", "a.xlsx: 3 good rows, 0 bad")):
        entry = stored(audit.said_n("%(file)s: %(n)d good row, %(bad)d bad", "%(file)s: %(n)d good rows, %(bad)d bad",
                                    n, file="a.xlsx", bad=0))
        assert (entry.said(zh), entry.said(en)) == (chinese, english)
    # a text inside a text, and data with a "%" in it, kept as data
    nested = stored(audit.said("%(summary)s; the device was enrolled from the key in the file",
                               summary=audit.said("by %(by)s", by="100% 张三")))
    assert nested.said(zh) == "由 100% 张三 登记；已按文件中的密钥登记该设备"
    # free text (a row from before, or data such as a command line) as stored, in every language
    for old in ("people.xlsx: 1 good rows, 1 bad", "user add li --unit 100%"):
        assert stored(old).said(zh) == stored(old).said(en) == old
    # a msgid a later version no longer has: in English, its values put in
    gone = stored(audit.said("%(n)d things happened", n=2))
    assert gone.said(zh) == "2 things happened"


def test_a_refusal_keeps_its_english_detail_and_says_why_in_the_readers_language() -> None:
    from sync.protocol.errors import FormatError

    zh, en = i18n.translations("zh_CN"), i18n.translations("en")
    worded = FormatError.worded("no_such_user", "no user %(user)r", user="li")
    assert (worded.code, worded.detail, str(worded)) == ("no_such_user", "no user 'li'", "no user 'li'")
    assert (audit.why(worded).said(zh), audit.why(worded).said(en)) == ("没有用户 'li'", "no user 'li'")
    # in the audit log as the reader reads it, after it was stored
    text, values = audit.stored(audit.refusal(worded))
    entry = audit.AuditEntry("2026-12-01T00:00:00Z", "root", "admin.assign", "", "", "refused", text, values)
    assert (entry.said(zh), entry.said(en)) == ("no_such_user：没有用户 'li'", "no_such_user: no user 'li'")
    # a refusal that has no words yet: its detail, as before
    plain = FormatError("no_such_user", "no user 'li'")
    assert audit.why(plain).said(zh) == audit.why(plain).said(en) == "no user 'li'"


def test_every_reason_code_of_the_server_has_its_chinese_text() -> None:
    codes = set(ingest.REASON_TEXT) | set(ingest.FLAG_TEXT)
    chinese = reasons.reason_texts(i18n.translations("zh_CN").gettext)
    assert "redrawn" in codes and codes <= set(chinese)
    # a text changed in server.ingest or server.grading without its Chinese shows up here
    untranslated = sorted(code for code in codes if re.search("[A-Za-z]", chinese[code]))
    assert untranslated == []
    assert reasons.reason_text(i18n.translations("zh_CN").gettext, "not_a_reason") == "not_a_reason"


def test_a_command_speaks_chinese_unless_its_run_or_locale_asks_for_english() -> None:
    chosen = [
        ({}, "zh_CN"), ({"LANG": "zh_CN.UTF-8"}, "zh_CN"), ({"LANG": "C.UTF-8"}, "zh_CN"), ({"LANG": "zh"}, "zh_CN"),
        ({"LANG": "en_US.UTF-8"}, "en"), ({"LC_ALL": "de_DE.UTF-8", "LANG": "zh_CN"}, "en"),
        ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US"}, "zh_CN"), ({"LANGUAGE": "", "LANG": "zh"}, "zh_CN"),
        ({"LANGUAGE": "en:zh_CN", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"STUDYDESK_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"STUDYDESK_LANG": "zh_CN", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"STUDYDESK_LANG": "fr", "LANG": "en_GB"}, "en"),
    ]
    for environ, language in chosen:
        assert i18n.command_language(environ) == language, environ
