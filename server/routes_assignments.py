"""HTTP: the signed-in user's assignments. Thin: the logic is in server.assignments."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from server.assignments import assignments_for
from server.responses import AssignmentOut, AssignmentsWithRulesOut
from server.routes_auth import Conn, CurrentUser
from sync.protocol.rules_file import rules_to_dict

router = APIRouter(prefix="/api")


@router.get("/assignments", response_model=list[AssignmentOut] | AssignmentsWithRulesOut,
            response_model_exclude_unset=True)
def get_assignments(request: Request, user: CurrentUser, conn: Conn,
                    with_: Annotated[Literal["rules"] | None, Query(alias="with")] = None) -> Any:
    """The signed-in person's assignments; ``?with=rules``: ``{"assignments": [...], "rules": {...}}``,
    the site's credit rules in their JSON form alongside."""
    found = assignments_for(conn, user, request.app.state.config.repo_dir)
    if with_ == "rules":
        return {"assignments": found, "rules": rules_to_dict(request.app.state.rules)}
    return found
