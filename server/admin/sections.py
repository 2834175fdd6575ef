"""The admin web's section routers, in the order server.admin.web.install mounts them."""

from __future__ import annotations

from fastapi import APIRouter

from server.admin import (
    routes_assignments,
    routes_certs,
    routes_classes,
    routes_courses,
    routes_ops,
    routes_pages,
    routes_people,
)

ROUTERS: tuple[APIRouter, ...] = (routes_pages.router, routes_people.router, routes_courses.router,
                                     routes_ops.router, routes_classes.router, routes_assignments.router,
                                     routes_certs.router)
