"""Builds the FastAPI application. Routers stay thin: they validate input and call services."""

from __future__ import annotations

from fastapi import FastAPI

from server.config import ServerConfig


def create_app(config: ServerConfig) -> FastAPI:
    config.ensure()
    app = FastAPI(title="StudyDesk reference server", version="0.1.0")
    app.state.config = config

    from server import routes_assignments, routes_auth, routes_records

    routes_auth.install_error_handler(app)
    routes_records.install(app)
    for module in (routes_auth, routes_records, routes_assignments):
        app.include_router(module.router)

    from server.repository import make_router as repository_router

    app.include_router(repository_router(config.repo_dir, config.keys_dir))

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
