"""Make tests/data/server_v11: a server data folder's database as a server from before Alembic
(``PRAGMA user_version`` 11) left it, with real sign-ins, a device, synced and credited records,
an assignment, a throttled wrong password and the audit log of it all.

Run it with a checkout of that server's code::

    git archive b7ea682 server sync player | tar -x -C /tmp/old-server
    python -m tests.support.make_server_v11 --code /tmp/old-server --made-by b7ea682 tests/data/server_v11

The old server runs from ``--code`` (admin commands and ``serve``, as a site ran it); this tree
only drives it over HTTP and publishes the course. It writes ``server.sql`` (the database as SQL
text, with its user_version) and ``site.json`` (the people's passwords, the device's test key,
each chain's end and the transcripts the old server answered), which
tests/integration/test_upgrade_in_place.py starts today's server on.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner, make_record
from tests.support.courses import publish_lessons
from tests.support.server_process import free_port
from tests.support.watch import Timeline

COURSE, LESSONS = "c1", {"l1": 600.0, "l2": 300.0}
PEOPLE = {"li": ("pass-word-li", "城关镇", "李四"), "wang": ("pass-word-wang", "城关镇", "王五")}


def _old(code: Path, data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1", "STUDYDESK_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "server.cli", "--data", str(data), *args], cwd=code, env=env,
                          input=stdin, capture_output=True, text=True, check=True, timeout=120)


def make(code: Path, out: Path, made_by: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        publish_lessons(data, COURSE, LESSONS)
        for name, (password, unit, display) in PEOPLE.items():
            _old(code, data, "user", "add", name, "--unit", unit, "--display-name", display, "--password-stdin",
                 stdin=password + "\n")
        _old(code, data, "assign", COURSE, "--unit", "城关镇", "--required", "--due", "2026-12-31")
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1"}
        server = subprocess.Popen([sys.executable, "-m", "server.cli", "--data", str(data), "serve", "--port",
                                   str(port)], cwd=code, env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    if requests.get(url + "/api/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.05)
            site = _sync(url)
        finally:
            server.terminate()
            server.wait(30)
        site["made_by"] = made_by
        out.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(data / "server.sqlite3")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        dump = "\n".join(conn.iterdump())
        conn.close()
        (out / "server.sql").write_text(f"PRAGMA user_version = {version};\n{dump}\n", encoding="utf-8")
        (out / "site.json").write_text(json.dumps(site, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                       encoding="utf-8")


def _sync(url: str) -> dict[str, object]:
    """Sign in, enrol, sync two lessons' records, refresh once, then a wrong password for wang."""
    api = ApiClient(Transport(url))
    password = PEOPLE["li"][0]
    me = api.login("li", password)
    key = PrivateKey.generate()
    signer = DeviceSigner(str(uuid.uuid4()), me["user_id"], key)
    api.enrol_device(signer.device_id, key.public.to_text())
    line, prev, records = Timeline(time.time() - 200), GENESIS, []
    for seq in range(1, 7):
        lesson = "l1" if seq <= 4 else "l2"
        start = ((seq - 1) % 4) * 20.0
        r = make_record(signer, seq=seq, prev=prev, record_type="watch", course_id=COURSE, lesson_id=lesson,
                        body=line.body([[start, start + 20.0]], position_s=start + 20.0))
        records.append(r)
        prev = r.hash
    answers = api.post_batch(records)
    assert [a["status"] for a in answers] == ["stored"] * len(records), answers
    api.refresh()
    transcript = api.transcript()
    wrong = requests.post(url + "/api/auth/login", json={"username": "wang", "password": "not-it"}, timeout=10)
    assert wrong.status_code == 401, wrong.text
    return {"people": {name: {"password": p[0], "unit": p[1]} for name, p in PEOPLE.items()},
            "course": {"id": COURSE, "lessons": LESSONS},
            "device": {"device_id": signer.device_id, "user_id": me["user_id"], "private_key": key.raw().hex(),
                       "last_seq": records[-1].seq, "last_hash": records[-1].hash},
            "transcript": transcript}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, required=True, help="a checkout of the server before Alembic")
    parser.add_argument("--made-by", required=True, help="the commit that code is from")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    make(args.code.resolve(), args.out, args.made_by)


if __name__ == "__main__":
    main()
