"""The web client's pages: one HTML shell, page fragments, and both languages' texts.

The citizen's pages and the advisor console are JavaScript modules (no build step) under
`static/js/`. The server fills every element marked `data-t="key"` with its text in the page's
language, so the first paint is complete and readable; the page also gets both languages'
`web.*` texts as JSON, so the language switch re-renders in place without interrupting a call.
All texts live in `server/i18n/de.py` and `en.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from string import Template
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse

from server.i18n import LANGUAGES, text
from server.web.render import esc, fragment
from server.web.security import services_of

_FILL = re.compile(r'(<(\w+)\b[^>]*\sdata-t="([a-z0-9_.-]+)"[^>]*>)(</\2>)')
_CLIENT_PREFIXES = ("web.", "page.lang.switch", "page.login.", "page.logout.submit",
                    "page.withdraw.button")
_NETLOC = re.compile(r"^[A-Za-z0-9.\-\[\]:]{1,300}$")


class _Keep(dict[str, Any]):
    """Placeholders the server does not know stay for the page script to fill."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def say(lang: str, key: str, values: Mapping[str, Any]) -> str:
    return text(lang, key).format_map(_Keep(values))


def fill_texts(html: str, lang: str, values: Mapping[str, Any]) -> str:
    """Put each `data-t` element's text in, escaped."""
    return _FILL.sub(lambda m: m.group(1) + esc(say(lang, m.group(3), values)) + m.group(4),
                     html)


@cache
def client_texts(lang: str) -> dict[str, str]:
    texts: dict[str, str] = LANGUAGES[lang].TEXTS
    return {k: v for k, v in texts.items() if k.startswith(_CLIENT_PREFIXES)}


def csp(request: Request) -> str:
    """Scripts and connections to our own origin only (the WebSocket spelled out, for browsers
    whose 'self' does not cover ws:/wss:); media from getUserMedia and our generated tone."""
    host = request.headers.get("host", "")
    sockets = f" ws://{host} wss://{host}" if _NETLOC.match(host) else ""
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: "
            f"blob:; media-src 'self' blob: mediastream:; connect-src 'self'{sockets}; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def app_page(request: Request, lang: str, *, kind: str, module: str, title_key: str,
             body: str, values: Mapping[str, Mapping[str, Any]],
             extra: Mapping[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """A web-client page. `values` are per-language placeholders ({date}, {contact}, …)."""
    services = services_of(request)
    organisation = services.config.site.organisation
    other = next(code for code in LANGUAGES if code != lang)
    query = dict(request.query_params)
    query["lang"] = other
    config = {
        "lang": lang, "kind": kind, "titleKey": title_key, "organisation": organisation,
        "zone": services.config.site.timezone,
        "texts": {code: client_texts(code) for code in LANGUAGES},
        "vars": {code: {"organisation": organisation, **values.get(code, {})}
                 for code in LANGUAGES},
        **(extra or {}),
    }
    own = {"organisation": organisation, **values.get(lang, {})}
    data = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    document = Template(fragment("app")).substitute(
        lang=esc(lang), title=esc(text(lang, title_key)), organisation=esc(organisation),
        switch_url=esc(request.url.path + "?" + urlencode(query)), switch_lang=other,
        switch_label=esc(text(lang, "page.lang.switch")), kind=esc(kind), module=esc(module),
        body=body, config=data,
    )
    return HTMLResponse(fill_texts(document, lang, own), status_code=status, headers={
        "content-security-policy": csp(request), "cache-control": "no-store",
        "permissions-policy": "camera=(self), microphone=(self), display-capture=(self)",
    })
