"""Benchmark of certificates: what a class's bulk issue costs, and what a verifier's check costs.

Per certificate, in CPU milliseconds (time.process_time, so a loaded machine inflates little):
signing the COSE_Sign1 payload, verifying its text, one PDF page with its QR code, and reading
the QR code back from a page rendered at print-like resolution. The reference, measured in the
same run: a bare Ed25519 signature and verification of the same payload (the floor of signing),
and a PDF page with the same text but no QR code (the floor of printing).

Run: ``./run bench certificates [--count N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from fpdf.enums import XPos, YPos

from server.certificate_pdf import body_text, render
from server.documents import FONT, new_document
from sync.protocol import certificates as c
from sync.protocol.certificate_scan import PDF_WIDTH_PX
from sync.protocol.keys import PrivateKey
from sync.protocol.rules import Rules


def _cpu_ms(work: Callable[[], object], times: int) -> float:
    start = time.process_time()
    for _ in range(times):
        work()
    return (time.process_time() - start) * 1000 / times


def _claims(i: int) -> c.Claims:
    return c.Claims(issuer="某县委组织部", serial=f"SD2026-{i:04d}-0000-0000", kind=c.CertKind.CLASS,
                    person_id=f"P{i:05d}", name="张三", issued_at=dt.datetime(2026, 12, 3, tzinfo=dt.UTC),
                    hours=Decimal("16"), class_code="2026-qn-1", class_name="2026年青年干部培训班",
                    score=Decimal("87.5"))


def _plain_pages(claims: list[c.Claims]) -> bytes:
    pdf = new_document(landscape=True)
    for one in claims:
        pdf.add_page()
        pdf.set_font(FONT, size=34)
        pdf.cell(0, 18, one.kind.title_zh, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=16)
        pdf.multi_cell(pdf.w - 76, 11, body_text(one))
    return bytes(pdf.output())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="certificates in the bulk issue (default 100)")
    args = parser.parse_args(argv)
    import pypdfium2
    import zxingcpp

    key = PrivateKey.generate()
    trusted = {key.public.key_id: key.public}
    claims = [_claims(i) for i in range(args.count)]
    texts = [c.sign(one, key) for one in claims]
    payload = texts[0].encode()
    listed = c.Revocations("2026-12-03T00:00:00Z", {f"SD2026-{i:04d}-9999-9999": "2026-12-01" for i in range(1000)})
    signature = key.sign(payload)

    sign_ms = _cpu_ms(lambda: c.sign(claims[0], key), args.count)
    verify_ms = _cpu_ms(lambda: c.verify(texts[0], trusted, listed), args.count)
    ed_sign_ms = _cpu_ms(lambda: key.sign(payload), args.count)
    ed_verify_ms = _cpu_ms(lambda: key.public.verify(signature, payload), args.count)
    start = time.process_time()
    pdf = render(texts, Rules())
    page_ms = (time.process_time() - start) * 1000 / args.count
    start = time.process_time()
    _plain_pages(claims)
    plain_ms = (time.process_time() - start) * 1000 / args.count
    doc = pypdfium2.PdfDocument(pdf)
    scanned = min(10, args.count)
    start = time.process_time()
    found = 0
    for i in range(scanned):
        page = doc[i]
        image = page.render(scale=PDF_WIDTH_PX / page.get_width(), grayscale=True).to_pil()
        found += sum(1 for b in zxingcpp.read_barcodes(image) if b.text == texts[i])
    scan_ms = (time.process_time() - start) * 1000 / scanned

    print(f"certificates: {args.count}, text {len(texts[0])} characters, PDF {len(pdf) / 1024:.0f} KiB "
          f"({len(pdf) / args.count / 1024:.1f} KiB a page)")
    print(f"sign     {sign_ms:7.3f} ms CPU each   (reference: bare Ed25519 sign {ed_sign_ms:.3f} ms)")
    print(f"verify   {verify_ms:7.3f} ms CPU each   (reference: bare Ed25519 verify {ed_verify_ms:.3f} ms; "
          f"against a list of {len(listed.revoked)} revoked)")
    print(f"PDF page {page_ms:7.2f} ms CPU each   (reference: the same page without its QR code {plain_ms:.2f} ms)")
    print(f"QR read  {scan_ms:7.1f} ms CPU a page ({PDF_WIDTH_PX} px wide render + zxing-cpp; {found}/{scanned} "
          "read back)")
    print(f"a class of {args.count}: about {(sign_ms + page_ms) * args.count / 1000:.1f} s CPU to issue and print")
    return 0 if found == scanned else 1


if __name__ == "__main__":
    raise SystemExit(main())
