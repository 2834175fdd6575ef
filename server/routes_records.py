"""HTTP: record batches (gzip JSON, size-limited) and the transcript. Thin: the logic is in
server.ingest and server.transcript."""

from __future__ import annotations

import zlib
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from server.db import open_db
from server.ingest import ingest
from server.routes_auth import Conn, CurrentUser
from server.transcript import transcript
from sync.protocol.canonical import parse_json_object
from sync.protocol.errors import FormatError
from sync.protocol.json_limits import JsonLimits
from sync.protocol.records import MAX_BODY_BYTES

router = APIRouter(prefix="/api")

MAX_BATCH_RECORDS = 2000
MAX_WIRE_BYTES = 8 * 1024 * 1024
MAX_JSON_BYTES = 64 * 1024 * 1024
BATCH_LIMITS = JsonLimits(max_bytes=MAX_JSON_BYTES, max_values=MAX_BATCH_RECORDS * 250,
                          max_string_bytes=MAX_BODY_BYTES)


class BatchIn(BaseModel):
    records: list[dict[str, Any]] = Field(max_length=MAX_BATCH_RECORDS)


async def _read_limited(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_WIRE_BYTES:
        raise FormatError("too_large", "request body is too large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_WIRE_BYTES:
            raise FormatError("too_large", "request body is too large")
        chunks.append(chunk)
    data = b"".join(chunks)
    if request.headers.get("content-encoding", "").lower() == "gzip":
        d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            data = d.decompress(data, MAX_JSON_BYTES)
        except zlib.error as exc:
            raise FormatError("bad_gzip", "request body is not valid gzip") from exc
        if d.unconsumed_tail or not d.eof:
            raise FormatError("too_large", "request body is too large or truncated")
    return data


@router.post("/records/batch")
async def post_batch(request: Request, user: CurrentUser) -> dict[str, Any]:
    raw = await _read_limited(request)
    try:
        batch = BatchIn.model_validate(parse_json_object(raw, "record batch", BATCH_LIMITS))
    except ValidationError as exc:
        raise FormatError("bad_batch", f"record batch is malformed: {exc.errors()[0]['msg']}") from exc
    path = request.app.state.config.db_path

    def work() -> list[dict[str, Any]]:
        conn = open_db(path)
        try:
            return [o.to_dict() for o in ingest(conn, list(batch.records), as_user_id=user.user_id)]
        finally:
            conn.close()

    results = await run_in_threadpool(work)
    return {"results": results}


@router.get("/transcript")
def get_transcript(user: CurrentUser, conn: Conn) -> dict[str, Any]:
    return transcript(conn, user.user_id)
