"""The pages behind the access link: privacy notice and consent, status pages, withdrawal.

`GET /t/{token}` always shows the notice (consent is asked on every visit); `POST …/consent`
records it and sets the visit's consent cookie and leads to `GET …/check`, the web client's
device check and waiting room (`pages_call.py`); `POST …/withdraw` withdraws and ends the
session.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.appointments.access import AccessDenied, AccessGrant, Denial
from server.consent import CONSENT_COOKIE
from server.i18n import format_datetime, notice, pick_language, text
from server.mail.compose import contact_text
from server.web.render import esc, page, paragraphs
from server.web.security import clear_cookie, services_of, set_cookie

FORM_LIMIT = 4096
_STATUS = {Denial.UNKNOWN: 404, Denial.CANCELLED: 410, Denial.OVER: 410, Denial.TOO_EARLY: 200,
           Denial.NO_CONSENT: 403}
_PAGE = {Denial.UNKNOWN: "unknown", Denial.CANCELLED: "cancelled", Denial.OVER: "over",
         Denial.TOO_EARLY: "early"}


def _lang(request: Request, preferred: str | None) -> str:
    fallback = preferred or services_of(request).config.site.default_language
    return pick_language(request.query_params.get("lang"), fallback)


def _contact(request: Request, lang: str) -> str:
    return contact_text(services_of(request).config, lang, "page.contact.fallback")


def denied_page(request: Request, denied: AccessDenied) -> Response:
    lang = _lang(request, denied.language)
    zone = services_of(request).config.site.zone
    key = _PAGE.get(denied.reason, "unknown")
    values: dict[str, str] = {"contact": _contact(request, lang)}
    if denied.starts_at is not None and denied.window is not None:
        values["date"] = format_datetime(denied.starts_at, lang, zone)
        values["opens"] = format_datetime(denied.window.opens_at, lang, zone)
    body = paragraphs(text(lang, f"page.{key}.text", **values))
    return page(request, lang, text(lang, f"page.{key}.title"), body,
                status=_STATUS[denied.reason])


def notice_html(request: Request, lang: str) -> str:
    config = services_of(request).config
    items = notice(lang, organisation=config.site.organisation,
                   contact=_contact(request, lang), days=config.retention.days)
    return '<section class="notice">' + paragraphs(*items) + "</section>"


def _consent_page(request: Request, token: str, grant: AccessGrant, *, error: bool) -> Response:
    lang = _lang(request, grant.language)
    when = format_datetime(grant.starts_at, lang, services_of(request).config.site.zone)
    body = (
        paragraphs(text(lang, "page.consent.appointment", date=when), css="when")
        + notice_html(request, lang)
        + (paragraphs(text(lang, "page.consent.required"), css="error") if error else "")
        + f'<form method="post" action="/t/{esc(token)}/consent">'
        + f'<input type="hidden" name="lang" value="{esc(lang)}">'
        + '<label class="check"><input type="checkbox" name="agree" value="yes" required>'
        + f"<span>{esc(text(lang, 'page.consent.checkbox'))}</span></label>"
        + f"<button type=\"submit\">{esc(text(lang, 'page.consent.submit'))}</button></form>"
        + paragraphs(text(lang, "page.consent.alternative", contact=_contact(request, lang)),
                     css="note")
    )
    return page(request, lang, text(lang, "page.notice.title"), body,
                status=422 if error else 200)


async def link_page(request: Request) -> Response:
    token = request.path_params["token"]
    result = await services_of(request).appointments.resolve_access_token(token)
    if isinstance(result, AccessDenied):
        return denied_page(request, result)
    return _consent_page(request, token, result, error=False)


async def consent_submit(request: Request) -> Response:
    token = request.path_params["token"]
    form = await request.form(max_files=0, max_fields=8)
    lang = form.get("lang")
    services = services_of(request)
    if form.get("agree") != "yes":
        result = await services.appointments.resolve_access_token(token)
        if isinstance(result, AccessDenied):
            return denied_page(request, result)
        return _consent_page(request, token, result, error=True)
    given = await services.consent.give(token)
    if isinstance(given, AccessDenied):
        return denied_page(request, given)
    target = f"/t/{token}/check?lang={pick_language(str(lang), given.grant.language)}"
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, CONSENT_COOKIE, given.cookie_value)
    return response


async def withdraw(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=8)
    await services_of(request).consent.withdraw(request.cookies.get(CONSENT_COOKIE))
    lang = pick_language(str(form.get("lang")), services_of(request).config.site.default_language)
    response = page(request, lang, text(lang, "page.withdrawn.title"),
                    paragraphs(text(lang, "page.withdrawn.text")))
    clear_cookie(response, request, CONSENT_COOKIE)
    return response


async def privacy_page(request: Request) -> Response:
    lang = _lang(request, None)
    return page(request, lang, text(lang, "page.privacy.title"), notice_html(request, lang))


ROUTES = [
    Route("/t/{token}", link_page, methods=["GET"]),
    Route("/t/{token}/consent", consent_submit, methods=["POST"], max_body_size=FORM_LIMIT),
    Route("/t/{token}/withdraw", withdraw, methods=["POST"], max_body_size=FORM_LIMIT),
    Route("/privacy", privacy_page, methods=["GET"]),
]
