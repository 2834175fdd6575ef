"""Certificates the server issues, stores, lists and revokes: a 学时证明 (a person's credit hours
for a year) and a 结业证书 (a training class completed).

The figures are the server's own: a year's hours from server.outcomes (what it published and the
credit it decided), a class's score from server.class_scores; a client's claim is never read.
Each certificate is signed with the site's publisher key (server.publisher_keys), which every
client already pins, as a COSE_Sign1 CWT (sync.protocol.certificates); the signed text is stored
with it so its PDF (server.certificate_pdf) can be printed again exactly. The revocation list is
signed with the same key and served publicly.

Issuing is idempotent: a person's class certificate is issued once (again only after a
revocation); a year's certificate is issued again only when the figures changed (the old one
stays valid: it was true on its date). Services only: the caller audits (the command line and
the admin web do).
"""

from __future__ import annotations

import datetime as dt
import secrets
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from server.class_scores import class_result
from server.classes import members, require_class
from server.config import ServerConfig
from server.outcomes import Evidence, Outcomes, course_evidence, course_facts, evidence_rows
from server.published import Published
from server.publisher_keys import load_private
from server.site_rules import site_today
from server.storage.engine import transaction
from server.storage.tables import certificates, revocation_lists
from server.users import User, get_user
from sync.protocol.certificates import CertKind, Claims, Revocations, sign
from sync.protocol.errors import FormatError
from sync.protocol.keys import PrivateKey
from sync.protocol.rules import ZERO, Rules, course_outcome
from sync.protocol.rules_file import plain

ISSUER_FILE = "certificates.toml"
DEFAULT_ISSUER = "StudyDesk"
MAX_REASON = 200
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U to misread


@dataclass(frozen=True, slots=True)
class Issuer:
    """What issuing needs beyond the database: the name printed as issuer, the signing key, the
    published courses and the site's rules."""

    name: str
    key: PrivateKey
    repo_dir: Path
    rules: Rules

    @classmethod
    def for_site(cls, config: ServerConfig, rules: Rules) -> Issuer:
        return cls(issuer_name(config.data_dir), load_private(config.keys_dir), config.repo_dir, rules)


def issuer_name(data_dir: Path) -> str:
    """The issuer printed on certificates: ``issuer = "..."`` in ``<data>/certificates.toml``,
    else "StudyDesk"."""
    path = data_dir / ISSUER_FILE
    try:
        doc = tomllib.loads(path.read_text("utf-8")[:4096])
    except FileNotFoundError:
        return DEFAULT_ISSUER
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormatError.worded("bad_issuer", "%(file)s is not a readable TOML file: %(error)s",
                                 file=str(path), error=str(exc)) from exc
    name = doc.get("issuer", DEFAULT_ISSUER)
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise FormatError.worded("bad_issuer", "%(file)s: issuer is a name of 1 to 100 characters", file=str(path))
    return name.strip()


def new_serial(year: int) -> str:
    """A serial like ``SD2026-7K3M-9Q2X-HT4B``: the year and 60 random bits in Crockford's base 32,
    so serials cannot be guessed from each other and read back without confusing 0/O or 1/I."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"SD{year}-{code[:4]}-{code[4:8]}-{code[8:]}"


@dataclass(frozen=True, slots=True)
class StoredCertificate:
    serial: str
    kind: CertKind
    user_id: str
    year: int | None
    class_code: str | None
    hours: str
    score: str | None
    token: str
    """The signed text (``SD1:...``) its QR code carries."""
    issued_at: str
    issued_by: str
    revoked_at: str | None
    reason: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _row(row: Row[tuple[object, ...]]) -> StoredCertificate:
    r = row._mapping
    return StoredCertificate(r["serial"], CertKind(r["kind"]), r["user_id"], r["year"], r["class_code"], r["hours"],
                             r["score"], r["token"], r["issued_at"], r["issued_by"], r["revoked_at"], r["reason"])


def get_certificate(conn: Connection, serial: str) -> StoredCertificate | None:
    row = conn.execute(sa.select(certificates).where(certificates.c.serial == serial)).first()
    return _row(row) if row else None


def require_certificate(conn: Connection, serial: str) -> StoredCertificate:
    found = get_certificate(conn, serial.strip().upper())
    if found is None:
        raise FormatError.worded("no_such_certificate", "no certificate %(serial)r", serial=serial)
    return found


def certificates_of(conn: Connection, user_id: str) -> list[StoredCertificate]:
    """A person's certificates, newest first, revoked ones too."""
    c = certificates.c
    return [_row(r) for r in conn.execute(sa.select(certificates).where(c.user_id == user_id)
                                          .order_by(c.issued_at.desc(), c.serial))]


