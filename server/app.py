"""Builds the FastAPI application. Routers stay thin: they validate input and call services.

The interactive API docs and the OpenAPI document are not served: they map every route for
anyone on the network. An admin prints the document with ``studydesk-server openapi``.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from server.config import ServerConfig
from server.limits import ADMISSION_WAIT_S, RETRY_AFTER_S, Admission, BodyLimit, Slots
from server.password_pool import PasswordPool
from server.responses import HealthOut
from server.site_rules import load_site_rules
from server.storage.schema import open_database

COURSE_UPLOAD_PATH = "/admin/courses/publish"
COURSE_UPLOAD_BYTES = 1024**3
"""An admin's course zip (server/admin) may be this large; every other request body MAX_BODY_BYTES."""
POOL_SPARE = 4
"""Database connections beyond one per API slot: the health check, an admin's read."""


def create_app(config: ServerConfig, *, with_docs: bool = False) -> FastAPI:
    config.ensure()
    rules = load_site_rules(config.data_dir)  # a broken rules.toml stops the start, naming the key
    # brought to the newest revision once, before the first request; each request borrows a connection
    engine = open_database(config.url, pool_size=config.api_slots + POOL_SPARE)
    docs = {} if with_docs else {"docs_url": None, "redoc_url": None, "openapi_url": None}
    app = FastAPI(title="StudyDesk reference server", version="0.1.0", **docs)  # type: ignore[arg-type]
    app.state.config = config
    app.state.rules = rules
    app.state.engine = engine
    app.state.passwords = PasswordPool()
    from server.person_year import Refresher

    app.state.totals = Refresher(engine, config.data_dir)  # the stored years an admin's change reaches

    from server import routes_assignments, routes_auth, routes_certificates, routes_records

    routes_auth.install_error_handler(app)
    routes_records.install(app)
    for module in (routes_auth, routes_records, routes_assignments, routes_certificates):
        app.include_router(module.router)

    from server.repository import make_router as repository_router

    app.include_router(repository_router(config.repo_dir, config.keys_dir))

    from server.admin.web import install as install_admin_web

    install_admin_web(app, config)  # the admin web at /admin (server/admin)

    @app.get("/api/health", response_model=HealthOut)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # The last added runs first: a body over the limit is refused before it waits for a slot.
    slots = Slots(config.api_slots, wait_s=ADMISSION_WAIT_S, retry_after_s=RETRY_AFTER_S, what="requests")
    app.add_middleware(Admission, slots=slots)
    app.add_middleware(BodyLimit, larger={COURSE_UPLOAD_PATH: COURSE_UPLOAD_BYTES})
    # What start-up built (modules, routes, tables) lives as long as the process: set apart from the
    # garbage collector, which otherwise walks all of it at each full collection (about one per few
    # thousand records ingested). And the youngest objects are collected after 10,000 more were
    # made instead of 700: a batch's records, rows and their large parameter lists were walked again
    # at each of about ten collections per 1,000 records, though reference counting frees them all
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])
    return app
