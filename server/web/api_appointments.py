"""REST API for advisors' appointments (documented in `server/web/openapi.py`).

Thin by design: authenticate, parse JSON, call `AppointmentService`, serialise. Domain errors
become status codes in `server.app` (422 validation, 404 unknown or not yours, 409 conflict).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.appointments.access import access_window
from server.appointments.validation import ValidationFailed
from server.storage.records import Appointment
from server.web.security import require_advisor, services_of

BODY_LIMIT = 16 * 1024


def appointment_json(request: Request, a: Appointment) -> dict[str, Any]:
    config = services_of(request).config
    zone = config.site.zone
    window = access_window(a, config.access)
    mail = None
    if a.mail is not None:
        mail = {"kind": a.mail.kind.value, "state": a.mail.state.value,
                "attempts": a.mail.attempts, "error": a.mail.last_error,
                "finished_at": None if a.mail.finished_at is None
                else a.mail.finished_at.astimezone(zone).isoformat()}
    return {
        "id": a.id, "state": a.state.value, "topic": a.topic,
        "start": a.starts_at.astimezone(zone).isoformat(),
        "end": a.ends_at.astimezone(zone).isoformat(),
        "duration_minutes": a.duration_minutes, "client_name": a.client_name,
        "client_email": a.client_email, "language": a.language, "revision": a.revision,
        "link_opens_at": window.opens_at.astimezone(zone).isoformat(),
        "link_closes_at": window.closes_at.astimezone(zone).isoformat(),
        "mail": mail,
    }


async def _json_body(request: Request) -> object:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ValidationFailed({"body": "Content-Type must be application/json"})
    try:
        return json.loads(await request.body())
    except ValueError:
        raise ValidationFailed({"body": "is not valid JSON"}) from None


async def list_appointments(request: Request) -> Response:
    session = await require_advisor(request)
    day = None
    raw = request.query_params.get("day")
    if raw is not None:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed({"day": "must be a date such as 2025-05-14"}) from None
    found = await services_of(request).appointments.list(session.advisor.id, day)
    return JSONResponse({"appointments": [appointment_json(request, a) for a in found]})


async def create_appointment(request: Request) -> Response:
    session = await require_advisor(request)
    body = await _json_body(request)
    created = await services_of(request).appointments.create(session.advisor.id, body)
    return JSONResponse(appointment_json(request, created), status_code=201,
                        headers={"location": f"/api/appointments/{created.id}"})


async def get_appointment(request: Request) -> Response:
    session = await require_advisor(request)
    found = await services_of(request).appointments.get(
        session.advisor.id, request.path_params["appointment_id"]
    )
    return JSONResponse(appointment_json(request, found))


async def reschedule_appointment(request: Request) -> Response:
    session = await require_advisor(request)
    body = await _json_body(request)
    changed = await services_of(request).appointments.reschedule(
        session.advisor.id, request.path_params["appointment_id"], body
    )
    return JSONResponse(appointment_json(request, changed))


async def cancel_appointment(request: Request) -> Response:
    session = await require_advisor(request)
    service = services_of(request).appointments
    changed = await service.cancel(session.advisor.id, request.path_params["appointment_id"])
    return JSONResponse(appointment_json(request, changed))


async def resend_link(request: Request) -> Response:
    """A new link for the client (the old one stops working), e.g. after a failed delivery."""
    session = await require_advisor(request)
    service = services_of(request).appointments
    changed = await service.resend(session.advisor.id, request.path_params["appointment_id"])
    return JSONResponse(appointment_json(request, changed))


_ID = "/api/appointments/{appointment_id:int}"
ROUTES = [
    Route("/api/appointments", list_appointments, methods=["GET"]),
    Route("/api/appointments", create_appointment, methods=["POST"], max_body_size=BODY_LIMIT),
    Route(_ID, get_appointment, methods=["GET"]),
    Route(_ID, reschedule_appointment, methods=["PATCH"], max_body_size=BODY_LIMIT),
    Route(_ID + "/cancel", cancel_appointment, methods=["POST"]),
    Route(_ID + "/resend", resend_link, methods=["POST"]),
]
