"""Every JSON route of the server declares what it answers: a response model checks each answer
on the way out, so a field that leaks or goes missing fails here and not at a client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.config import ServerConfig


def _answer_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema of the route's answer; None for a route that answers a document of another
    declared type (a PDF)."""
    ok = operation["responses"].get("200") or operation["responses"]["201"]
    content = ok["content"]
    if "application/json" not in content:
        assert content, operation["summary"]
        return None
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


def _is_model(schema: dict[str, Any]) -> bool:
    """A named model, or a list or union of them; a bare object or ``{}`` declares nothing."""
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return _is_model(schema.get("items", {}))
    options = schema.get("anyOf") or schema.get("oneOf") or []
    return bool(options) and all(_is_model(o) for o in options)


def test_every_api_route_has_a_response_model(tmp_path: Path) -> None:
    from server.app import create_app  # the web framework, only for this test

    app = create_app(ServerConfig(data_dir=tmp_path / "site"), with_docs=True)
    try:
        paths = app.openapi()["paths"]
        operations = {(method, path): op for path, item in paths.items() if path.startswith("/api/")
                      for method, op in item.items()}
        assert ("post", "/api/auth/login") in operations and ("post", "/api/records/batch") in operations
        loose = sorted(f"{method.upper()} {path}" for (method, path), op in operations.items()
                       if (schema := _answer_schema(op)) is not None and not _is_model(schema))
        assert loose == []
    finally:
        app.state.engine.dispose()
