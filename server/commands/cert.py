"""``studydesk-server cert issue|verify|revoke|list|pdf``: certificates (学时证明, 结业证书).

Issuing and revoking are written to the audit log (server.cli); verifying and listing only read.
Verifying uses this site's own publisher key and revocation list, the same check any verifier
makes offline with the pinned key.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from server.certificates import (
    Issuer,
    StoredCertificate,
    certificates_of,
    issue_class_certificate,
    issue_class_certificates,
    issue_year_certificate,
    many_pdf,
    require_certificate,
    revocations,
    revoke,
)
from server.commands import _, connect, os_user, site
from server.publisher_keys import load_private, load_public
from server.site_rules import load_site_rules
from server.users import get_user
from sync.protocol.certificate_scan import texts_in_file
from sync.protocol.certificates import MAX_TEXT_CHARS, verify
from sync.protocol.errors import FormatError
from sync.storage.files import atomic_write_bytes


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("cert", help=_("issue, verify, revoke and list certificates (学时证明, 结业证书)"))
    cs = p.add_subparsers(dest="cert_command", required=True)
    issue = cs.add_parser("issue", help=_("issue a person's 学时证明 for a year or 结业证书 for a class; with --class "
                                          "alone, a 结业证书 for everyone in the class who passed"))
    issue.add_argument("--user", help=_("the person's user name"))
    what = issue.add_mutually_exclusive_group(required=True)
    what.add_argument("--year", type=int, help=_("the year of the 学时证明"))
    what.add_argument("--class", dest="code", metavar="CODE", help=_("the class of the 结业证书"))
    issue.add_argument("--pdf", type=Path, metavar="FILE", help=_("also write the certificate(s) as one PDF"))
    issue.set_defaults(func=run_issue)
    check = cs.add_parser("verify", help=_("verify a certificate: its text, or a PDF, picture or text file of it"))
    check.add_argument("source", metavar="FILE|TEXT")
    check.set_defaults(func=run_verify, audited=False)
    rv = cs.add_parser("revoke", help=_("revoke a certificate; verifiers refuse it once they have the new list"))
    rv.add_argument("serial")
    rv.add_argument("--reason", required=True, help=_("why, kept with the certificate (not published)"))
    rv.set_defaults(func=run_revoke)
    ls = cs.add_parser("list", help=_("list a person's certificates"))
    ls.add_argument("--user", required=True, help=_("the person's user name"))
    ls.set_defaults(func=run_list, audited=False)
    pdf = cs.add_parser("pdf", help=_("write certificates as one PDF, a page each"))
    pdf.add_argument("serials", nargs="+", metavar="SERIAL")
    pdf.add_argument("--out", type=Path, required=True, metavar="FILE")
    pdf.set_defaults(func=run_pdf, audited=False)


def _line(c: StoredCertificate) -> str:
    what = _("year %(year)s") % {"year": c.year} if c.year is not None else _("class %(code)s") % {"code": c.class_code}
    state = _("revoked %(at)s: %(reason)s") % {"at": c.revoked_at, "reason": c.reason} if c.revoked else _("valid")
    score = "\t" + _("score %(score)s") % {"score": c.score} if c.score is not None else ""
    return "\t".join((c.serial, c.kind.title_zh, what, _("%(hours)s hours") % {"hours": c.hours} + score,
                      _("issued %(at)s") % {"at": c.issued_at}, state))


def run_issue(args: argparse.Namespace) -> int:
    config = site(args).existing()
    issuer = Issuer.for_site(config, load_site_rules(config.data_dir))
    with connect(config) as conn:
        if args.year is not None:
            if not args.user:
                raise FormatError.worded("bad_arguments", "a 学时证明 is a person's: name them with --user")
            found = [issue_year_certificate(conn, args.user, args.year, os_user(), issuer)]
        elif args.user:
            found = [issue_class_certificate(conn, args.user, args.code, os_user(), issuer)]
        else:
            found = issue_class_certificates(conn, args.code, os_user(), issuer)
    every = [i.certificate for i in found]
    for i in found:
        label = _("issued") if i.new else _("existing")
        print(f"{label:<9}{_line(i.certificate)}")
    if not every:
        print(_("no one in class %(code)s has passed it yet") % {"code": args.code})
    if args.pdf and every:
        atomic_write_bytes(args.pdf, many_pdf(every, issuer.rules))
        print(_("wrote %(file)s") % {"file": args.pdf})
    return 0


def run_verify(args: argparse.Namespace) -> int:
    config = site(args).existing()
    source: str = args.source
    path = Path(source)
    if len(source) <= 4096 and not source.upper().startswith("SD1:") and path.is_file():
        texts = texts_in_file(path)
        if not texts:
            raise FormatError.worded("no_certificate", "no StudyDesk certificate found in %(file)s", file=str(path))
    else:
        texts = [source[:MAX_TEXT_CHARS + 1]]
    key = load_public(config.keys_dir)
    with connect(config) as conn:
        listed = revocations(conn)
    rc = 0
    for text in texts:
        verdict = verify(text, {key.key_id: key}, listed)
        print(f"{verdict.status.value}: {verdict.reason}")
        if verdict.claims is not None:
            c = verdict.claims
            about = _("year %(year)s") % {"year": c.year} if c.year is not None else \
                (_("class %(code)s") % {"code": c.class_code} + f" {c.class_name or ''}").rstrip()
            parts = [c.serial, c.kind.title_zh, f"{c.name} ({c.person_id})", about, _("%(hours)s hours") % {
                "hours": c.hours}, *([_("score %(score)s") % {"score": c.score}] if c.score is not None else []),
                _("issued %(at)s by %(issuer)s") % {"at": f"{c.issued_at:%Y-%m-%d}", "issuer": c.issuer},
                *([] if verdict.valid else [_("(NOT trusted)")])]
            print("  " + "  ".join(parts))
        rc = rc or (0 if verdict.valid else 2)
    return rc


def run_revoke(args: argparse.Namespace) -> int:
    config = site(args).existing()
    key = load_private(config.keys_dir)
    with connect(config) as conn:
        found = revoke(conn, args.serial, args.reason, os_user(), key)
    print(_("revoked %(serial)s at %(at)s") % {"serial": found.serial, "at": found.revoked_at})
    return 0


def run_list(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        user = get_user(conn, username=args.user)
        if user is None:
            raise FormatError.worded("no_such_user", "no user %(user)r", user=args.user)
        found = certificates_of(conn, user.user_id)
    print("\n".join(_line(c) for c in found) if found else _("no certificates"))
    return 0


def run_pdf(args: argparse.Namespace) -> int:
    config = site(args).existing()
    with connect(config) as conn:
        found = [require_certificate(conn, s) for s in args.serials]
    atomic_write_bytes(args.out, many_pdf(found, load_site_rules(config.data_dir)))
    print(_("wrote %(file)s (%(pages)s page(s))") % {"file": args.out, "pages": len(found)})
    return 0
