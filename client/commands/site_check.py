"""``studydesk site-check [--site FILE] [--lang zh_CN|en]``: check a site file and the network from this PC.

Prints one line per check (✓/✗, what was checked, what was found) and, under each failure,
what the site's IT person should do, in the site's language (or --lang). Exit 1 if any check
failed. The checks themselves are sync/site/check.py; this module only words them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from client.i18n import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from sync.site.check import Finding

_CTX = "SiteCheck"

CHECKS = {
    "site_file": QT_TRANSLATE_NOOP("SiteCheck", "Site file"),
    "ca_bundle": QT_TRANSLATE_NOOP("SiteCheck", "Site CA certificate"),
    "publisher_keys": QT_TRANSLATE_NOOP("SiteCheck", "Pinned publisher keys"),
    "tls": QT_TRANSLATE_NOOP("SiteCheck", "Secure connection (TLS)"),
    "server": QT_TRANSLATE_NOOP("SiteCheck", "Server reachable"),
    "repository": QT_TRANSLATE_NOOP("SiteCheck", "Course repository readable"),
}

ACTIONS = {
    "site_missing": QT_TRANSLATE_NOOP(
        "SiteCheck", "No site file was found. Copy it to /etc/studydesk/site.toml (Windows: "
        "%PROGRAMDATA%\\StudyDesk\\site.toml), or name it with --site FILE."),
    "site_invalid": QT_TRANSLATE_NOOP(
        "SiteCheck", "The site file has an error (see above). Correct it in a text editor; "
        "site.example.toml explains every setting."),
    "ca_missing": QT_TRANSLATE_NOOP(
        "SiteCheck", "The CA certificate file named in [server] ca_bundle is missing. Copy the site's CA "
        "certificate (PEM) to that place."),
    "ca_invalid": QT_TRANSLATE_NOOP(
        "SiteCheck", "The file in [server] ca_bundle is not a PEM certificate. Export the site CA as PEM "
        "(Base64) and copy it again."),
    "no_keys": QT_TRANSLATE_NOOP(
        "SiteCheck", "No publisher key is pinned, so no course can be verified. Add the key printed by "
        "\"studydesk-server keys show\" to [publisher] keys."),
    "unreachable": QT_TRANSLATE_NOOP(
        "SiteCheck", "This PC cannot reach the server. Check the address in [server] url, the network "
        "cable, the proxy and the firewall, and that the server is running."),
    "dns": QT_TRANSLATE_NOOP(
        "SiteCheck", "The server's name cannot be resolved on this PC. Check the DNS server in the network "
        "settings, or use the server's IP address in [server] url."),
    "timeout": QT_TRANSLATE_NOOP(
        "SiteCheck", "The server did not answer in time. Check the network and that the server is running."),
    "tls_untrusted": QT_TRANSLATE_NOOP(
        "SiteCheck", "The server's certificate is not trusted by this PC. Put the site CA certificate (PEM) "
        "next to the site file and name it in [server] ca_bundle."),
    "tls_error": QT_TRANSLATE_NOOP(
        "SiteCheck", "The secure connection failed. Check that the address uses the right port and that the "
        "server's certificate is valid (dates, server name)."),
    "http_status": QT_TRANSLATE_NOOP(
        "SiteCheck", "The server answered with an error. Check that [server] url points at the StudyDesk "
        "server itself."),
    "repo_missing": QT_TRANSLATE_NOOP(
        "SiteCheck", "No course catalog (catalog.json) was found there. Check [repository] url, or that the "
        "USB stick or shared folder is connected."),
    "repo_unreadable": QT_TRANSLATE_NOOP(
        "SiteCheck", "The course repository could not be read. Check the address, the network and the "
        "folder's permissions."),
    "catalog_untrusted": QT_TRANSLATE_NOOP(
        "SiteCheck", "The course catalog is signed by a key this site does not trust. Compare [publisher] "
        "keys with \"studydesk-server keys show\" on the server."),
    "catalog_bad": QT_TRANSLATE_NOOP(
        "SiteCheck", "The course catalog is damaged or was changed after it was signed. Publish again on the "
        "server, or copy the repository again."),
}


# What a check found (Finding.found), worded for people; %1, %2 ... are Finding.values.
FOUND = {
    "site_read": QT_TRANSLATE_NOOP("SiteCheck", "server %1, language %2"),
    "no_site_file": QT_TRANSLATE_NOOP("SiteCheck", "no site file in the default places"),
    "certificates": QT_TRANSLATE_NOOP("SiteCheck", "%1 certificate(s): %2"),
    "empty_list": QT_TRANSLATE_NOOP("SiteCheck", "the list is empty"),
    "keys": QT_TRANSLATE_NOOP("SiteCheck", "%1 key(s): %2"),
    "verified_site_ca": QT_TRANSLATE_NOOP("SiteCheck", "certificate verified with the site CA %1"),
    "verified_system_store": QT_TRANSLATE_NOOP("SiteCheck", "certificate verified with the system certificate store"),
    "answered": QT_TRANSLATE_NOOP("SiteCheck", "answered in %1 ms"),
    "no_file": QT_TRANSLATE_NOOP("SiteCheck", "%1 does not exist"),
    "catalog": QT_TRANSLATE_NOOP("SiteCheck", "catalog signed by %1, %2 course(s): %3"),
    "not_checked": QT_TRANSLATE_NOOP("SiteCheck", "not checked: see the server above"),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("site-check",
                       help=QT_TRANSLATE_NOOP("CommandLine", "check the site file and the network from this PC"))
    # also accepted after the subcommand; SUPPRESS keeps a --site or --lang given before it
    p.add_argument("--site", type=Path, default=argparse.SUPPRESS,
                   help=QT_TRANSLATE_NOOP("CommandLine", "site file to check"))
    p.add_argument("--lang", choices=("zh_CN", "en"), default=argparse.SUPPRESS,
                   help=QT_TRANSLATE_NOOP("CommandLine", "report language (default: the site's)"))
    p.set_defaults(func=run)


def tr(text: str) -> str:
    # lupdate files a bare tr("literal") under the empty context; strings marked with
    # QT_TRANSLATE_NOOP(_CTX, ...) live under _CTX. Look in both.
    found = QCoreApplication.translate(_CTX, text)
    return found if found != text else QCoreApplication.translate("", text)


def found_text(finding: Finding) -> str:
    """What a check found, in the run's language; a technical reason (an error text) as it was given."""
    template = FOUND.get(finding.found)
    if template is None:
        return str(finding.detail)
    text = tr(template)
    for i, value in enumerate(finding.values, start=1):
        text = text.replace(f"%{i}", value)
    return text


def format_report(findings: list[Finding]) -> list[str]:
    lines = []
    for f in findings:
        mark = "✓" if f.ok else "✗"
        lines.append(f"{mark} {tr(str(CHECKS[f.check]))} — {f.target}")
        if detail := found_text(f):
            lines.append(f"    {detail}")
        if not f.ok:
            lines.append(f"    → {tr(str(ACTIONS.get(f.problem, ACTIONS['repo_unreadable'])))}")
    failed = sum(1 for f in findings if not f.ok)
    if failed:
        lines.append(QCoreApplication.translate("SiteCheck", "%1 check(s) failed.").replace("%1", str(failed)))
    else:
        lines.append(QCoreApplication.translate("SiteCheck", "All checks passed: this PC is ready."))
    return lines


def run(args: argparse.Namespace) -> int:
    from sync.site.check import run_site_check

    findings = run_site_check(args.site)
    if hasattr(sys.stdout, "reconfigure"):  # a console in a legacy code page must not crash on ✓/✗
        sys.stdout.reconfigure(errors="replace")
    for line in format_report(findings):
        print(line)
    sys.stdout.flush()
    return 0 if all(f.ok for f in findings) else 1
