"""The reasons the server gives for a refused or flagged record (server.ingest, server.grading), as
the admin web shows them: each reason code with its text in the page's language. The codes are the
server's; the texts here are the admin web's, kept in its catalogue (locale/zh_CN.po)."""

from __future__ import annotations

from collections.abc import Callable

from server.grading import GRACE_S


def reason_texts(gettext: Callable[[str], str]) -> dict[str, str]:
    """Every refusal and flag reason code -> its text in the language of ``gettext``."""
    _ = gettext
    return {
        # refused records
        "id_conflict": _("a different record with this id is already stored for this device"),
        "unknown_device": _("the device that signed this record is not enrolled"),
        "foreign_record": _("the device is enrolled to another user"),
        "foreign_user": _("the record belongs to another user than the one signed in"),
        "bad_signature": _("the signature does not match: the record was tampered with"),
        "seq_conflict": _("another record already holds this sequence number (a forked chain)"),
        "broken_chain": _("the record does not link to the stored records next to it in its chain"),
        # flagged records: study time
        "gap": _("an earlier record of this device is missing (lost, deleted or withheld)"),
        "unknown_course": _("the course was never published here: nothing credited"),
        "unknown_version": _("that version of the course was never published here: nothing credited"),
        "unknown_lesson": _("the lesson is not in the published course: nothing credited"),
        "no_window": _("the record has no wall-clock window: nothing credited"),
        "over_duration": _("media time past the end of the published lesson"),
        "over_elapsed": _("more media time than the record's elapsed time at the course's fastest rate"),
        "over_real_time": _("more media time than the real time between this record and the previous one"),
        "clock_skew": _("the record's times lie before the device was enrolled or after the record arrived"),
        "overlap": _("the same wall-clock time was already credited to this person (another lesson or PC)"),
        # flagged records: quizzes and exams
        "unknown_assessment": _("the quiz or exam (or its course version) was never published here: not graded"),
        "ungradable": _("the answers cannot be graded against the published paper and its key"),
        "redrawn": _("another paper was drawn on this PC for the same attempt: this one does not count"),
        "over_attempts": _("more attempts than the quiz or exam allows: this one does not count"),
        "over_time": _("the quiz or exam took longer than its time limit (+%(grace)s s): it does not count")
        % {"grace": GRACE_S},
    }


def reason_text(gettext: Callable[[str], str], code: str) -> str:
    """The text of one reason code; an unknown code is shown as itself."""
    return reason_texts(gettext).get(code, code)
