"""The learner's certificates, off the GUI thread: the list from the server (kept in the profile
folder for offline use), a certificate's PDF saved under the profile folder, and verifying a
certificate from its text or a picture or PDF of it (sync.protocol.certificates). Plain
functions that the windows run on the network lane; the site's calendar, which decides the day
shown for a certificate's times, comes from the profile database on the SQLite lane."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.tasks import TaskContext
from sync.account.auth import UserSession
from sync.protocol.certificate_scan import texts_in_file
from sync.protocol.certificates import Revocations, Verdict, verify
from sync.protocol.errors import FormatError, RetryableError
from sync.protocol.keys import PublicKey
from sync.protocol.rules import DEFAULT_RULES, YearRules
from sync.records.server_view import cached_rules
from sync.site import revocations
from sync.storage.files import atomic_write_bytes

LIST_FILE = "certificates.json"


@dataclass(frozen=True, slots=True)
class Listing:
    items: list[dict[str, Any]]
    offline: bool
    """The server could not be asked: the list saved at the last look."""
    folder: Path
    saved: frozenset[str] = frozenset()
    """The serials whose PDF is on this PC."""


def site_calendar(session: UserSession | None, _ctx: TaskContext | None = None) -> YearRules:
    """SQLite lane (it reads the profile database): the site's calendar, from the rules the app kept
    when it last fetched the course list; the default rules' before that, or when nobody is signed in."""
    if session is None:
        return DEFAULT_RULES.year
    conn = session.db()
    try:
        return (cached_rules(conn) or DEFAULT_RULES).year
    finally:
        conn.close()


def site_day(calendar: YearRules, moment: str | dt.datetime | None) -> str:
    """The day (YYYY-MM-DD) a certificate's time falls on at the site, as its PDF prints it: an
    issue at 23:30 UTC is the next day at a site eight hours ahead. "" for none; an unreadable
    time as given."""
    if not moment:
        return ""
    return calendar.local_day_text(moment.isoformat() if isinstance(moment, dt.datetime) else str(moment))


def pdf_path(session: UserSession, serial: str) -> Path:
    if not serial.replace("-", "").isalnum():
        raise FormatError("bad_certificate", f"not a serial: {serial!r}")
    return revocations.folder(session.profile_dir) / f"{serial}.pdf"


def load_certificates(session: UserSession, _ctx: TaskContext | None = None) -> Listing:
    """Network lane: the person's certificates from the server, else the list saved last time."""
    folder = revocations.folder(session.profile_dir)
    folder.mkdir(parents=True, exist_ok=True)  # "Show the folder" always has one to show
    kept = folder / LIST_FILE
    try:
        items = session.api.certificates()
    except RetryableError:
        try:
            found = json.loads(kept.read_text("utf-8"))
        except (OSError, ValueError):
            found = []
        items = [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []
        return Listing(items, True, folder, _saved_pdfs(session, items))
    atomic_write_bytes(kept, json.dumps(items, ensure_ascii=False).encode("utf-8"))
    return Listing(items, False, folder, _saved_pdfs(session, items))


def _saved_pdfs(session: UserSession, items: list[dict[str, Any]]) -> frozenset[str]:
    saved = set()
    for item in items:
        serial = str(item.get("serial", ""))
        try:
            if pdf_path(session, serial).is_file():
                saved.add(serial)
        except FormatError:  # not a serial: nothing of it is saved
            continue
    return frozenset(saved)


def saved_pdf(session: UserSession, serial: str, ctx: TaskContext | None = None) -> Path:
    """Network lane: the certificate's PDF on this PC, downloaded first when it is not there."""
    path = pdf_path(session, serial)
    return path if path.is_file() else download_pdf(session, serial, ctx)


def download_pdf(session: UserSession, serial: str, ctx: TaskContext | None = None) -> Path:
    """Network lane: the certificate's PDF, saved as ``<profile>/certificates/<serial>.pdf``."""
    path = pdf_path(session, serial)
    if ctx is not None:
        ctx.progress("downloading")
    data = session.api.certificate_pdf(serial)
    if ctx is not None:
        ctx.check()
        ctx.progress("saving")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
    return path


def known_revocations(data_root: Path, session: UserSession | None,
                      trusted: Mapping[str, PublicKey]) -> Revocations | None:
    """The revocation list to check against: this person's cached one, else the newest on this PC."""
    if session is not None and (mine := revocations.cached(session.profile_dir, trusted)) is not None:
        return mine
    return revocations.newest_cached(data_root, trusted)


def verify_source(source: str | Path, data_root: Path, session: UserSession | None,
                  trusted: Mapping[str, PublicKey], ctx: TaskContext | None = None) -> list[Verdict]:
    """Network lane (file reading and image decoding): a verdict for each certificate in ``source``,
    a pasted text or a picture, PDF or text file. FormatError("no_certificate") when a file holds none."""
    texts = [source] if isinstance(source, str) else texts_in_file(source)
    if not texts:
        raise FormatError("no_certificate", "no StudyDesk certificate found in the file")
    if ctx is not None:
        ctx.check()
    listed = known_revocations(data_root, session, trusted)
    return [verify(text, trusted, listed) for text in texts]
