"""Rendering the server's own HTML pages (consent, status, sign-in) from one template.

No template engine is installed, and these pages are small: the body is assembled from escaped
fragments (`esc`) and dropped into `templates/page.html`. The pages need no JavaScript, so
the Content-Security-Policy forbids all scripts.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from string import Template
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse

from server.i18n import LANGUAGES, text
from server.web.security import services_of

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


TEMPLATES = Path(__file__).parent / "templates"
_INCLUDE = re.compile(r"<!--([a-z_]+)-->")


@cache
def fragment(name: str) -> str:
    """A template file with its `<!--name-->` includes resolved (read once)."""
    source = (TEMPLATES / f"{name}.html").read_text("utf-8")
    return _INCLUDE.sub(lambda m: fragment(m.group(1)), source)


@cache
def _template() -> Template:
    return Template(fragment("page"))


def page(
    request: Request, lang: str, title: str, body: str, *, status: int = 200
) -> HTMLResponse:
    """A full page; `body` must already be escaped HTML."""
    other = next(code for code in LANGUAGES if code != lang)
    query = dict(request.query_params)
    query["lang"] = other
    document = _template().substitute(
        lang=esc(lang), title=esc(title), body=body,
        organisation=esc(services_of(request).config.site.organisation),
        switch_url=esc(request.url.path + "?" + urlencode(query)), switch_lang=other,
        switch_label=esc(text(lang, "page.lang.switch")),
    )
    return HTMLResponse(document, status_code=status, headers={
        "content-security-policy": CSP, "cache-control": "no-store",
    })


def paragraphs(*texts: str, css: str | None = None) -> str:
    attr = f' class="{css}"' if css else ""
    return "".join(f"<p{attr}>{esc(t)}</p>" for t in texts)
