"""This person's device identity on this PC: a UUID and an Ed25519 key pair.

The private key lives only in the person's SecretStore (sealed); ``device.json`` in the profile
folder holds the public half, the id and whether the server has enrolled it. If the private key
cannot be found (keyring wiped, password reset), a new device identity starts a new chain; the
records already signed stay valid and can still be uploaded. Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sync.account.secrets import SecretStore
from sync.protocol.errors import IntegrityError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import DeviceSigner, utc_now
from sync.storage.files import atomic_write_bytes

DEVICE_FILE = "device.json"
DEVICE_KEY_SECRET = "device_key"  # the name of the sealed device key in the SecretStore


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    device_id: str
    key: PrivateKey = field(repr=False)
    enrolled_at: str | None = None

    def signer(self, user_id: str) -> DeviceSigner:
        return DeviceSigner(self.device_id, user_id, self.key)


def _write_json(path: Path, obj: dict[str, object]) -> None:
    atomic_write_bytes(path, json.dumps(obj, indent=1).encode("utf-8"))


def load_or_create(store: SecretStore, profile_dir: Path) -> DeviceIdentity:
    path = profile_dir / DEVICE_FILE
    profile_dir.mkdir(parents=True, exist_ok=True)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    if info:
        try:
            raw = store.get(DEVICE_KEY_SECRET)
        except IntegrityError:
            raw = None
        if raw is not None:
            key = PrivateKey.from_raw(raw)
            if key.public.to_text() == info.get("public_key"):
                return DeviceIdentity(info["device_id"], key, info.get("enrolled_at"))
    key = PrivateKey.generate()
    ident = DeviceIdentity(str(uuid.uuid4()), key)
    store.put(DEVICE_KEY_SECRET, key.raw())
    _write_json(path, {"device_id": ident.device_id, "public_key": key.public.to_text(), "enrolled_at": None})
    return ident


def mark_enrolled(profile_dir: Path, ident: DeviceIdentity) -> DeviceIdentity:
    when = utc_now()
    _write_json(profile_dir / DEVICE_FILE,
                {"device_id": ident.device_id, "public_key": ident.key.public.to_text(), "enrolled_at": when})
    return DeviceIdentity(ident.device_id, ident.key, when)
