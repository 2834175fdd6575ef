"""Certificates as PDF: one landscape A4 page each, in Chinese, with the serial, a QR code of the
signed text (segno) and that text printed small under it, so a verifier can scan the code or
type the text. The page shows only what the signed text states: it is read from the text.
"""

from __future__ import annotations

from collections.abc import Sequence

import segno
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from server.documents import FONT, new_document
from sync.protocol.certificates import CertKind, Claims, decode, read_claims
from sync.protocol.rules import Rules
from sync.protocol.rules_file import plain

QR_MM = 60.0
MARGIN_MM = 12.0
RED = (160, 30, 30)


def _date(claims: Claims, rules: Rules) -> str:
    """The day the certificate was issued, the site's day (the rules' UTC offset), as its page prints it."""
    d = rules.year.local_date(claims.issued_at.isoformat())
    assert d is not None  # a datetime's own ISO text always reads back
    return f"{d.year}年{d.month}月{d.day}日"


def body_text(claims: Claims) -> str:
    """The sentence the certificate states, in Chinese."""
    who = f"{claims.name}同志（编号：{claims.person_id}）"
    if claims.kind is CertKind.HOURS:
        detail = ""
        if claims.required is not None and claims.elective is not None:
            detail = f"，其中必修 {plain(claims.required)} 学时、选修 {plain(claims.elective)} 学时"
        return (f"兹证明{who}在{claims.year}年度参加干部网络培训，"
                f"累计取得学时 {plain(claims.hours)}{detail}。\n特此证明。")
    score = f"，成绩 {plain(claims.score)} 分" if claims.score is not None else ""
    name = claims.class_name or claims.class_code
    return (f"{who}参加{name}（班次 {claims.class_code}），完成规定课程学习{score}，"
            f"取得学时 {plain(claims.hours)}，经考核合格，准予结业。\n特发此证。")


def _qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    """The QR code of ``text`` drawn as vector squares (sharp at any print resolution), each row's
    runs of dark modules as one rectangle, with the quiet zone of 4 modules the standard asks."""
    code = segno.make(text, error="m", micro=False)
    rows = [list(row) for row in code.matrix]
    border = 4
    module = size / (len(rows) + 2 * border)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + (border + start) * module, y + (border + r) * module, (c - start) * module, module, style="F")


def _page(pdf: FPDF, token: str, rules: Rules) -> None:
    claims = read_claims(decode(token))
    pdf.add_page()
    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.2)
    pdf.rect(MARGIN_MM, MARGIN_MM, pdf.w - 2 * MARGIN_MM, pdf.h - 2 * MARGIN_MM)
    pdf.set_line_width(0.3)
    pdf.rect(MARGIN_MM + 2.5, MARGIN_MM + 2.5, pdf.w - 2 * MARGIN_MM - 5, pdf.h - 2 * MARGIN_MM - 5)
    pdf.set_font(FONT, size=10)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(MARGIN_MM + 8, MARGIN_MM + 7)
    pdf.cell(pdf.w - 2 * MARGIN_MM - 16, 6, f"证书编号：{claims.serial}", align="R")
    pdf.set_text_color(*RED)
    pdf.set_font(FONT, size=34)
    pdf.set_y(34)
    pdf.cell(0, 18, claims.kind.title_zh, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(8)
    pdf.set_font(FONT, size=16)
    pdf.set_x(38)
    pdf.multi_cell(pdf.w - 76, 11, body_text(claims), align="L", wrapmode=WrapMode.CHAR)
    # the issuer and the date, bottom right
    pdf.set_font(FONT, size=14)
    pdf.set_xy(pdf.w / 2, 128)
    pdf.cell(pdf.w / 2 - 38, 9, claims.issuer, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.cell(pdf.w / 2 - 38, 9, _date(claims, rules), align="R")
    # the QR code and how to check it, bottom left; the signed text under it
    left, top = 30.0, pdf.h - MARGIN_MM - 10 - QR_MM - 12
    _qr(pdf, token, left, top, QR_MM)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(left + QR_MM + 4, top + QR_MM - 20)
    pdf.multi_cell(95, 5, "扫描二维码，或在 StudyDesk 中选择“验证证书”并粘贴下方验证码，"
                          "即可离线核验本证书的真伪与是否已撤销。", align="L", wrapmode=WrapMode.CHAR)
    pdf.set_font(FONT, size=5.5)
    pdf.set_xy(left, top + QR_MM + 1)
    pdf.multi_cell(pdf.w - 2 * left, 2.6, token, align="L", wrapmode=WrapMode.CHAR)
    pdf.set_text_color(0, 0, 0)


def render(tokens: Sequence[str], rules: Rules) -> bytes:
    """A PDF with one page per certificate, each from its signed text; its date is the site's day
    under ``rules`` (the signed text's time is UTC)."""
    pdf = new_document(landscape=True)
    pdf.set_auto_page_break(auto=False)
    pdf.set_title("StudyDesk 证书")
    for token in tokens:
        _page(pdf, token, rules)
    return bytes(pdf.output())
