"""Cookies, CSRF checks, client addresses and the security headers of every HTTP response.

Session and consent cookies are HttpOnly and SameSite=Strict, and Secure whenever the service is
reached over HTTPS (own TLS or a TLS proxy named in `http.public_url`). State-changing API
requests must echo the session's CSRF token in `X-CSRF-Token`; the JSON login needs
`Content-Type: application/json`, which a cross-site form cannot send.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.accounts.sessions import SessionInfo

if TYPE_CHECKING:
    from server.services import Services

SESSION_COOKIE = "vt_session"
LOGIN_CSRF_COOKIE = "vt_login_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def services_of(conn: HTTPConnection) -> Services:
    """The running services, for any handler (also the signalling routes of the media plane)."""
    services: Services = conn.app.state.services
    return services


def client_address(conn: HTTPConnection) -> str:
    """The client's IP address; the first X-Forwarded-For hop only behind a trusted proxy."""
    if services_of(conn).config.http.trust_forwarded_for:
        forwarded = conn.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first[:64]
    return conn.client.host if conn.client else "unknown"


def set_cookie(response: Response, conn: HTTPConnection, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite="strict", secure=services_of(conn).secure_cookies)


def clear_cookie(response: Response, conn: HTTPConnection, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="strict",
                           secure=services_of(conn).secure_cookies)


async def current_session(conn: HTTPConnection) -> SessionInfo | None:
    return await services_of(conn).sessions.authenticate(conn.cookies.get(SESSION_COOKIE))


async def require_advisor(request: Request) -> SessionInfo:
    """The logged-in advisor; 401 without a valid session, 403 on a CSRF mismatch."""
    session = await current_session(request)
    if session is None:
        raise HTTPException(401, "login required")
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise HTTPException(403, "missing or wrong CSRF token")
    return session


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


class SecurityHeaders:
    """Adds defensive headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.headers: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),  # access links must never leak via Referer
            (b"x-frame-options", b"DENY"),
        ]
        if https:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
