"""Signing in on a shared PC: online first, offline for anyone who signed in here before.

``AuthService(data_root, site)``: ``sign_in`` asks the server; on success it derives the
person's sealing key and offline verifier from the password (sync/account/secrets.py; a new
person's scrypt cost from ``$STUDYDESK_KDF_COST``, default 14, then kept with them), keeps the tokens
sealed, makes sure this person has a device key on this PC (sync/account/device.py) and enrols it.
When the server cannot be reached, a person already known here signs in offline against the
local verifier. Each person gets ``<data root>/profiles/<user_id>/`` with their own database,
device key and secrets. Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync.account.device import DEVICE_KEY_SECRET, DeviceIdentity, load_or_create, mark_enrolled
from sync.account.known_users import KnownUser, KnownUsers
from sync.account.profile_db import open_profile_db
from sync.account.secrets import FileBackend, SecretBackend, SecretStore, backend_for, derive, new_salt
from sync.net.api_client import ApiClient, Tokens
from sync.net.transport import Transport
from sync.protocol.errors import AuthError, IntegrityError, RejectedError, RetryableError, StorageError
from sync.protocol.work_factor import KDF_COST_ENV, cost_from_env
from sync.records.outbox import Outbox, pending_count
from sync.records.uploader import Uploader
from sync.site.config import SiteConfig

_TOKENS = "tokens"


class OfflinePasswordError(AuthError):
    """A wrong password checked on this PC (the server was not reached, so it counts towards no lock)."""


def profile_dir_for(data_root: Path, user_id: str) -> Path:
    return data_root / "profiles" / user_id


@dataclass
class UserSession:
    """One signed-in person. ``api`` refreshes its tokens and keeps them sealed."""

    user_id: str
    username: str
    display_name: str
    unit: str
    profile_dir: Path
    device: DeviceIdentity = field(repr=False)
    secrets: SecretStore = field(repr=False)
    api: ApiClient = field(repr=False)
    offline: bool = False

    @property
    def device_id(self) -> str:
        return self.device.device_id

    def db(self) -> sqlite3.Connection:
        return open_profile_db(self.profile_dir)

    def outbox(self, conn: sqlite3.Connection | None = None) -> Outbox:
        return Outbox(conn if conn is not None else self.db(), self.device.signer(self.user_id))

    def ensure_enrolled(self) -> None:
        """Enrol this device's public key with the server (once; a no-op when already enrolled)."""
        if self.device.enrolled_at:
            return
        self.api.enrol_device(self.device.device_id, self.device.key.public.to_text())
        self.device = mark_enrolled(self.profile_dir, self.device)

    def uploader(self, conn: sqlite3.Connection | None = None, **kw: Any) -> Uploader:
        return Uploader(self.outbox(conn), self.api, prepare=self.ensure_enrolled, **kw)


