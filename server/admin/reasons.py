"""The reasons the server gives for a refused or flagged record, as the admin web shows them: each
reason code of server.ingest (and server.grading, which it includes) with its text in the page's
language. The English texts are the server's own; their Chinese is in the admin web's catalogue
(locale/zh_CN.po), under the same texts as msgids."""

from __future__ import annotations

from collections.abc import Callable

from server.ingest import FLAG_TEXT, REASON_TEXT


def reason_texts(gettext: Callable[[str], str]) -> dict[str, str]:
    """Every refusal and flag reason code -> its text in the language of ``gettext``."""
    return {code: gettext(text) for code, text in {**REASON_TEXT, **FLAG_TEXT}.items()}


def reason_text(gettext: Callable[[str], str], code: str) -> str:
    """The text of one reason code; an unknown code is shown as itself."""
    return reason_texts(gettext).get(code, code)
