"""The site file (``site.toml``): what a site's IT person sets once for every PC.

Read by the app, the command line and ``site-check``. User settings may override only the
keys in USER_OVERRIDABLE; pinned publisher keys never come from a user. Every key is shown,
with its meaning, in installer/site.example.toml. Must not import Qt.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sync.protocol.errors import FormatError
from sync.protocol.keys import PublicKey
from sync.storage.folders import machine_config_dir

USER_OVERRIDABLE = frozenset({"language", "text_size", "bandwidth_cap_kbps", "download_windows", "data_dir"})
LANGUAGES = ("zh_CN", "en")
TEXT_SIZES = ("normal", "large", "xlarge")
DEFAULT_SERVER_URL = "http://127.0.0.1:8470"
_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class SiteConfig:
    server_url: str = DEFAULT_SERVER_URL
    ca_bundle: Path | None = None
    allow_user_server: bool = False
    repository: str | None = None  # a folder or an intranet URL with the course repository
    publisher_keys: tuple[str, ...] = ()
    bandwidth_cap_kbps: int = 0  # 0: no cap
    download_windows: tuple[str, ...] = ()  # "HH:MM-HH:MM"; empty: any time
    language: str = "zh_CN"
    text_size: str = "normal"
    data_dir: Path | None = None
    support_contact: str = ""  # who a person calls for help (a name, phone, e-mail), shown in About
    yearly_target_hours: float = 0.0  # credit hours each person should earn per year; 0: no target shown
    source: Path | None = field(default=None, compare=False)

    def trusted_keys(self) -> dict[str, PublicKey]:
        keys = [PublicKey.from_text(k) for k in self.publisher_keys]
        return {k.key_id: k for k in keys}

    def tls_verify(self) -> bool | str:
        """The ``verify`` argument for requests: the site CA bundle, else the system store. Never False."""
        return str(self.ca_bundle) if self.ca_bundle else True

    def with_user_overrides(self, overrides: dict[str, Any]) -> SiteConfig:
        """Apply a user's settings, ignoring any key the site does not let users change."""
        allowed = {k: v for k, v in overrides.items() if k in USER_OVERRIDABLE}
        if self.allow_user_server:  # the site lets people point at another server, and trust its CA
            allowed.update({k: overrides[k] for k in ("server_url", "ca_bundle") if k in overrides})
        merged = _validate({**_as_raw(self), **allowed})
        return replace(merged, source=self.source)


def default_site_paths() -> list[Path]:
    """Where the site file is looked for, in order: $STUDYDESK_SITE, this PC's config folder
    (sync.storage.folders.machine_config_dir), the program's own folder."""
    paths: list[Path] = []
    if env := os.environ.get("STUDYDESK_SITE"):
        paths.append(Path(env))
    paths.append(machine_config_dir() / "site.toml")
    paths.append(Path(sys.executable).resolve().parent / "site.toml")
    return paths


def load_site(path: Path | None = None) -> SiteConfig:
    """Load the site file at ``path``, else the first that exists of the default places, else defaults."""
    candidates = [path] if path else default_site_paths()
    for p in candidates:
        if p.is_file():
            return parse_site(p.read_bytes(), source=p)
    if path:
        raise FormatError("site_missing", f"site file {path} does not exist")
    return SiteConfig()


def parse_site(data: bytes, source: Path | None = None) -> SiteConfig:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormatError("site_malformed", f"site file is not valid TOML: {exc}") from exc
    server = doc.get("server", {})
    raw: dict[str, Any] = {
        "server_url": server.get("url", DEFAULT_SERVER_URL),
        "ca_bundle": server.get("ca_bundle"),
        "allow_user_server": server.get("allow_user_server", False),
        "repository": doc.get("repository", {}).get("url"),
        "publisher_keys": doc.get("publisher", {}).get("keys", []),
        "bandwidth_cap_kbps": doc.get("bandwidth", {}).get("cap_kbps", 0),
        "download_windows": doc.get("bandwidth", {}).get("windows", []),
        "language": doc.get("ui", {}).get("language", "zh_CN"),
        "text_size": doc.get("ui", {}).get("text_size", "normal"),
        "data_dir": doc.get("data", {}).get("dir"),
        "support_contact": doc.get("support", {}).get("contact", ""),
        "yearly_target_hours": doc.get("credits", {}).get("yearly_target_hours", 0),
    }
    if raw["ca_bundle"] and source and not Path(raw["ca_bundle"]).is_absolute():
        raw["ca_bundle"] = str(source.parent / raw["ca_bundle"])
    return replace(_validate(raw), source=source)


def _as_raw(site: SiteConfig) -> dict[str, Any]:
    return {
        "server_url": site.server_url,
        "ca_bundle": str(site.ca_bundle) if site.ca_bundle else None,
        "allow_user_server": site.allow_user_server,
        "repository": site.repository,
        "publisher_keys": list(site.publisher_keys),
        "bandwidth_cap_kbps": site.bandwidth_cap_kbps,
        "download_windows": list(site.download_windows),
        "language": site.language,
        "text_size": site.text_size,
        "data_dir": str(site.data_dir) if site.data_dir else None,
        "support_contact": site.support_contact,
        "yearly_target_hours": site.yearly_target_hours,
    }


def _validate(raw: dict[str, Any]) -> SiteConfig:
    def bad(what: str) -> FormatError:
        return FormatError("site_invalid", f"site file: {what}")

    url = raw["server_url"]
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
        raise bad("server url must start with http:// or https://")
    keys = raw["publisher_keys"]
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise bad("publisher keys must be a list of strings")
    for k in keys:
        PublicKey.from_text(k)
    cap = raw["bandwidth_cap_kbps"]
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 0:
        raise bad("bandwidth cap must be a whole number >= 0")
    windows = raw["download_windows"]
    if not isinstance(windows, list) or not all(isinstance(w, str) and _WINDOW.match(w) for w in windows):
        raise bad('download windows must look like "12:00-13:30"')
    if raw["language"] not in LANGUAGES:
        raise bad(f"language must be one of {', '.join(LANGUAGES)}")
    if raw["text_size"] not in TEXT_SIZES:
        raise bad(f"text size must be one of {', '.join(TEXT_SIZES)}")
    if not isinstance(raw["allow_user_server"], bool):
        raise bad("allow_user_server must be true or false")
    contact = raw["support_contact"]
    if not isinstance(contact, str) or len(contact) > 500:
        raise bad("support contact must be text (at most 500 characters)")
    target = raw["yearly_target_hours"]
    if not isinstance(target, int | float) or isinstance(target, bool) or not 0 <= target <= 10000:
        raise bad("yearly_target_hours must be a number of credit hours >= 0")
    return SiteConfig(
        server_url=url.rstrip("/"),
        ca_bundle=Path(raw["ca_bundle"]) if raw["ca_bundle"] else None,
        allow_user_server=raw["allow_user_server"],
        repository=raw["repository"] or None,
        publisher_keys=tuple(keys),
        bandwidth_cap_kbps=cap,
        download_windows=tuple(windows),
        language=raw["language"],
        text_size=raw["text_size"],
        data_dir=Path(raw["data_dir"]) if raw["data_dir"] else None,
        support_contact=contact.strip(),
        yearly_target_hours=float(target),
    )
