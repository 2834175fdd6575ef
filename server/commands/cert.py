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
from server.commands import connect, os_user, site
from server.publisher_keys import load_private, load_public
from server.site_rules import load_site_rules
from server.users import get_user
from sync.protocol.certificate_scan import texts_in_file
from sync.protocol.certificates import MAX_TEXT_CHARS, verify
from sync.protocol.errors import FormatError
from sync.storage.files import atomic_write_bytes


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("cert", help="issue, verify, revoke and list certificates (学时证明, 结业证书)")
    cs = p.add_subparsers(dest="cert_command", required=True)
    issue = cs.add_parser("issue", help="issue a person's 学时证明 for a year or 结业证书 for a class; with --class "
                                        "alone, a 结业证书 for everyone in the class who passed")
    issue.add_argument("--user", help="the person's user name")
    what = issue.add_mutually_exclusive_group(required=True)
    what.add_argument("--year", type=int, help="the year of the 学时证明")
    what.add_argument("--class", dest="code", metavar="CODE", help="the class of the 结业证书")
    issue.add_argument("--pdf", type=Path, metavar="FILE", help="also write the certificate(s) as one PDF")
    issue.set_defaults(func=run_issue)
    check = cs.add_parser("verify", help="verify a certificate: its text, or a PDF, picture or text file of it")
    check.add_argument("source", metavar="FILE|TEXT")
    check.set_defaults(func=run_verify, audited=False)
    rv = cs.add_parser("revoke", help="revoke a certificate; verifiers refuse it once they have the new list")
    rv.add_argument("serial")
    rv.add_argument("--reason", required=True, help="why, kept with the certificate (not published)")
    rv.set_defaults(func=run_revoke)
    ls = cs.add_parser("list", help="list a person's certificates")
    ls.add_argument("--user", required=True, help="the person's user name")
    ls.set_defaults(func=run_list, audited=False)
    pdf = cs.add_parser("pdf", help="write certificates as one PDF, a page each")
    pdf.add_argument("serials", nargs="+", metavar="SERIAL")
    pdf.add_argument("--out", type=Path, required=True, metavar="FILE")
    pdf.set_defaults(func=run_pdf, audited=False)


def _line(c: StoredCertificate) -> str:
    what = f"year {c.year}" if c.year is not None else f"class {c.class_code}"
    state = f"revoked {c.revoked_at}: {c.reason}" if c.revoked else "valid"
    score = f"\tscore {c.score}" if c.score is not None else ""
    return f"{c.serial}\t{c.kind.title_zh}\t{what}\t{c.hours} hours{score}\tissued {c.issued_at}\t{state}"


def run_issue(args: argparse.Namespace) -> int:
    config = site(args).existing()
    issuer = Issuer.for_site(config, load_site_rules(config.data_dir))
    with connect(config) as conn:
        if args.year is not None:
            if not args.user:
                raise FormatError("bad_arguments", "a 学时证明 is a person's: name them with --user")
            found = [issue_year_certificate(conn, args.user, args.year, os_user(), issuer)]
        elif args.user:
            found = [issue_class_certificate(conn, args.user, args.code, os_user(), issuer)]
        else:
            found = issue_class_certificates(conn, args.code, os_user(), issuer)
    every = [i.certificate for i in found]
    for i in found:
        print(("issued   " if i.new else "existing ") + _line(i.certificate))
    if not every:
        print(f"no one in class {args.code} has passed it yet")
    if args.pdf and every:
        atomic_write_bytes(args.pdf, many_pdf(every, issuer.rules))
        print(f"wrote {args.pdf}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    config = site(args).existing()
    source: str = args.source
    path = Path(source)
    if len(source) <= 4096 and not source.upper().startswith("SD1:") and path.is_file():
        texts = texts_in_file(path)
        if not texts:
            raise FormatError("no_certificate", f"no StudyDesk certificate found in {path}")
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
            about = f"year {c.year}" if c.year is not None else f"class {c.class_code} {c.class_name or ''}".rstrip()
            trust = "" if verdict.valid else "  (NOT trusted)"
            print(f"  {c.serial}  {c.kind.title_zh}  {c.name} ({c.person_id})  {about}  {c.hours} hours"
                  + (f"  score {c.score}" if c.score is not None else "") + f"  issued {c.issued_at:%Y-%m-%d} by "
                  f"{c.issuer}{trust}")
        rc = rc or (0 if verdict.valid else 2)
    return rc


def run_revoke(args: argparse.Namespace) -> int:
    config = site(args).existing()
    key = load_private(config.keys_dir)
    with connect(config) as conn:
        found = revoke(conn, args.serial, args.reason, os_user(), key)
    print(f"revoked {found.serial} at {found.revoked_at}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with connect(site(args).existing()) as conn:
        user = get_user(conn, username=args.user)
        if user is None:
            raise FormatError("no_such_user", f"no user {args.user!r}")
        found = certificates_of(conn, user.user_id)
    print("\n".join(_line(c) for c in found) if found else "no certificates")
    return 0


def run_pdf(args: argparse.Namespace) -> int:
    config = site(args).existing()
    with connect(config) as conn:
        found = [require_certificate(conn, s) for s in args.serials]
    atomic_write_bytes(args.out, many_pdf(found, load_site_rules(config.data_dir)))
    print(f"wrote {args.out} ({len(found)} page(s))")
    return 0