class AuthService:
    def __init__(self, data_root: Path, site: SiteConfig, *, keyring_backend: Any | None = None,
                 transport: Transport | None = None) -> None:
        self.data_root = data_root
        self.site = site
        self._keyring = keyring_backend
        self._transport = transport
        self._known = KnownUsers(data_root)

    def _namespace(self) -> str:
        # Keyring entries are per data root and server, so two installs on one account never mix.
        key = f"{self.data_root.resolve()}|{self.site.server_url}".encode()
        return hashlib.sha256(key).hexdigest()[:16]

    def _new_transport(self) -> Transport:
        return self._transport or Transport(self.site.server_url, self.site.tls_verify())

    def known_users(self) -> list[KnownUser]:
        return self._known.list(self.site.server_url)

    def unsent_count(self, username: str) -> int:
        """How many of this person's study records on this PC have not reached the server yet."""
        known = self._known.get(self.site.server_url, username)
        if known is None:
            return 0
        profile = profile_dir_for(self.data_root, known.user_id)
        if not (profile / "profile.sqlite3").exists():
            return 0
        conn = open_profile_db(profile)
        try:
            return pending_count(conn)
        finally:
            conn.close()

    def forget(self, username: str, *, delete_data: bool = False) -> None:
        """Take a person off this PC's sign-in list; their profile stays unless ``delete_data``.

        Without the list entry they can no longer sign in offline here until they sign in online
        once again. ``delete_data`` also removes their profile folder and sealed secrets, and is
        refused while any of their records has not reached the server (that would lose study time).
        """
        known = self._known.get(self.site.server_url, username)
        if known is None:
            return
        if delete_data and (n := self.unsent_count(username)):
            raise StorageError("unsent_records", f"{n} record(s) of {username!r} have not reached the server yet")
        self._known.forget(self.site.server_url, username)
        if not delete_data or self._known.listed_anywhere(known.user_id):
            return  # the same person signs in here for another server: the folder is still theirs
        profile = profile_dir_for(self.data_root, known.user_id)
        backend = self._backend(profile, known.user_id, known)
        for name in (_TOKENS, DEVICE_KEY_SECRET):
            backend.delete(name)
        try:
            if profile.exists():
                shutil.rmtree(profile)
        except OSError as exc:
            raise StorageError("storage", f"cannot delete {profile}: {exc}") from exc

    def sign_in(self, username: str, password: str) -> UserSession:
        known = self._known.get(self.site.server_url, username)
        api = ApiClient(self._new_transport())
        try:
            info = api.login(username, password)
        except AuthError as exc:
            if exc.code == "account_deactivated" and known is not None:
                # The server said so to someone with the right password: this PC stops offering
                # offline sign-in too. The profile and any unsent records stay on the PC.
                self._known.forget(self.site.server_url, username)
            raise
        except RetryableError as exc:
            if exc.code == "too_many_attempts" and known is None:
                raise  # the server is up and says to wait: not a reason to call it unreachable
            if known is None:
                code = "tls" if exc.code == "tls" else "network"  # a certificate problem says so
                raise RetryableError(code, f"the server cannot be reached and {username!r} has never signed "
                                           f"in on this PC: {exc.detail}") from exc
            return self._offline(known, password, api)
        return self._online(info, known, password, api)

    def _online(self, info: dict[str, Any], known: KnownUser | None, password: str, api: ApiClient) -> UserSession:
        user_id = str(info["user_id"])
        if known is not None and known.user_id == user_id:
            salt, cost = known.kdf_salt, known.kdf_cost  # the same key as before: the sealed secrets still open
        else:
            salt, cost = new_salt(), cost_from_env(KDF_COST_ENV)
        key, verifier = derive(password, salt, cost)
        profile = profile_dir_for(self.data_root, user_id)
        _open_profile(profile)
        backend = self._backend(profile, user_id, known if known is not None and known.user_id == user_id else None)
        store = SecretStore(backend, key, user_id)
        tokens = api.tokens
        assert tokens is not None
        store.put(_TOKENS, json.dumps({"access_token": tokens.access_token,
                                       "refresh_token": tokens.refresh_token}).encode())
        api.on_tokens = lambda t: _save_tokens(store, t)
        device = load_or_create(store, profile)
        self._known.remember(KnownUser(user_id, str(info["username"]), str(info["display_name"]), str(info["unit"]),
                                       "", self.site.server_url, salt, verifier, backend.kind, cost))
        session = UserSession(user_id, str(info["username"]), str(info["display_name"]), str(info["unit"]), profile,
                              device, store, api, offline=False)
        with contextlib.suppress(RetryableError, RejectedError):  # else retried (and reported) by the next sync
            session.ensure_enrolled()
        return session

    def _offline(self, known: KnownUser, password: str, api: ApiClient) -> UserSession:
        key, verifier = derive(password, known.kdf_salt, known.kdf_cost)
        if not hmac.compare_digest(verifier, known.verifier):
            raise OfflinePasswordError("wrong_password", "wrong password (checked offline on this PC)")
        profile = profile_dir_for(self.data_root, known.user_id)
        _open_profile(profile)
        store = SecretStore(self._backend(profile, known.user_id, known), key, known.user_id)
        try:
            raw = store.get(_TOKENS)
        except IntegrityError:
            raw = None
        if raw:
            t = json.loads(raw)
            api = ApiClient(api.transport, Tokens(t["access_token"], t["refresh_token"]))
        api.on_tokens = lambda t: _save_tokens(store, t)
        device = load_or_create(store, profile)
        self._known.remember(known)
        return UserSession(known.user_id, known.username, known.display_name, known.unit, profile, device, store,
                           api, offline=True)

    def _backend(self, profile: Path, user_id: str, known: KnownUser | None) -> SecretBackend:
        """Where this person's sealed secrets live: where they were put before, while that still works."""
        if known is not None and known.secret_backend == "file":
            return FileBackend(profile)
        return backend_for(profile, self._namespace(), user_id, self._keyring)

    def sign_out(self, session: UserSession) -> None:
        """Forget the session in memory; sealed secrets stay for the next sign-in."""
        session.api.transport.close()


def _open_profile(profile: Path) -> None:
    """Create or migrate the person's database now, so that a file from a newer StudyDesk stops
    the sign-in with its reason (FormatError "db_too_new") before anything is written."""
    open_profile_db(profile).close()


def _save_tokens(store: SecretStore, t: Tokens) -> None:
    store.put(_TOKENS, json.dumps({"access_token": t.access_token, "refresh_token": t.refresh_token}).encode())
