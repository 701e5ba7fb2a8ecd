"""The OpenAPI 3.1 description of the advisor API, served at `/api/openapi.json`.

Written by hand next to the handlers (no schema generator is installed); a test checks that
every API route is described here with the same methods, and that responses carry the
documented fields.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_STR = {"type": "string"}
_INT = {"type": "integer"}
_TIME = {"type": "string", "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "401": _json(_ref("Error"), "Not logged in (no or expired session)."),
    "403": _json(_ref("Error"), "CSRF token missing or wrong."),
}
_NOT_FOUND = {"404": _json(_ref("Error"), "No such appointment among your own.")}
_INVALID = {"422": _json(_ref("ValidationError"), "Invalid input; nothing was written.")}
_CONFLICT = {"409": _json(_ref("Error"), "Cancelled, over, or changed meanwhile.")}
_CSRF: list[dict[str, list[str]]] = [{"sessionCookie": [], "csrfHeader": []}]
_COOKIE: list[dict[str, list[str]]] = [{"sessionCookie": []}]
_ID_PARAM = [{"name": "appointment_id", "in": "path", "required": True, "schema": _INT}]

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": _STR}},
    "ValidationError": {
        "type": "object", "required": ["error", "errors"],
        "properties": {"error": _STR, "errors": {
            "type": "object", "additionalProperties": _STR,
            "description": "One message per invalid field.",
        }},
    },
    "Advisor": {
        "type": "object", "required": ["id", "username", "display_name", "role"],
        "properties": {"id": _INT, "username": _STR, "display_name": _STR,
                       "role": {"enum": ["advisor", "admin"]}},
    },
    "Session": {
        "type": "object", "required": ["advisor", "csrf_token"],
        "properties": {"advisor": _ref("Advisor"), "csrf_token": {
            **_STR, "description": "Send as X-CSRF-Token with every POST, PATCH and DELETE."}},
    },
    "Login": {
        "type": "object", "required": ["username", "password"],
        "properties": {"username": _STR, "password": _STR},
    },
    "NewAppointment": {
        "type": "object", "additionalProperties": False,
        "required": ["topic", "start", "duration_minutes", "client_name", "client_email"],
        "properties": {
            "topic": {**_STR, "maxLength": 200},
            "start": {**_TIME, "description": "ISO 8601; without offset: the site's time zone."},
            "duration_minutes": {**_INT, "minimum": 5, "maximum": 480},
            "client_name": {**_STR, "maxLength": 100},
            "client_email": {**_STR, "format": "email", "maxLength": 254},
            "language": {"enum": ["de", "en"], "default": "de"},
        },
    },
    "Reschedule": {
        "type": "object", "additionalProperties": False, "required": ["start"],
        "properties": {"start": _TIME,
                       "duration_minutes": {**_INT, "minimum": 5, "maximum": 480}},
    },
    "MailStatus": {
        "type": ["object", "null"],
        "required": ["kind", "state", "attempts", "error", "finished_at"],
        "properties": {
            "kind": {"enum": ["invitation", "rescheduled", "cancelled"]},
            "state": {"enum": ["pending", "sent", "failed"],
                      "description": "failed: delivery gave up; use /resend after fixing."},
            "attempts": _INT, "error": {"type": ["string", "null"]},
            "finished_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Appointment": {
        "type": "object",
        "required": ["id", "state", "topic", "start", "end", "duration_minutes", "client_name",
                     "client_email", "language", "revision", "link_opens_at",
                     "link_closes_at", "mail"],
        "properties": {
            "id": _INT, "state": {"enum": ["scheduled", "cancelled"]}, "topic": _STR,
            "start": _TIME, "end": _TIME, "duration_minutes": _INT, "client_name": _STR,
            "client_email": _STR, "language": {"enum": ["de", "en"]}, "revision": _INT,
            "link_opens_at": _TIME, "link_closes_at": _TIME, "mail": _ref("MailStatus"),
        },
    },
    "AppointmentList": {
        "type": "object", "required": ["appointments"],
        "properties": {"appointments": {"type": "array", "items": _ref("Appointment")}},
    },
}

PATHS: dict[str, Any] = {
    "/api/session": {
        "get": {"summary": "Who is logged in, and the CSRF token", "security": _COOKIE,
                "responses": {"200": _json(_ref("Session"), "Logged in."),
                              "401": _ERRORS["401"]}},
        "post": {"summary": "Log in (sets the vt_session cookie)", "security": [],
                 "requestBody": {"required": True, "content": {
                     "application/json": {"schema": _ref("Login")}}},
                 "responses": {"200": _json(_ref("Session"), "Logged in."),
                               "401": _json(_ref("Error"), "Wrong username or password."),
                               "415": _json(_ref("Error"), "Body is not JSON."),
                               "422": _INVALID["422"],
                               "429": _json(_ref("Error"), "Throttled; see Retry-After.")}},
        "delete": {"summary": "Log out", "security": _CSRF,
                   "responses": {"204": {"description": "Logged out."}, **_ERRORS}},
    },
    "/api/appointments": {
        "get": {"summary": "Your appointments (optionally one local day)", "security": _COOKIE,
                "parameters": [{"name": "day", "in": "query", "required": False,
                                "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": _json(_ref("AppointmentList"), "Ordered by start."),
                              **_INVALID, "401": _ERRORS["401"]}},
        "post": {"summary": "Create an appointment and e-mail the access link",
                 "security": _CSRF,
                 "requestBody": {"required": True, "content": {
                     "application/json": {"schema": _ref("NewAppointment")}}},
                 "responses": {"201": _json(_ref("Appointment"), "Created; mail queued."),
                               **_INVALID, **_ERRORS}},
    },
    "/api/appointments/{appointment_id}": {
        "get": {"summary": "One of your appointments", "security": _COOKIE,
                "parameters": _ID_PARAM,
                "responses": {"200": _json(_ref("Appointment"), "Found."), **_NOT_FOUND,
                              "401": _ERRORS["401"]}},
        "patch": {"summary": "Reschedule: new link, new e-mail, old link invalid",
                  "security": _CSRF, "parameters": _ID_PARAM,
                  "requestBody": {"required": True, "content": {
                      "application/json": {"schema": _ref("Reschedule")}}},
                  "responses": {"200": _json(_ref("Appointment"), "Rescheduled."),
                                **_INVALID, **_NOT_FOUND, **_CONFLICT, **_ERRORS}},
    },
    "/api/appointments/{appointment_id}/cancel": {
        "post": {"summary": "Cancel: the link stops working, the client is told",
                 "security": _CSRF, "parameters": _ID_PARAM,
                 "responses": {"200": _json(_ref("Appointment"), "Cancelled."),
                               **_NOT_FOUND, **_CONFLICT, **_ERRORS}},
    },
    "/api/appointments/{appointment_id}/resend": {
        "post": {"summary": "Send a new access link (the old one stops working)",
                 "security": _CSRF, "parameters": _ID_PARAM,
                 "responses": {"200": _json(_ref("Appointment"), "New mail queued."),
                               **_NOT_FOUND, **_CONFLICT, **_ERRORS}},
    },
    "/api/openapi.json": {
        "get": {"summary": "This document", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1"}}},
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Videotermin advisor API", "version": "1",
             "description": "Appointments and access links. See docs/appointments.md."},
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "vt_session"},
            "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
        },
    },
}


async def openapi_json(request: Request) -> Response:
    return JSONResponse(SPEC)


ROUTES = [Route("/api/openapi.json", openapi_json, methods=["GET"])]
