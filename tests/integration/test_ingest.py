"""Server ingest over real HTTP: signatures, device-user binding, chain, gaps, idempotency, input limits."""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sync.net.api_client import ApiClient
from sync.net.transport import Transport
from sync.protocol.keys import PrivateKey
from sync.protocol.records import GENESIS, DeviceSigner, make_record
from tests.support.courses import publish_lessons
from tests.support.ingest import Client, chain, enrolled_client, flags, statuses
from tests.support.module_server import BACKENDS, module_server
from tests.support.server_process import ServerProcess, add_user
from tests.support.watch import Timeline

pytestmark = pytest.mark.databases  # each test runs on SQLite and on PostgreSQL


def _publish(server: ServerProcess, _root: Path) -> None:
    publish_lessons(server.data_dir, "c1", {"l1": 1200.0})


@pytest.fixture
def two(server: ServerProcess) -> tuple[Client, Client]:
    """ann and ben on a fresh server of their own (a test that kills it, or publishes)."""
    _publish(server, server.data_dir.parent)
    add_user(server, "ann", "pass-word")
    add_user(server, "ben", "pass-word")
    return enrolled_client(server, "ann"), enrolled_client(server, "ben")


@pytest.fixture(scope="module", params=BACKENDS)
def shared_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """One server per backend for the tests whose records, answers and transcripts are their own people's."""
    with module_server(request, tmp_path_factory, _publish) as proc:
        yield proc


_pairs = itertools.count(1)


@pytest.fixture
def pair(shared_server: ServerProcess) -> tuple[Client, Client]:
    """Two people of their own, each with an enrolled device, on the module's server."""
    n = next(_pairs)
    for name in (f"ann-{n}", f"ben-{n}"):
        add_user(shared_server, name, "pass-word")
    return enrolled_client(shared_server, f"ann-{n}"), enrolled_client(shared_server, f"ben-{n}")


def test_good_chain_is_stored_once_and_replays_are_duplicates(pair: tuple[Client, Client]) -> None:
    a, _ = pair
    recs = chain(a.signer, 5)
    assert statuses(a.api.post_batch(list(reversed(recs)))) == ["stored"] * 5  # any order within a batch
    assert statuses(a.api.post_batch(recs)) == ["duplicate"] * 5
    t = a.api.transcript()
    assert t["records"] == 5
    lesson = t["courses"][0]["lessons"][0]
    assert lesson["credited_s"] == 50.0 and lesson["last_position_s"] == 60.0


def test_tampered_reordered_deleted_and_foreign_records_get_reasons(pair: tuple[Client, Client]) -> None:
    a, b = pair
    recs = chain(a.signer, 6)
    assert statuses(a.api.post_batch(recs[:2])) == ["stored", "stored"]
    tampered = dataclasses.replace(recs[2], body={"segments": [[0, 9999]]})
    assert statuses(a.api.post_batch([tampered])) == ["bad_signature"]
    # seq 3 is missing (lost, or deleted on a shared PC): seq 4 is stored anyway, flagged
    res = a.api.post_batch([recs[3]])
    assert statuses(res) == ["stored"] and flags(res) == [["gap"]]
    assert a.api.transcript()["gaps"] == [{"device_id": a.signer.device_id, "missing_seq": 3}]
    forked = make_record(a.signer, seq=2, prev=recs[0].hash, record_type="watch", course_id="c1", lesson_id="l1",
                         body={"segments": [[0, 1]]})
    assert statuses(a.api.post_batch([forked])) == ["seq_conflict"]
    bad_link = make_record(a.signer, seq=3, prev=recs[0].hash, record_type="watch", course_id="c1", lesson_id="l1",
                           body={})
    assert statuses(a.api.post_batch([bad_link])) == ["broken_chain"]  # does not link to the stored seq 2
    unlinked = make_record(a.signer, seq=3, prev=recs[1].hash, record_type="watch", course_id="c1", lesson_id="l1",
                           body={})
    assert statuses(a.api.post_batch([unlinked])) == ["broken_chain"]  # the stored seq 4 does not link to it
    other = dataclasses.replace(recs[0], body={"changed": True})
    assert statuses(a.api.post_batch([other])) == ["id_conflict"]
    # b posting a's genuine record, a signing for b's user id, an unknown device
    assert statuses(b.api.post_batch([recs[2]])) == ["foreign_user"]
    assert statuses(b.api.post_batch([recs[0]])) == ["foreign_user"]  # even a replay of a stored one
    foreign = make_record(DeviceSigner(a.signer.device_id, b.user_id, a.signer.key), seq=1, prev=GENESIS,
                          record_type="watch", course_id="c1", lesson_id="l1", body={})
    assert statuses(b.api.post_batch([foreign])) == ["foreign_record"]
    stranger = chain(DeviceSigner(str(uuid.uuid4()), a.user_id, PrivateKey.generate()), 1)
    assert statuses(a.api.post_batch(stranger)) == ["unknown_device"]
    # b takes the id of a's next record first: ids belong to their device, so a's record is still stored
    squat = make_record(b.signer, seq=1, prev=GENESIS, record_type="note", course_id=None, lesson_id=None,
                        body={"text": "mine"}, record_id=recs[4].id)
    assert statuses(b.api.post_batch([squat])) == ["stored"]
    # the missing record arrives later: it fills the gap; the genuine rest of the chain is stored
    res = a.api.post_batch(recs[2:])
    assert statuses(res) == ["stored", "duplicate", "stored", "stored"] and flags(res) == [[]] * 4
    t = a.api.transcript()
    assert t["records"] == 6 and t["gaps"] == []
    assert t["courses"][0]["credited_s"] == 60.0 and t["courses"][0]["set_aside"] == {}


