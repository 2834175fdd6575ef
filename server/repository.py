"""Serves the static course repository under ``/repo/`` and the publisher keys under ``/api``.

Only the three kinds of repository paths exist (catalog.json, manifests/<id>/<n>.json,
blobs/sha256/<hex>); anything else is 404, and a symbolic link or any other non-regular file
at any level below the repository folder is refused, so no request can reach another file of
the data folder (such as the publisher's private key). Files go out through Starlette's
FileResponse, which answers Range (206, 416) and If-Range; this module adds strong ETags (a
blob's is its sha256), If-None-Match (304) and cache headers: blobs never change, the catalog
always revalidates.
Imports only sync/ formats.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse

from server.publisher_keys import has_key, load_public
from server.responses import PublisherKeysOut

_BLOB = re.compile(r"^blobs/sha256/([0-9a-f]{64})$")
_log = logging.getLogger(__name__)
_MANIFEST = re.compile(r"^manifests/[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[0-9]{1,9}\.json$")


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def _lstat_within(repo_dir: Path, path: str) -> os.stat_result:
    """The file's status, checking every level below ``repo_dir`` without following links:
    FileNotFoundError if missing, HTTPException 500 if a level is a link or not what it should be."""
    current = repo_dir
    parts = path.split("/")
    for i, part in enumerate(parts):
        current = current / part
        st = os.lstat(current)
        want = stat.S_ISREG if i == len(parts) - 1 else stat.S_ISDIR
        if not want(st.st_mode):  # a damaged or tampered repository: say so before any body is sent
            _log.warning("refused %s: not a regular file or folder (a symbolic link?)", current)
            raise HTTPException(500, "repository file is not a regular file")
    return st


def make_router(repo_dir: Path, keys_dir: Path) -> APIRouter:
    router = APIRouter()

    def serve(path: str, request: Request) -> Response:
        blob = _BLOB.match(path)
        if not (blob or path == "catalog.json" or _MANIFEST.match(path)) or ".." in path:
            raise HTTPException(404, "not found")
        full = repo_dir / path
        try:
            st = _lstat_within(repo_dir, path)
        except (FileNotFoundError, NotADirectoryError):
            raise HTTPException(404, "not found") from None
        etag = f'"{blob.group(1)}"' if blob else f'"{st.st_size:x}-{st.st_mtime_ns:x}"'
        cache = "public, max-age=31536000, immutable" if blob else "no-cache"
        headers = {"etag": etag, "cache-control": cache}
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        media = "application/json" if path.endswith(".json") else "application/octet-stream"
        return FileResponse(full, headers=headers, media_type=media, stat_result=st)

    @router.get("/repo/{path:path}")
    def get_repo_file(path: str, request: Request) -> Response:
        return serve(path, request)

    @router.head("/repo/{path:path}")
    def head_repo_file(path: str, request: Request) -> Response:
        return serve(path, request)

    @router.get("/api/publisher-keys", response_model=PublisherKeysOut)
    def publisher_keys() -> dict[str, list[dict[str, str]]]:
        if not has_key(keys_dir):
            return {"keys": []}
        key = load_public(keys_dir)
        return {"keys": [{"key_id": key.key_id, "public_key": key.to_text()}]}

    return router
