"""HTTP: record batches (gzip JSON, size-limited) and the transcript. Thin: the logic is in
server.ingest and server.transcript.

A batch is untrusted input that can be small on the wire and huge once inflated and parsed.
The route reads at most MAX_WIRE_BYTES, then inflates and parses in a worker thread (never on
the event loop), within BATCH_LIMITS. A batch larger than SMALL_JSON_BYTES once inflated first
takes one of a few parse slots: however many arrive at once, at most that many big bodies are
inflated and parsed together, and the rest are answered 503 with a Retry-After. Once its body
has arrived, a batch takes one of the worker's upload slots (ServerConfig.upload_slots) for its
parse and ingest: a batch that finds none free within UPLOAD_WAIT_S is answered 503 with a
Retry-After (the client comes back then), so the batches that are served are served quickly.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from server.class_scores import learner_outcomes
from server.ingest import ingest
from server.limits import MAX_BODY_BYTES as MAX_WIRE_BYTES
from server.limits import Slots, read_body
from server.outcomes import StandingsCache
from server.published import Published
from server.responses import BatchOut, TranscriptOut
from server.routes_auth import Conn, CurrentUser
from server.site_rules import site_today
from server.transcript import transcript
from sync.protocol.canonical import parse_json_object
from sync.protocol.errors import FormatError
from sync.protocol.json_limits import JsonLimits
from sync.protocol.records import MAX_BODY_BYTES

router = APIRouter(prefix="/api")

MAX_BATCH_RECORDS = 2000
# A real watch record is about 750 bytes of JSON holding 54 values, so a full batch of 2000 is
# about 1.5 MB. The limits give each of 2000 records 8 KB and 250 values, over ten and four times
# that. A client whose batch is refused as too large halves it, down to a single record (a body
# of at most MAX_BODY_BYTES), which always fits.
MAX_JSON_BYTES = 16 * 1024 * 1024
BATCH_LIMITS = JsonLimits(max_bytes=MAX_JSON_BYTES, max_values=MAX_BATCH_RECORDS * 250,
                          max_string_bytes=MAX_BODY_BYTES)
# The client's usual batch of 500 records is about 400 KB: it never waits for a slot.
SMALL_JSON_BYTES = 1024 * 1024
BIG_PARSE_SLOTS = 2
BIG_PARSE_WAIT_S = 1.0
RETRY_AFTER_S = 2.0
UPLOAD_WAIT_S = 0.5


class BatchIn(BaseModel):
    records: list[dict[str, Any]] = Field(max_length=MAX_BATCH_RECORDS)


def parse_slots() -> Slots:
    return Slots(BIG_PARSE_SLOTS, wait_s=BIG_PARSE_WAIT_S, retry_after_s=RETRY_AFTER_S, what="large record batches")


def install(app: FastAPI) -> None:
    app.state.big_parse_slots = parse_slots()
    app.state.upload_slots = Slots(app.state.config.upload_slots, wait_s=UPLOAD_WAIT_S, retry_after_s=RETRY_AFTER_S,
                                   what="record uploads")
    app.state.standings = StandingsCache()


def _inflate(d: zlib._Decompress, data: bytes, max_bytes: int) -> bytes:
    """Up to ``max_bytes`` + 1 more bytes of the gzip stream ``d`` (zlib's decompressobj)."""
    try:
        out: bytes = d.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise FormatError("bad_gzip", "request body is not valid gzip") from exc
    return out


@contextmanager
def _inflated(raw: bytes, gzipped: bool, slots: Slots) -> Iterator[bytes]:
    """The body as JSON bytes; a big one is inflated and used only while holding a parse slot."""
    if not gzipped:
        if len(raw) <= SMALL_JSON_BYTES:
            yield raw
        else:
            with slots.hold():
                yield raw
        return
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    head = _inflate(d, raw, SMALL_JSON_BYTES)
    if d.eof and len(head) <= SMALL_JSON_BYTES:
        yield head
        return
    with slots.hold():
        data = head + _inflate(d, d.unconsumed_tail, MAX_JSON_BYTES - len(head))
        del head
        if len(data) > MAX_JSON_BYTES:
            raise FormatError("too_large", f"request body inflates to more than {MAX_JSON_BYTES} bytes")
        if not d.eof:
            raise FormatError("bad_gzip", "request body is truncated gzip")
        yield data


def parse_batch(raw: bytes, gzipped: bool, slots: Slots) -> list[dict[str, Any]]:
    """Inflate and parse a batch body into its raw records. Runs in a worker thread."""
    with _inflated(raw, gzipped, slots) as data:
        try:
            return BatchIn.model_validate(parse_json_object(data, "record batch", BATCH_LIMITS)).records
        except ValidationError as exc:
            raise FormatError("bad_batch", f"record batch is malformed: {exc.errors()[0]['msg']}") from exc


@router.post("/records/batch", response_model=BatchOut, response_model_exclude_unset=True)
async def post_batch(request: Request, user: CurrentUser, conn: Conn) -> dict[str, Any]:
    raw = await read_body(request, MAX_WIRE_BYTES)
    gzipped = request.headers.get("content-encoding", "").lower() == "gzip"
    config = request.app.state.config
    slots: Slots = request.app.state.upload_slots
    await slots.acquire_async()  # after the body arrived: a slow sender holds no slot
    try:
        records = await run_in_threadpool(parse_batch, raw, gzipped, request.app.state.big_parse_slots)
        del raw

        def work() -> list[dict[str, Any]]:
            return [o.to_dict() for o in ingest(conn, records, as_user_id=user.user_id, repo_dir=config.repo_dir,
                                                answer_keys_dir=config.answer_keys_dir)]

        results = await run_in_threadpool(work)
    finally:
        slots.release()
    return {"results": results}


@router.get("/transcript", response_model=TranscriptOut, response_model_exclude_unset=True)
def get_transcript(request: Request, user: CurrentUser, conn: Conn,
                   with_: Annotated[Literal["outcomes"] | None, Query(alias="with")] = None) -> dict[str, Any]:
    """The signed-in person's transcript; ``?with=outcomes`` adds this year's outcomes under the site's
    rules: courses, the year against the target, the ranking, the training classes and the reminders."""
    config = request.app.state.config
    out = transcript(conn, user.user_id, config.repo_dir, config.answer_keys_dir)
    if with_ == "outcomes":
        rules = request.app.state.rules
        out["outcomes"] = learner_outcomes(conn, user, Published(config.repo_dir), rules, site_today(rules),
                                           request.app.state.standings)
    return out