def test_malformed_records_in_a_batch_are_rejected_one_by_one(pair: tuple[Client, Client]) -> None:
    a, _ = pair
    good = chain(a.signer, 1)[0]
    results = a.api.post_batch([good])
    assert statuses(results) == ["stored"]
    raw = [{"id": "x1", "seq": "one"}, {**chain(a.signer, 1, 2, good.hash)[0].to_dict(), "extra": 1}]
    r = requests.post(a.api.transport.base_url + "/api/records/batch", json={"records": raw},
                      headers={"Authorization": f"Bearer {a.api.tokens.access_token}"}, timeout=10)  # type: ignore[union-attr]
    assert r.status_code == 200
    assert [x["reason"] for x in r.json()["results"]] == ["missing_field", "bad_field"]


def test_bad_bodies_are_refused_with_clear_errors(shared_server: ServerProcess, pair: tuple[Client, Client]) -> None:
    server = shared_server
    a, _ = pair
    auth = {"Authorization": f"Bearer {a.api.tokens.access_token}"}  # type: ignore[union-attr]
    url = server.url + "/api/records/batch"
    r = requests.post(url, data=b"not json", headers=auth, timeout=10)
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"
    r = requests.post(url, data=b"\x1f\x8bgarbage", headers={**auth, "Content-Encoding": "gzip"}, timeout=10)
    assert r.status_code == 400 and r.json()["code"] == "bad_gzip"
    bomb = gzip.compress(b'{"records":[' + b" " * (70 * 1024 * 1024) + b"]}")
    r = requests.post(url, data=bomb, headers={**auth, "Content-Encoding": "gzip"}, timeout=30)
    assert r.status_code == 400 and r.json()["code"] == "too_large"
    r = requests.post(url, data=b" " * (9 * 1024 * 1024), headers=auth, timeout=30)
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    r = requests.post(server.url + "/api/auth/login", data=b" " * (9 * 1024 * 1024), timeout=30)
    assert r.status_code == 413
    r = requests.post(url, data=json.dumps({"records": [{}] * 2001}), headers=auth, timeout=10)
    assert r.status_code == 400 and r.json()["code"] == "bad_batch"
    r = requests.post(url, json={"records": []}, timeout=10)
    assert r.status_code == 401
    r = requests.post(url, json={"records": []}, headers={"Authorization": "Bearer nonsense"}, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "token_expired"


def test_commit_before_ack_survives_kill(server: ServerProcess, two: tuple[Client, Client], tmp_path: Path) -> None:
    a, _ = two
    recs = chain(a.signer, 50)
    assert statuses(a.api.post_batch(recs)) == ["stored"] * 50
    server.kill()
    server.start()
    a2 = ApiClient(Transport(server.url))
    a2.login("ann", "pass-word")
    assert a2.transcript()["records"] == 50


def test_transcript_unions_overlaps_and_clips_to_duration(server: ServerProcess, two: tuple[Client, Client]) -> None:
    a, _ = two
    publish_lessons(server.data_dir, "c9", {"l1": 100.0})
    line = Timeline()
    bodies = [line.body([[0, 30]], duration_s=100, position_s=30),
              line.body([[20, 50], [40, 60]], duration_s=100, position_s=60),
              line.body([[90, 500]], duration_s=100, position_s=100),
              {"answers": {"q1": "b"}, "quiz_id": "quiz-1", "score": 8, "max_score": 10, "passed": True}]
    prev, recs = GENESIS, []
    for i, body in enumerate(bodies, start=1):
        r = make_record(a.signer, seq=i, prev=prev, record_type="quiz" if "answers" in body else "watch",
                        course_id="c9", lesson_id="l1", body=body)
        recs.append(r)
        prev = r.hash
    assert flags(a.api.post_batch(recs)) == [[], [], ["over_duration"], ["ungradable"]]
    course = a.api.transcript()["courses"][0]
    lesson = course["lessons"][0]
    assert lesson["credited_s"] == 70.0 and lesson["last_position_s"] == 100.0 and lesson["records"] == 4
    assert lesson["set_aside"] == {"over_duration": 400.0} and course["set_aside_s"] == 400.0
    assert course["credited_s"] == 70.0
    # the client's claimed score is never copied: answers are evidence, graded by the server (here
    # they fit no published quiz's paper: not an attempt the server can grade)
    assert course["quizzes"] == [{"record_id": recs[3].id, "lesson_id": "l1", "created_at": recs[3].created_at,
                                  "graded": True, "score": 0, "max_score": 0, "passed": False, "attempt": 1,
                                  "reason": "ungradable", "quiz_id": "quiz-1"}]
