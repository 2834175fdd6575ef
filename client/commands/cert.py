"""``studydesk cert list|save|verify``: my certificates and checking one, as 我的证书 and 验证证书
do in the window (client.workers.certificates). ``verify`` needs no sign-in and no network: the
site file's pinned keys and the newest revocation list saved on this PC."""

from __future__ import annotations

import argparse
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from client.commands.courses import table
from client.commands.login import add_sign_in_args, refresh_assignments, sign_in_from_args
from client.i18n import QT_TRANSLATE_NOOP
from client.workers.certificates import download_pdf, load_certificates, site_calendar, site_day, verify_source
from sync.protocol.certificates import CertKind, Status, Verdict
from sync.protocol.rules import DEFAULT_RULES, YearRules
from sync.site.config import load_site


def tr(text: str) -> str:
    return QCoreApplication.translate("", text)  # where lupdate files a bare tr("literal")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("cert", help=QT_TRANSLATE_NOOP("CommandLine", "my certificates, and verifying a certificate"))
    cs = p.add_subparsers(dest="cert_command", required=True)
    ls = cs.add_parser("list", help=QT_TRANSLATE_NOOP("CommandLine", "list my certificates"))
    add_sign_in_args(ls)
    ls.set_defaults(func=run_list)
    save = cs.add_parser("save", help=QT_TRANSLATE_NOOP("CommandLine", "download one of my certificates as PDF"))
    save.add_argument("serial")
    add_sign_in_args(save)
    save.set_defaults(func=run_save)
    check = cs.add_parser("verify", help=QT_TRANSLATE_NOOP(
        "CommandLine", "verify a certificate offline: its SD1: text, or a picture or PDF of it"))
    check.add_argument("source", metavar="FILE|TEXT")
    check.set_defaults(func=run_verify)


def run_list(args: argparse.Namespace) -> int:
    session = sign_in_from_args(args)
    refresh_assignments(session)  # with them, the site's rules: when online, the server's own
    calendar = site_calendar(session)  # days as the PDFs print them: the site's
    listing = load_certificates(session)
    if listing.offline:
        print(tr("Offline: the list saved on this PC at the last look."))
    if not listing.items:
        print(tr("You have no certificates yet."))
        return 0
    rows = [[tr("Serial"), tr("Certificate"), tr("Year or class"), tr("Hours"), tr("Issued"), tr("State")]]
    for item in listing.items:
        kind = tr("Certificate of study hours") if item.get("kind") == CertKind.HOURS.value else tr("Class certificate")
        about = str(item.get("year") or item.get("class_name") or item.get("class_code") or "")
        revoked = item.get("revoked_at")
        state = tr("revoked %1").replace("%1", site_day(calendar, str(revoked))) if revoked else tr("valid")
        rows.append([str(item.get("serial", "")), kind, about, str(item.get("hours", "")),
                     site_day(calendar, str(item.get("issued_at", ""))), state])
    print("\n".join(table(rows)))
    return 0


def run_save(args: argparse.Namespace) -> int:
    path = download_pdf(sign_in_from_args(args), args.serial.strip().upper())
    print(tr("Saved as %1").replace("%1", str(path)))
    return 0


def verdict_line(verdict: Verdict, calendar: YearRules = DEFAULT_RULES.year) -> str:
    if verdict.status is Status.VALID:
        if verdict.list_issued_at is None:
            return tr("Genuine, but this PC has no revocation list yet: whether it was revoked is not known.")
        return tr("Genuine and valid: signed with this site's pinned key and not revoked "
                  "(revocation list of %1).").replace("%1", site_day(calendar, verdict.list_issued_at))
    texts = {
        Status.REVOKED: tr("Revoked on %1: no longer valid."),
        Status.BAD_SIGNATURE: tr("Not genuine: the content does not match its signature."),
        Status.UNKNOWN_ISSUER: tr("Unknown issuer: not signed with a key this site trusts."),
        Status.MALFORMED: tr("Not a StudyDesk certificate: the code cannot be read."),
    }
    return texts[verdict.status].replace("%1", site_day(calendar, verdict.revoked_at))


def run_verify(args: argparse.Namespace) -> int:
    site = load_site(args.site)
    source: str | Path = args.source
    if not str(source).upper().startswith("SD1:") and Path(source).is_file():
        source = Path(source)
    verdicts = verify_source(source, args.data, None, site.trusted_keys())
    calendar = site_calendar(None)  # no sign-in: the default rules' calendar, as the window signed out
    for verdict in verdicts:
        print(verdict_line(verdict, calendar))
        c = verdict.claims
        if c is not None:
            about = str(c.year) if c.year is not None else f"{c.class_name or ''} ({c.class_code})"
            score = f"  {c.score}" if c.score is not None else ""
            print(f"  {c.serial}  {c.kind.title_zh}  {c.name} ({c.person_id})  {about}  {c.hours}{score}"
                  f"  {c.issuer}  {site_day(calendar, c.issued_at)}")
    return 0 if all(v.valid for v in verdicts) else 3
