"""The citizen's web client (after consent) and the public device-test page.

`GET /t/{token}/check` needs a working link and this visit's consent (else back to the notice);
the page then runs device check → waiting room → consultation → end in the browser
(`static/js/client-app.js`). `GET /device-test` runs the same checks without an appointment.
"""

from __future__ import annotations

import hashlib
from string import Template

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.appointments.access import AccessDenied, AccessGrant, Denial
from server.consent import CONSENT_COOKIE
from server.i18n import LANGUAGES, format_datetime, pick_language
from server.mail.compose import contact_text
from server.web.app_shell import app_page, fragment
from server.web.pages_client import denied_page
from server.web.render import esc
from server.web.security import services_of


def _lang(request: Request, preferred: str | None) -> str:
    fallback = preferred or services_of(request).config.site.default_language
    return pick_language(request.query_params.get("lang"), fallback)


def _contacts(request: Request) -> dict[str, dict[str, str]]:
    config = services_of(request).config
    return {code: {"contact": contact_text(config, code, "page.contact.fallback")}
            for code in LANGUAGES}


def citizen_page(request: Request, token: str, grant: AccessGrant) -> Response:
    lang = _lang(request, grant.language)
    zone = services_of(request).config.site.zone
    values = _contacts(request)
    for code in LANGUAGES:
        values[code]["date"] = format_datetime(grant.starts_at, code, zone)
    body = Template(fragment("client")).substitute(token=esc(token), lang=esc(lang))
    # The page keeps its state per visit (a new consent is a new visit with a fresh device
    # check); a one-way digest of the visit's consent cookie names it without revealing it.
    cookie = request.cookies.get(CONSENT_COOKIE, "")
    visit = hashlib.sha256(cookie.encode()).hexdigest()[:16]
    return app_page(request, lang, kind="client", module="client-app.js",
                    title_key="web.client.page_title", body=body, values=values,
                    extra={"token": token, "visit": visit})


async def citizen_app(request: Request) -> Response:
    """The web client, or where the visitor has to go instead."""
    token = request.path_params["token"]
    result = await services_of(request).resolve_client(token, request.cookies.get(CONSENT_COOKIE))
    if isinstance(result, AccessDenied):
        if result.reason is Denial.NO_CONSENT:
            return RedirectResponse(f"/t/{token}", status_code=303)
        return denied_page(request, result)
    return citizen_page(request, token, result)


async def device_test(request: Request) -> Response:
    lang = _lang(request, None)
    return app_page(request, lang, kind="test", module="device-test-app.js",
                    title_key="web.test.title", body=fragment("device_test"),
                    values=_contacts(request))


ROUTES = [
    Route("/t/{token}/check", citizen_app, methods=["GET"]),
    Route("/device-test", device_test, methods=["GET"]),
]
