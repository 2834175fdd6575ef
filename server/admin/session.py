"""The admin web's session: a signed cookie, and the CSRF token of every form.

The cookie holds who signed in, when, and a random CSRF token, signed with the site's session
key (``admin-session.key`` in the key folder, made once) by itsdangerous; a cookie older than
SESSION_MAX_AGE_S, or signed with another key, is no session. It is HttpOnly, SameSite=Strict,
scoped to /admin, and Secure when the request came over TLS. A visitor who has not signed in
gets a session too (no admin in it), so the sign-in form carries a CSRF token as well.

Every POST form sends the token back in the ``csrf`` field; ``check_csrf`` compares it with the
session's in constant time. The admin named in a session is looked up again on every request
(server.admins), so one deactivated meanwhile is signed out at once.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "studydesk_admin"
SESSION_MAX_AGE_S = 8 * 3600
KEY_FILE = "admin-session.key"


@dataclass(frozen=True, slots=True)
class Session:
    csrf: str
    admin: str | None = None
    """The admin's name once signed in."""


def session_key(keys_dir: Path) -> bytes:
    """The site's session key, made (32 random bytes, owner-only) when first needed."""
    path = keys_dir / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        key = secrets.token_bytes(32)
        f.write(key)
        f.flush()
        os.fsync(f.fileno())
    return key


class SessionCodec:
    """Turns a Session into a cookie value and back."""

    def __init__(self, key: bytes) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="studydesk-admin-session")

    def dumps(self, session: Session) -> str:
        return self._serializer.dumps({"csrf": session.csrf, "admin": session.admin})

    def loads(self, value: str | None) -> Session | None:
        """The session in a cookie, or None when it is missing, forged or older than SESSION_MAX_AGE_S."""
        if not value or len(value) > 1024:
            return None
        try:
            data = self._serializer.loads(value, max_age=SESSION_MAX_AGE_S)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict):
            return None
        csrf, admin = data.get("csrf"), data.get("admin")
        if not isinstance(csrf, str) or not (admin is None or isinstance(admin, str)):
            return None
        return Session(csrf=csrf, admin=admin)


def new_session(admin: str | None = None) -> Session:
    """A fresh session with a new CSRF token (a sign-in always starts one: no fixation)."""
    return Session(csrf=secrets.token_urlsafe(24), admin=admin)


def check_csrf(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), (sent or "").encode())
