"""HTTP: sign-in, token refresh, device enrolment; and the shared request helpers
(database connection per request, the signed-in user, error answers). Thin: validates input
with pydantic and calls server.auth / server.users."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from server import auth
from server.db import open_db
from server.users import User
from sync.protocol.errors import AuthError, FormatError, IntegrityError, RejectedError, ServerBusyError, SyncError

router = APIRouter(prefix="/api")
MAX_BODY_BYTES = 8 * 1024 * 1024


def db(request: Request) -> Iterator[sqlite3.Connection]:
    conn = open_db(request.app.state.config.db_path)
    try:
        yield conn
    finally:
        conn.close()


Conn = Annotated[sqlite3.Connection, Depends(db)]


def current_user(conn: Conn, authorization: Annotated[str | None, Header()] = None) -> User:
    if not authorization or not authorization.startswith("Bearer "):
        raise AuthError("token_expired", "sign-in required")
    return auth.user_for_access_token(conn, authorization[len("Bearer ") :].strip())


CurrentUser = Annotated[User, Depends(current_user)]


def _status(exc: SyncError) -> int:
    if isinstance(exc, ServerBusyError):
        return 503
    if isinstance(exc, AuthError):
        return 423 if exc.code == "account_locked" else 401
    if isinstance(exc, RejectedError):
        return 409
    if isinstance(exc, (FormatError, IntegrityError)):
        return 400
    return 500


def install_error_handler(app: FastAPI) -> None:
    async def on_sync_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SyncError)
        headers = {}
        if isinstance(exc, ServerBusyError) and exc.retry_after_s is not None:
            headers["Retry-After"] = str(math.ceil(exc.retry_after_s))
        return JSONResponse({"code": exc.code, "detail": exc.detail}, status_code=_status(exc), headers=headers)

    app.add_exception_handler(SyncError, on_sync_error)

    @app.middleware("http")
    async def limit_declared_size(request: Request, call_next: Any) -> Any:
        # Every JSON endpoint takes small bodies; the record batch also counts streamed bytes itself.
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return JSONResponse({"code": "too_large", "detail": "request body is too large"}, status_code=413)
        return await call_next(request)


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class DeviceIn(BaseModel):
    device_id: str = Field(min_length=36, max_length=36)
    public_key: str = Field(min_length=10, max_length=100)


def _session(user: User, tokens: auth.Tokens) -> dict[str, Any]:
    return {**user.public(), "access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
            "expires_in": tokens.expires_in}


@router.post("/auth/login")
def login(body: LoginIn, conn: Conn) -> dict[str, Any]:
    return _session(*auth.login(conn, body.username, body.password))


@router.post("/auth/refresh")
def refresh(body: RefreshIn, conn: Conn) -> dict[str, Any]:
    return _session(*auth.refresh(conn, body.refresh_token))


@router.get("/auth/me")
def me(user: CurrentUser) -> dict[str, str]:
    return user.public()


@router.post("/devices")
def enrol(body: DeviceIn, user: CurrentUser, conn: Conn) -> dict[str, Any]:
    created = auth.enrol_device(conn, user, body.device_id, body.public_key)
    return {"device_id": body.device_id, "user_id": user.user_id, "created": created}