@dataclass(frozen=True, slots=True)
class Issued:
    certificate: StoredCertificate
    new: bool
    """Issued now (False: the person already held it)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _person_id(user: User) -> str:
    return user.person_id or user.username


def _store(conn: Connection, claims: Claims, issuer: Issuer, user: User, issued_by: str) -> StoredCertificate:
    token = sign(claims, issuer.key)
    conn.execute(certificates.insert().values(
        serial=claims.serial, kind=claims.kind.value, user_id=user.user_id, year=claims.year,
        class_code=claims.class_code, hours=plain(claims.hours),
        score=plain(claims.score) if claims.score is not None else None, token=token,
        issued_at=_stamp(claims.issued_at), issued_by=issued_by))
    if conn.execute(sa.select(revocation_lists.c.id).limit(1)).first() is None:
        _sign_revocations(conn, issuer.key)  # verifiers can fetch a list from the first certificate on
    found = get_certificate(conn, claims.serial)
    assert found is not None
    return found


def _valid_one(conn: Connection, user_id: str, kind: CertKind, *, year: int | None = None,
               class_code: str | None = None) -> list[StoredCertificate]:
    c = certificates.c
    query = sa.select(certificates).where(c.user_id == user_id, c.kind == kind.value, c.revoked_at.is_(None))
    query = query.where(c.year == year) if kind is CertKind.HOURS else query.where(c.class_code == class_code)
    return [_row(r) for r in conn.execute(query.order_by(c.issued_at.desc()))]


def _require_user(conn: Connection, username: str) -> User:
    user = get_user(conn, username=username) or get_user(conn, user_id=username)
    if user is None:
        raise FormatError.worded("no_such_user", "no user %(user)r", user=username)
    return user


# -- issuing -------------------------------------------------------------------------------------

def issue_year_certificate(conn: Connection, username: str, year: int, issued_by: str,
                           issuer: Issuer) -> Issued:
    """A 学时证明 of ``username``'s credit hours in ``year`` (as of today, or the year's end for a
    past year); says whether it was issued now. FormatError("nothing_to_certify") when the
    person has no credit that year."""
    today = site_today(issuer.rules)
    if not 2000 <= year <= today.year:
        raise FormatError.worded("bad_year", "a year from 2000 to %(this_year)s, not %(year)s",
                                 this_year=today.year, year=year)
    as_of = min(today, dt.date(year, 12, 31))
    with transaction(conn):
        user = _require_user(conn, username)
        summary = Outcomes(conn, Published(issuer.repo_dir), issuer.rules).person_year(
            user, year, as_of, user.level.value if user.level else None).summary
        total = summary.required + summary.elective + summary.carried_in
        if total <= ZERO:
            raise FormatError.worded("nothing_to_certify", "%(user)s has no credit hours in %(year)s",
                                     user=user.username, year=year)
        for found in _valid_one(conn, user.user_id, CertKind.HOURS, year=year):
            if found.hours == plain(total):
                return Issued(found, False)
        claims = Claims(issuer=issuer.name, serial=new_serial(year), kind=CertKind.HOURS,
                        person_id=_person_id(user), name=user.display_name, issued_at=_now(), hours=total, year=year,
                        required=summary.required, elective=summary.elective + summary.carried_in)
        return Issued(_store(conn, claims, issuer, user, issued_by), True)


def _class_claims(conn: Connection, user: User, code: str, issuer: Issuer, evidence: Evidence,
                  outcomes: Outcomes) -> Claims | None:
    """The claims of ``user``'s 结业证书 for the class ``code``, or None when they did not pass it;
    ``outcomes`` reads each published course once for many people."""
    klass = require_class(conn, code)
    required = klass.required_courses()
    result = class_result(klass, evidence, outcomes)  # the class page's and the learner's result
    if not result.passed or not required:
        return None
    hours = ZERO
    for course_id in required:
        manifest = outcomes.latest(course_id)
        if manifest is None:
            continue
        facts = course_facts(manifest, True)
        found = course_evidence(facts, evidence.watch.get(course_id, []), evidence.passes.get(course_id, []),
                                issuer.rules)
        hours += course_outcome(facts, found, issuer.rules).credit
    now = _now()
    return Claims(issuer=issuer.name, serial=new_serial(now.year), kind=CertKind.CLASS, person_id=_person_id(user),
                  name=user.display_name, issued_at=now, hours=hours, class_code=code, class_name=klass.name,
                  score=result.total)


def issue_class_certificate(conn: Connection, username: str, code: str, issued_by: str,
                            issuer: Issuer) -> Issued:
    """``username``'s 结业证书 for the class ``code`` if they passed it; says whether it was issued
    now. FormatError("not_enrolled") or ("not_passed") otherwise."""
    with transaction(conn):
        user = _require_user(conn, username)
        if user.username not in members(conn, code, active_only=False):
            raise FormatError.worded("not_enrolled", "%(user)s is not in class %(code)s", user=user.username, code=code)
        existing = _valid_one(conn, user.user_id, CertKind.CLASS, class_code=code)
        if existing:
            return Issued(existing[0], False)
        evidence = evidence_rows(conn, [user.user_id]).get(user.user_id, Evidence())
        claims = _class_claims(conn, user, code, issuer, evidence,
                               Outcomes(conn, Published(issuer.repo_dir), issuer.rules))
        if claims is None:
            raise FormatError.worded("not_passed", "%(user)s has not passed class %(code)s",
                                     user=user.username, code=code)
        return Issued(_store(conn, claims, issuer, user, issued_by), True)


def issue_class_certificates(conn: Connection, class_id: str, issued_by: str,
                             issuer: Issuer) -> list[Issued]:
    """A 结业证书 for everyone in the class ``class_id`` who passed it (those already holding one
    keep theirs), in one transaction; the certificates of all who passed, by user name."""
    out: list[Issued] = []
    with transaction(conn):
        names = members(conn, class_id, active_only=False)
        people = [u for u in (get_user(conn, username=n) for n in names) if u is not None]
        evidence = evidence_rows(conn, [u.user_id for u in people])
        outcomes = Outcomes(conn, Published(issuer.repo_dir), issuer.rules)
        for user in people:
            existing = _valid_one(conn, user.user_id, CertKind.CLASS, class_code=class_id)
            if existing:
                out.append(Issued(existing[0], False))
                continue
            claims = _class_claims(conn, user, class_id, issuer, evidence.get(user.user_id, Evidence()), outcomes)
            if claims is not None:
                out.append(Issued(_store(conn, claims, issuer, user, issued_by), True))
    return out


# -- revoking ------------------------------------------------------------------------------------

def revoke(conn: Connection, serial: str, reason: str, revoked_by: str, key: PrivateKey) -> StoredCertificate:
    """Revoke a certificate (with why) and sign the new revocation list with ``key``, in one
    transaction; FormatError if it does not exist or is revoked already."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise FormatError.worded("bad_reason", "say why in 1 to %(most)s characters", most=MAX_REASON)
    with transaction(conn):
        found = require_certificate(conn, serial)
        if found.revoked:
            raise FormatError.worded("already_revoked", "certificate %(serial)s was revoked on %(revoked_at)s",
                                     serial=found.serial, revoked_at=found.revoked_at or "")
        conn.execute(certificates.update().where(certificates.c.serial == found.serial).values(
            revoked_at=_stamp(_now()), revoked_by=revoked_by, reason=reason))
        _sign_revocations(conn, key)
    return require_certificate(conn, found.serial)


