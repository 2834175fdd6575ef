"""What the certificate tests share: the QR codes read back from a certificate's PDF as a scanner would,
and a person with 1 学时 of study to certify."""

from __future__ import annotations

import time

import pypdfium2
import zxingcpp

from sync.protocol.records import make_record
from sync.protocol.rules import DEFAULT_RULES
from tests.support.courses import publish_lessons
from tests.support.ingest import enrolled_client
from tests.support.server_process import ServerProcess
from tests.support.watch import Timeline


def qr_texts(pdf: bytes) -> list[str]:
    """Each page rendered to an image as a printer would, then its QR codes read."""
    out = []
    for page in pypdfium2.PdfDocument(pdf):
        image = page.render(scale=1600 / page.get_width()).to_pil()
        out += [b.text for b in zxingcpp.read_barcodes(image)]
    return out


def watch_a_short_course(server: ServerProcess, name: str) -> int:
    """``name`` watches all of a 20 s lesson on a new PC: the course counts, 1 学时 in the year returned,
    this year on the site's calendar (the site has no rules file: +08:00, which on the evening of the
    31st of December UTC is already in the next year)."""
    publish_lessons(server.data_dir, "short", {"a": 20.0})
    client = enrolled_client(server, name)
    record = make_record(client.signer, seq=1, prev="0" * 64, record_type="watch", course_id="short", lesson_id="a",
                         body=Timeline(time.time() - 60).body([[0.0, 20.0]], 14, position_s=20.0))
    assert [a["status"] for a in client.api.post_batch([record])] == ["stored"]
    studied = DEFAULT_RULES.year.local_date(record.created_at)  # the day the server counts the study on
    assert studied is not None
    return studied.year
