"""HTTP: the signed-in user's assignments. Thin: the logic is in server.assignments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from server.assignments import assignments_for
from server.routes_auth import Conn, CurrentUser

router = APIRouter(prefix="/api")


@router.get("/assignments")
def get_assignments(request: Request, user: CurrentUser, conn: Conn) -> list[dict[str, Any]]:
    return assignments_for(conn, user, request.app.state.config.repo_dir)
