"""The admin web's languages: Simplified Chinese first, English second.

Templates and code write their texts in English (the msgids); ``locale/zh_CN.po`` holds the
Chinese, read once at start with Babel. The language of a request is the ``lang`` cookie's when
it names one, else zh_CN (the sites are Chinese; English is asked for, never guessed).
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
LOCALE_DIR = Path(__file__).with_name("locale")


def choose(cookie: str | None) -> str:
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of ``language`` (English is the msgids themselves)."""
    if language == "en":
        return gettext.NullTranslations()
    po = LOCALE_DIR / f"{language}.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return gettext.GNUTranslations(mo)
