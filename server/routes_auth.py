"""HTTP: sign-in, token refresh, device enrolment; and the shared request helpers
(database connection per request, the signed-in user, error answers). Thin: validates input
and calls server.auth / server.users.

Request bodies are untrusted: each is read within a small byte limit and parsed by the
project's bounded JSON parser (sync.protocol.json_limits), so a lone surrogate, NaN, a
duplicate key or a deep nesting answers 400 with its reason code, never 500.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.engine import Connection, Engine

from server import auth
from server.limits import (
    BodyTimeout,
    BodyTooLarge,
    busy_answer,
    client_address,
    database_busy,
    read_body,
)
from server.responses import DeviceOut, PersonOut, SessionOut
from server.storage.engine import is_busy
from server.throttle import TooManyAttempts
from server.users import User
from sync.protocol.canonical import parse_json_object
from sync.protocol.errors import AuthError, FormatError, IntegrityError, RejectedError, ServerBusyError, SyncError
from sync.protocol.json_limits import JsonLimits

router = APIRouter(prefix="/api")
SMALL_BODY_BYTES = 16 * 1024
SMALL_LIMITS = JsonLimits(max_bytes=SMALL_BODY_BYTES, max_values=32, max_string_bytes=8 * 1024, max_depth=4)
M = TypeVar("M", bound=BaseModel)


def db(request: Request) -> Iterator[Connection]:
    """The request's database connection, borrowed from the pool (and returned, rolled back if
    anything was left open, when the request ends)."""
    engine: Engine = request.app.state.engine
    with engine.connect() as conn:
        yield conn


Conn = Annotated[Connection, Depends(db)]


def current_user(conn: Conn, authorization: Annotated[str | None, Header()] = None) -> User:
    if not authorization or not authorization.startswith("Bearer "):
        raise AuthError("token_expired", "sign-in required")
    return auth.user_for_access_token(conn, authorization[len("Bearer ") :].strip())


CurrentUser = Annotated[User, Depends(current_user)]


def _status(exc: SyncError) -> int:
    if isinstance(exc, TooManyAttempts):
        return 429
    if isinstance(exc, ServerBusyError):
        return 503
    if isinstance(exc, AuthError):
        return 423 if exc.code == "account_locked" else 401
    if isinstance(exc, RejectedError):
        return 409
    if isinstance(exc, BodyTooLarge):
        return 413
    if isinstance(exc, BodyTimeout):
        return 408
    if isinstance(exc, (FormatError, IntegrityError)):
        return 400
    return 500


def install_error_handler(app: FastAPI) -> None:
    async def on_sync_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SyncError)
        if isinstance(exc, ServerBusyError):
            return busy_answer(exc, _status(exc))
        if is_busy(exc):
            return busy_answer(database_busy())
        return JSONResponse({"code": exc.code, "detail": exc.detail}, status_code=_status(exc))

    async def on_database_error(request: Request, exc: Exception) -> JSONResponse:
        if not is_busy(exc):
            raise exc
        return busy_answer(database_busy())

    app.add_exception_handler(SyncError, on_sync_error)
    app.add_exception_handler(sa.exc.DBAPIError, on_database_error)
    app.add_exception_handler(sa.exc.TimeoutError, on_database_error)


def json_body(model: type[M], what: str) -> Callable[[Request], Awaitable[M]]:
    """A dependency: the request body as ``model``, read and parsed within SMALL_LIMITS."""

    async def read(request: Request) -> M:
        data = await read_body(request, SMALL_BODY_BYTES)
        obj = parse_json_object(data, what, SMALL_LIMITS)
        try:
            return model.model_validate(obj)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise FormatError("bad_field", f"{what}: {field}: {err['msg']}") from None

    return read


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


@router.post("/auth/login", response_model=SessionOut)
def login(body: Annotated[LoginIn, Depends(json_body(LoginIn, "sign-in request"))], conn: Conn,
          request: Request) -> dict[str, Any]:
    return _session(*auth.login(conn, body.username, body.password, address=client_address(request),
                                passwords=request.app.state.passwords))


@router.post("/auth/refresh", response_model=SessionOut)
def refresh(body: Annotated[RefreshIn, Depends(json_body(RefreshIn, "refresh request"))], conn: Conn,
            request: Request) -> dict[str, Any]:
    return _session(*auth.refresh(conn, body.refresh_token, address=client_address(request)))


@router.get("/auth/me", response_model=PersonOut)
def me(user: CurrentUser) -> dict[str, str]:
    return user.public()


@router.post("/devices", response_model=DeviceOut)
def enrol(body: Annotated[DeviceIn, Depends(json_body(DeviceIn, "device enrolment"))], user: CurrentUser,
          conn: Conn, request: Request) -> dict[str, Any]:
    created = auth.enrol_device(conn, user, body.device_id, body.public_key,
                                max_devices=request.app.state.config.max_devices, address=client_address(request))
    return {"device_id": body.device_id, "user_id": user.user_id, "created": created}
