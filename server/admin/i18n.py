"""The server's languages, for the admin web and the command line: Simplified Chinese first,
English second.

Templates and code write their texts in English (the msgids); ``locale/zh_CN.po`` holds the
Chinese, read once per process with Babel. The language of a web request is the ``lang``
cookie's when it names one, else zh_CN (the sites are Chinese; English is asked for, never
guessed). The language of a ``studydesk-server`` run is chosen by ``command_language``.
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGE_ENV = "STUDYDESK_LANG"
"""Names the language of a command run, as for the client's commands (``studydesk``)."""
LOCALE_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
"""The POSIX variables that name the language of a program's messages, the first set one wins."""


def choose(cookie: str | None) -> str:
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


def command_language(environ: Mapping[str, str] = os.environ) -> str:
    """The language of a command-line run: $STUDYDESK_LANG when it names one of LANGUAGES, else
    the one of the first of LOCALE_ENV that is set (LANGUAGE: the first of its list): English when
    it names a language other than Chinese (en_US.UTF-8, de_DE), zh_CN when it names Chinese
    (zh_CN.UTF-8, zh) or none (C, POSIX, C.UTF-8), as when nothing is set."""
    if (chosen := environ.get(LANGUAGE_ENV)) in LANGUAGES:
        return str(chosen)
    for name in LOCALE_ENV:
        if value := environ.get(name, "").split(":")[0]:
            language = value.split(".")[0].split("@")[0].split("_")[0]
            return "en" if language not in ("zh", "C", "POSIX") else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of ``language`` (English is the msgids themselves: nothing is read)."""
    if language == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = LOCALE_DIR / f"{language}.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return gettext.GNUTranslations(mo)
