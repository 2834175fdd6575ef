"""What ``studydesk site-check`` checks: a site file and the network from this PC.

Pure report logic: each check gives a Finding (what was checked, passed or not, a stable
problem code the client turns into a translated "what to do", and an English detail for the
log). Checks: the site file loads; the CA bundle (if any) is a PEM certificate file; publisher
keys are pinned; the server answers GET /api/health (TLS verified with the site CA or the
system store, never switched off); the course repository (the site's [repository], else the
server's /repo/) has a catalog.json whose signature verifies against the pinned keys.
Must not import Qt or anything from client/ or server/.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography import x509

from sync.protocol.catalog import Catalog
from sync.protocol.errors import SyncError
from sync.site.config import SiteConfig, load_site

TIMEOUT_S = 10.0
MAX_CATALOG = 8 * 1024 * 1024
_DNS_FAILURES = ("NameResolutionError", "Name or service not known", "getaddrinfo failed",
                 "Temporary failure in name resolution", "nodename nor servname")


@dataclass(frozen=True, slots=True)
class Finding:
    check: str  # site_file, ca_bundle, publisher_keys, server, tls, repository
    ok: bool
    target: str  # what was checked: a path or an address
    problem: str = ""  # a stable code when not ok (see client/commands/site_check.py)
    detail: str = ""  # what was found, or the technical reason (English)
    # What was found, for the client to word in the person's language: a stable code and its
    # values (see client/commands/site_check.py). Empty when the detail is a technical reason.
    found: str = ""
    values: tuple[str, ...] = ()


def check_site_file(path: Path | None) -> tuple[Finding, SiteConfig | None]:
    try:
        site = load_site(path)
    except SyncError as exc:
        if exc.code == "site_missing":
            return Finding("site_file", False, str(path or "-"), "site_missing", exc.detail, "no_file",
                           (str(path or "-"),)), None
        return Finding("site_file", False, str(path or "-"), "site_invalid", exc.detail), None
    if site.source is None:
        return Finding("site_file", False, "-", "site_missing", "no site file in the default places",
                       "no_site_file"), None
    detail = f"server {site.server_url}, language {site.language}"
    return Finding("site_file", True, str(site.source), detail=detail, found="site_read",
                   values=(site.server_url, site.language)), site


def check_ca_bundle(site: SiteConfig) -> Finding | None:
    if site.ca_bundle is None:
        return None
    target = str(site.ca_bundle)
    try:
        data = site.ca_bundle.read_bytes()
    except OSError as exc:
        return Finding("ca_bundle", False, target, "ca_missing", str(exc))
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        return Finding("ca_bundle", False, target, "ca_invalid", str(exc))
    names = ", ".join(c.subject.rfc4514_string() for c in certs[:2])
    return Finding("ca_bundle", True, target, detail=f"{len(certs)} certificate(s): {names}", found="certificates",
                   values=(str(len(certs)), names))


def check_publisher_keys(site: SiteConfig) -> Finding:
    keys = site.trusted_keys()
    if not keys:
        return Finding("publisher_keys", False, "[publisher] keys", "no_keys", "the list is empty", "empty_list")
    return Finding("publisher_keys", True, "[publisher] keys", detail=f"{len(keys)} key(s): {', '.join(keys)}",
                   found="keys", values=(str(len(keys)), ", ".join(keys)))


def _classify(exc: requests.RequestException) -> tuple[str, str]:
    """(problem code, detail) for a failed request; a TLS failure is told apart from a dead network."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        untrusted = "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text
        return ("tls_untrusted" if untrusted else "tls_error"), text
    if isinstance(exc, requests.exceptions.Timeout):
        return "timeout", text
    if any(sign in text for sign in _DNS_FAILURES):
        return "dns", text
    return "unreachable", text


