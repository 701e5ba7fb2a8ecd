"""Advisor sign-in: the JSON session API (for the console) and a plain HTML form.

JSON: `POST /api/session` logs in, `GET /api/session` tells who is logged in (and the CSRF
token), `DELETE /api/session` logs out. HTML: `/login` and `/logout`, protected against login
CSRF by a double-submit cookie.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server.accounts.sessions import LoggedIn, LoginRefused
from server.i18n import format_time, pick_language, text
from server.storage.records import Advisor
from server.tokens import new_token
from server.web.render import esc, page, paragraphs
from server.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    clear_cookie,
    client_address,
    current_session,
    require_advisor,
    same_token,
    services_of,
    set_cookie,
)

BODY_LIMIT = 4096


def advisor_json(advisor: Advisor) -> dict[str, Any]:
    return {"id": advisor.id, "username": advisor.username,
            "display_name": advisor.display_name, "role": advisor.role.value}


def _retry_seconds(request: Request, until: datetime) -> int:
    return max(1, math.ceil((until - services_of(request).clock.now()).total_seconds()))


async def api_login(request: Request) -> Response:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return JSONResponse({"error": "Content-Type must be application/json"}, 415)
    try:
        body = json.loads(await request.body())
    except ValueError:
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("username"), str)
            and isinstance(body.get("password"), str)):
        return JSONResponse({"error": "validation failed", "errors": {
            "body": "needs username and password as strings"}}, 422)
    outcome = await services_of(request).sessions.login(
        body["username"][:200], body["password"][:1000], client_address(request)
    )
    if isinstance(outcome, LoginRefused):
        if outcome.retry_after is not None:
            seconds = _retry_seconds(request, outcome.retry_after)
            return JSONResponse({"error": "too many failed attempts", "retry_after": seconds},
                                429, headers={"retry-after": str(seconds)})
        return JSONResponse({"error": "wrong username or password"}, 401)
    response = JSONResponse({"advisor": advisor_json(outcome.advisor),
                             "csrf_token": outcome.csrf_token})
    set_cookie(response, request, SESSION_COOKIE, outcome.cookie_value)
    return response


async def api_session(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return JSONResponse({"error": "login required"}, 401)
    return JSONResponse({"advisor": advisor_json(session.advisor),
                         "csrf_token": session.csrf_token})


async def api_logout(request: Request) -> Response:
    session = await require_advisor(request)
    await services_of(request).sessions.logout(session, client_address(request))
    response = Response(status_code=204)
    clear_cookie(response, request, SESSION_COOKIE)
    return response


def _login_form(request: Request, lang: str, message: str | None, status: int) -> Response:
    csrf = new_token()
    body = (
        (paragraphs(message, css="error") if message else "")
        + '<form method="post" action="/login">'
        + f'<input type="hidden" name="csrf" value="{csrf}">'
        + f'<input type="hidden" name="lang" value="{esc(lang)}">'
        + f'<label class="field">{esc(text(lang, "page.login.username"))}'
        + '<input name="username" autocomplete="username" required></label>'
        + f'<label class="field">{esc(text(lang, "page.login.password"))}'
        + '<input name="password" type="password" autocomplete="current-password" required>'
        + f'</label><button type="submit">{esc(text(lang, "page.login.submit"))}</button></form>'
    )
    response = page(request, lang, text(lang, "page.login.title"), body, status=status)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, csrf, max_age=3600)
    return response


async def login_page(request: Request) -> Response:
    lang = pick_language(request.query_params.get("lang"),
                         services_of(request).config.site.default_language)
    session = await current_session(request)
    if session is None:
        return _login_form(request, lang, None, 200)
    body = (
        paragraphs(text(lang, "page.login.done", name=session.advisor.display_name))
        + '<form method="post" action="/logout">'
        + f'<input type="hidden" name="csrf" value="{esc(session.csrf_token)}">'
        + f'<input type="hidden" name="lang" value="{esc(lang)}">'
        + f'<button type="submit">{esc(text(lang, "page.logout.submit"))}</button></form>'
    )
    return page(request, lang, text(lang, "page.login.title"), body)


async def login_submit(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=8)
    services = services_of(request)
    lang = pick_language(str(form.get("lang")), services.config.site.default_language)
    if not same_token(str(form.get("csrf", "")), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_form(request, lang, None, 403)
    outcome = await services.sessions.login(
        str(form.get("username", ""))[:200], str(form.get("password", ""))[:1000],
        client_address(request),
    )
    if isinstance(outcome, LoggedIn):
        response: Response = RedirectResponse(f"/login?lang={lang}", status_code=303)
        set_cookie(response, request, SESSION_COOKIE, outcome.cookie_value)
        clear_cookie(response, request, LOGIN_CSRF_COOKIE)
        return response
    if outcome.retry_after is not None:
        when = format_time(outcome.retry_after, lang, services.config.site.zone)
        response = _login_form(request, lang, text(lang, "page.login.throttled", time=when), 429)
        response.headers["retry-after"] = str(_retry_seconds(request, outcome.retry_after))
        return response
    return _login_form(request, lang, text(lang, "page.login.failed"), 401)


async def logout_submit(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=8)
    services = services_of(request)
    lang = pick_language(str(form.get("lang")), services.config.site.default_language)
    session = await current_session(request)
    if session is not None and same_token(str(form.get("csrf", "")), session.csrf_token):
        await services.sessions.logout(session, client_address(request))
    elif session is not None:
        return page(request, lang, text(lang, "page.login.title"), "", status=403)
    response = page(request, lang, text(lang, "page.login.title"),
                    paragraphs(text(lang, "page.logout.done")))
    clear_cookie(response, request, SESSION_COOKIE)
    return response


ROUTES = [
    Route("/api/session", api_login, methods=["POST"], max_body_size=BODY_LIMIT),
    Route("/api/session", api_session, methods=["GET"]),
    Route("/api/session", api_logout, methods=["DELETE"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"], max_body_size=BODY_LIMIT),
    Route("/logout", logout_submit, methods=["POST"], max_body_size=BODY_LIMIT),
]
