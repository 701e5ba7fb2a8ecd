"""The Starlette application: the appointment domain's routes plus the media plane's.

Handlers are thin; domain exceptions are turned into HTTP status codes here, in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from server.appointments.lifecycle import IllegalTransition
from server.appointments.service import AppointmentNotFound, AppointmentOver
from server.appointments.validation import ValidationFailed
from server.services import Services
from server.storage.repository import StaleAppointment
from server.web import (
    api_appointments,
    auth_routes,
    openapi,
    pages_call,
    pages_client,
    pages_console,
)
from server.web.security import SecurityHeaders, services_of


async def healthz(request: Request) -> Response:
    if services_of(request).shutting_down.is_set():
        return JSONResponse({"status": "shutting down"}, 503)
    return JSONResponse({"status": "ok"})


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status)
    return PlainTextResponse(message, status)


async def _validation_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationFailed)
    return JSONResponse({"error": "validation failed", "errors": exc.errors}, 422)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(request, 404, "no such appointment")


async def _conflict(request: Request, exc: Exception) -> Response:
    if isinstance(exc, AppointmentOver):
        return _error(request, 409, "the appointment is over")
    return _error(request, 409, str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = _error(request, exc.status_code, str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def own_routes() -> list[BaseRoute]:
    static = Path(__file__).resolve().parent / "web" / "static"
    return [
        Route("/healthz", healthz, methods=["GET"]),
        *auth_routes.ROUTES,
        *api_appointments.ROUTES,
        *openapi.ROUTES,
        *pages_client.ROUTES,
        *pages_call.ROUTES,
        *pages_console.ROUTES,
        Mount("/static/base", StaticFiles(directory=str(static)), name="static-base"),
    ]


def create_app(services: Services, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The ASGI app; `extra_routes` (the media plane's signalling routes) come after ours."""
    app = Starlette(
        routes=[*own_routes(), *extra_routes],
        middleware=[Middleware(SecurityHeaders, https=services.secure_cookies)],
        exception_handlers={
            ValidationFailed: _validation_failed,
            AppointmentNotFound: _not_found,
            IllegalTransition: _conflict,
            AppointmentOver: _conflict,
            StaleAppointment: _conflict,
            HTTPException: _http_error,
        },
    )
    app.state.services = services
    return app