def check_server(site: SiteConfig, session: requests.Session) -> list[Finding]:
    """GET /api/health; for https also a TLS line, so the site CA problem is named as such."""
    url = f"{site.server_url}/api/health"
    https = urlsplit(site.server_url).scheme == "https"
    started = time.monotonic()
    try:
        resp = session.get(url, timeout=TIMEOUT_S, verify=site.tls_verify(), allow_redirects=False)
    except requests.RequestException as exc:
        problem, detail = _classify(exc)
        if problem.startswith("tls"):
            return [Finding("tls", False, site.server_url, problem, detail)]
        return [Finding("server", False, url, problem, detail)]
    ms = (time.monotonic() - started) * 1000
    found: list[Finding] = []
    if https:
        ca = f"site CA {site.ca_bundle}" if site.ca_bundle else "system certificate store"
        how = ("verified_site_ca", (str(site.ca_bundle),)) if site.ca_bundle else ("verified_system_store", ())
        found.append(Finding("tls", True, site.server_url, detail=f"certificate verified with the {ca}",
                             found=how[0], values=how[1]))
    if resp.status_code != 200:
        found.append(Finding("server", False, url, "http_status", f"HTTP {resp.status_code}"))
    else:
        found.append(Finding("server", True, url, detail=f"HTTP 200 in {ms:.0f} ms", found="answered",
                             values=(f"{ms:.0f}",)))
    return found


def repository_location(site: SiteConfig) -> str:
    """The repository this PC reads courses from: [repository] url, else the server's /repo/."""
    repo = site.repository
    if not repo:
        return f"{site.server_url}/repo"
    if urlsplit(repo).scheme in ("http", "https"):
        return repo.rstrip("/")
    folder = Path(repo).expanduser()
    if not folder.is_absolute() and site.source is not None:
        folder = site.source.parent / folder
    return str(folder)


def _read_catalog(location: str, site: SiteConfig, session: requests.Session) -> tuple[bytes | None, Finding | None]:
    if urlsplit(location).scheme in ("http", "https"):
        url = f"{location}/catalog.json"
        try:
            resp = session.get(url, timeout=TIMEOUT_S, verify=site.tls_verify())
        except requests.RequestException as exc:
            problem, detail = _classify(exc)
            return None, Finding("repository", False, location, problem, detail)
        if resp.status_code == 404:
            return None, Finding("repository", False, location, "repo_missing", f"{url}: HTTP 404")
        if resp.status_code != 200:
            return None, Finding("repository", False, location, "repo_unreadable", f"{url}: HTTP {resp.status_code}")
        return resp.content[: MAX_CATALOG + 1], None
    path = Path(location) / "catalog.json"
    if not path.is_file():
        return None, Finding("repository", False, location, "repo_missing", f"{path} does not exist", "no_file",
                             (str(path),))
    try:
        with path.open("rb") as f:
            return f.read(MAX_CATALOG + 1), None
    except OSError as exc:
        return None, Finding("repository", False, location, "repo_unreadable", str(exc))


def check_repository(site: SiteConfig, session: requests.Session) -> Finding:
    location = repository_location(site)
    data, failed = _read_catalog(location, site, session)
    if failed is not None or data is None:
        return failed or Finding("repository", False, location, "repo_unreadable", "no data")
    try:
        catalog = Catalog.parse_verified(data, site.trusted_keys())
    except SyncError as exc:
        problem = "catalog_untrusted" if exc.code == "unknown_key" else "catalog_bad"
        return Finding("repository", False, location, problem, f"{exc.code}: {exc.detail}")
    titles = ", ".join(c.id for c in catalog.courses[:5])
    more = "" if len(catalog.courses) <= 5 else ", ..."
    detail = f"catalog signed by {catalog.key_id}, {len(catalog.courses)} course(s): {titles}{more}"
    return Finding("repository", True, location, detail=detail, found="catalog",
                   values=(catalog.key_id, str(len(catalog.courses)), titles + more))


def run_site_check(path: Path | None = None, session: requests.Session | None = None) -> list[Finding]:
    """Every check, in the order an IT person would fix them. Stops after a site file that fails."""
    first, site = check_site_file(path)
    if site is None:
        return [first]
    findings = [first]
    if (ca := check_ca_bundle(site)) is not None:
        findings.append(ca)
    findings.append(check_publisher_keys(site))
    own = session is None
    http = session or requests.Session()
    try:
        server = check_server(site, http)
        findings.extend(server)
        failed = next((f for f in server if not f.ok), None)
        location = repository_location(site)
        if failed is not None and location.startswith(site.server_url):  # the same server: do not wait twice
            findings.append(Finding("repository", False, location, failed.problem, "not checked: see the server",
                                    "not_checked"))
        elif site.trusted_keys():
            findings.append(check_repository(site, http))
    finally:
        if own:
            http.close()
    return findings
