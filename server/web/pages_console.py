"""The advisor console (`GET /console`): one page, the rest is the JSON API and signalling.

The page itself reveals nothing: it signs in through `POST /api/session` and reads the
appointments through `GET /api/appointments` (`static/js/console-app.js`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.i18n import pick_language
from server.web.app_shell import app_page, fragment
from server.web.security import services_of


async def console(request: Request) -> Response:
    lang = pick_language(request.query_params.get("lang"),
                         services_of(request).config.site.default_language)
    return app_page(request, lang, kind="console", module="console-app.js",
                    title_key="web.console.page_title", body=fragment("console"), values={})


ROUTES = [Route("/console", console, methods=["GET"])]
