"""Clients of the server's sign-in and ingest API: a bare sign-in request, a person's enrolled device,
honest record chains, and the per-record answers read back."""

from __future__ import annotations

import dataclasses
import time
import uuid

import requests

from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner, Record, make_record
from tests.support.server_process import ServerProcess
from tests.support.watch import Timeline


@dataclasses.dataclass
class Client:
    api: ApiClient
    signer: DeviceSigner
    user_id: str


def login(server: ServerProcess, name: str, password: str, address: str | None = None) -> requests.Response:
    """POST /api/auth/login; ``address`` is the caller's address as a trusted proxy on loopback reports it."""
    headers = {"X-Forwarded-For": address} if address else {}
    return requests.post(server.url + "/api/auth/login", json={"username": name, "password": password},
                         headers=headers, timeout=60)


def enrolled_client(server: ServerProcess, name: str) -> Client:
    api = ApiClient(Transport(server.url))
    info = api.login(name, "pass-word")
    signer = DeviceSigner(str(uuid.uuid4()), info["user_id"], PrivateKey.generate())
    api.enrol_device(signer.device_id, signer.key.public.to_text())
    return Client(api, signer, info["user_id"])


def chain(signer: DeviceSigner, n: int, start: int = 1, prev: str = GENESIS) -> list[Record]:
    """``n`` honest records of 10 s of lesson c1/l1 each (7 s of wall time at up to 1.5x)."""
    out = []
    line = Timeline(time.time() - 280 + (start - 1) * 7)
    for i in range(start, start + n):
        r = make_record(signer, seq=i, prev=prev, record_type="watch", course_id="c1", lesson_id="l1",
                        body=line.body([[i * 10.0, i * 10.0 + 10]], 7, position_s=i * 10.0 + 10))
        out.append(r)
        prev = r.hash
    return out


def statuses(results: list[dict[str, object]]) -> list[object]:
    return [r.get("reason") or r["status"] for r in results]


def flags(results: list[dict[str, object]]) -> list[object]:
    return [r.get("flags", []) for r in results]
