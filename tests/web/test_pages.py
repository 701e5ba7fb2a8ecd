"""The web client's pages as the server delivers them (no browser): routes, consent gate, CSP,
embedded texts, and that every text key the pages use exists in both languages."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.clock import ManualClock
from server.i18n import de, en
from server.web.app_shell import client_texts
from tests.server.conftest import T0, Harness, link_token, make_config, open_harness

WEB = Path(__file__).resolve().parents[2] / "server" / "web"
START = datetime(2025, 5, 14, 8, 30, tzinfo=UTC)  # 10:30 in Berlin
CONFIG = re.compile(r'<script type="application/json" id="vt-config">(.*?)</script>', re.S)

# Keys the scripts build at run time (template literals), spelled out here.
DYNAMIC = {
    "web.badge.": ["ok", "warn", "fail", "busy", "idle"],
    "web.console.dc.verdict.": ["good", "audio-only", "poor", "unknown"],
    "web.console.error.": ["topic", "start", "duration_minutes", "client_name", "client_email",
                           "language"],
    "web.console.mail.": ["pending", "sent", "failed", "superseded"],
    "web.quality.": ["good", "fair", "poor"],
    "web.verdict.": [f"{v}{a}" for v in ("good", "audio-only", "poor", "unknown", "limit")
                     for a in ("", ".advice")],
    "web.compat.missing.": ["modules", "websocket", "webrtc", "media", "start"],
    "web.check.browser.": [f"{f}.{s}" for f in ("webrtc", "media", "websocket", "audio_codec",
                                                "video_codec") for s in ("ok", "missing")],
    "web.end.": [f"{k}.{p}" for k in ("left", "ended", "denied", "removed", "replaced",
                                      "withdrawn", "over", "cancelled", "invalid", "early",
                                      "full", "failed") for p in ("title", "text")],
}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for template in (WEB / "templates").glob("*.html"):
        keys |= set(re.findall(r'data-t(?:-label|-title)?="([a-z0-9_.-]+)"',
                               template.read_text()))
    for script in [*(WEB / "static" / "js").glob("*.js"), WEB / "static" / "compat.js"]:
        keys |= set(re.findall(r'"((?:web|page)\.[a-z0-9_.-]*[a-z0-9_-])"', script.read_text()))
    for prefix, suffixes in DYNAMIC.items():
        keys |= {prefix + s for s in suffixes}
    for page in ("pages_call.py", "pages_console.py"):
        keys |= set(re.findall(r'title_key="([a-z0-9_.-]+)"', (WEB / page).read_text()))
    return keys


def test_every_text_the_pages_use_exists_in_both_languages_and_reaches_the_page() -> None:
    keys = used_keys()
    assert len(keys) > 200
    for key in sorted(keys):
        assert key in de.TEXTS and key in en.TEXTS, key
        assert key in client_texts("de") and key in client_texts("en"), key


def test_every_script_module_import_resolves() -> None:
    for script in (WEB / "static" / "js").glob("*.js"):
        for target in re.findall(r'from "\./([a-z-]+\.js)"', script.read_text()):
            assert (WEB / "static" / "js" / target).is_file(), (script.name, target)


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Harness]:
    async for h in open_harness(make_config(tmp_path), ManualClock(T0)):
        yield h


def page_config(html: str) -> dict[str, object]:
    found = CONFIG.search(html)
    assert found, "no embedded configuration"
    assert "<" not in found.group(1)  # nothing in it can close the script element
    config: dict[str, object] = json.loads(found.group(1))
    return config


async def test_device_test_page_language_and_strict_csp(site: Harness) -> None:
    page = await site.client.get("/device-test")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp
    assert "connect-src 'self' ws://testserver wss://testserver" in csp
    assert "frame-ancestors 'none'" in csp
    assert '<html lang="de">' in page.text and "Technik-Test für die Video-Beratung" in page.text
    assert 'src="/static/base/js/device-test-app.js"' in page.text
    config = page_config(page.text)
    texts = config["texts"]
    assert isinstance(texts, dict) and set(texts) == {"de", "en"}
    english = await site.client.get("/device-test", params={"lang": "en"})
    assert '<html lang="en">' in english.text and "Equipment test" in english.text
    script = await site.client.get("/static/base/js/client-app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")


async def test_console_page_reveals_nothing_without_a_session(site: Harness) -> None:
    page = await site.client.get("/console")
    assert page.status_code == 200 and "console-app.js" in page.text
    assert "Anmeldung für Beraterinnen und Berater" in page.text
    assert (await site.client.get("/api/appointments")).status_code == 401


async def test_citizen_page_needs_this_visits_consent(site: Harness) -> None:
    csrf = await site.login()
    await site.create(csrf)
    [message] = await site.deliver()
    token = link_token(message)
    site.clock.set(START - timedelta(minutes=5))
    before = await site.client.get(f"/t/{token}/check")
    assert before.status_code == 303 and before.headers["location"] == f"/t/{token}"
    given = await site.client.post(f"/t/{token}/consent", data={"agree": "yes", "lang": "de"})
    assert given.headers["location"].startswith(f"/t/{token}/check")
    page = await site.client.get(f"/t/{token}/check")
    assert page.status_code == 200 and "client-app.js" in page.text
    assert "Vielen Dank – Ihre Einwilligung ist gespeichert." in page.text
    assert f'action="/t/{token}/withdraw"' in page.text
    config = page_config(page.text)
    assert config["token"] == token
    cookie = site.client.cookies["vt_consent"]
    assert re.fullmatch(r"[0-9a-f]{16}", str(config["visit"])) and cookie not in page.text
    variables = config["vars"]
    assert isinstance(variables, dict)
    assert "Mittwoch, 14. Mai 2025, 10:30 Uhr" in variables["de"]["date"]
    assert "Wednesday, 14 May 2025, 10:30" in variables["en"]["date"]
    site.clock.set(START + timedelta(hours=2))
    over = await site.client.get(f"/t/{token}/check")
    assert over.status_code == 410 and "vorbei" in over.text