def revocations(conn: Connection) -> Revocations:
    """Every revoked serial with when, as of now."""
    c = certificates.c
    rows = conn.execute(sa.select(c.serial, c.revoked_at).where(c.revoked_at.is_not(None)).order_by(c.serial))
    return Revocations(_stamp(_now()), {r.serial: r.revoked_at for r in rows})


def _sign_revocations(conn: Connection, key: PrivateKey) -> None:
    """Store a newly signed revocation list (inside the caller's transaction)."""
    found = revocations(conn)
    conn.execute(revocation_lists.insert().values(issued_at=found.issued_at,
                                                  body=found.sign(key).decode("utf-8")))


def signed_revocations(conn: Connection) -> bytes | None:
    """The newest signed revocation list, as served at /api/certificates/revoked; None before the
    first certificate was issued."""
    body = conn.execute(sa.select(revocation_lists.c.body).order_by(revocation_lists.c.id.desc()).limit(1)).scalar()
    return body.encode("utf-8") if body is not None else None


def many_pdf(items: Sequence[StoredCertificate], rules: Rules) -> bytes:
    """One PDF with a page per certificate, dated on the site's calendar of ``rules``
    (server.certificate_pdf, imported here: the PDF library is a large part of a server's start-up,
    and few requests need it)."""
    from server.certificate_pdf import render

    return render([item.token for item in items], rules)
