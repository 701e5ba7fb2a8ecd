"""What a citizen and an advisor do in the pages, as Playwright steps (sync API, browser thread).

Every wait is bounded; failures say what was awaited and what the page showed instead.
"""

from __future__ import annotations

from typing import Any

from tests.web.harness import PASSWORD, Site, link_in, poll, soon

STATS = "window.videotermin.stats()"
LOG = """(() => { const v = window.videotermin;
  const room = v.room && v.room.log ? v.room : v.room && v.room.room;
  return room ? room.log : null; })()"""
CHECK_SECONDS = 40  # the connection test takes ~8 s; more under a loaded CI machine


def watch_errors(page: Any, name: str, errors: list[str]) -> None:
    """Collect uncaught page errors (a test asserts there were none)."""
    page.on("pageerror", lambda error: errors.append(f"{name}: {error}"))


def console_login(page: Any, site: Site, lang: str = "de") -> None:
    page.goto(f"{site.url}/console?lang={lang}")
    page.wait_for_selector("#login-user", state="visible", timeout=10_000)
    page.fill("#login-user", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#create-form", state="visible", timeout=10_000)


def create_appointment(page: Any, topic: str, name: str, address: str,
                       minutes: int = 10) -> None:
    day, clock = soon(minutes)
    page.fill("#f-topic", topic)
    page.fill("#f-date", day)
    page.fill("#f-time", clock)
    page.fill("#f-name", name)
    page.fill("#f-email", address)
    page.click("#create-form button[type=submit]")
    page.wait_for_selector(f".appt:has-text('{topic}')", timeout=10_000)


def mailed_link(site: Site, count: int) -> tuple[str, Any]:
    message = site.wait_for_mail(count)
    return link_in(message), message


def consent(page: Any, link: str) -> None:
    page.goto(link)
    page.check("input[name=agree]")
    page.click("form[action$='/consent'] button[type=submit]")
    page.wait_for_selector("section[data-step=check]", state="visible", timeout=10_000)


def finish_check(page: Any) -> None:
    page.wait_for_selector("#check-continue:enabled", timeout=CHECK_SECONDS * 1000)


def to_waiting_room(page: Any) -> None:
    page.click("#check-continue")
    page.wait_for_selector("section[data-step=waiting]", state="visible", timeout=10_000)
    wait_key(page, "#waiting-status .status-text", "web.waiting.told")


def open_room(page: Any, topic: str) -> None:
    page.click(f".appt:has-text('{topic}') button[data-action=open]")
    page.wait_for_selector("section[data-step=room]", state="visible", timeout=10_000)
    wait_key(page, "#room-status .status-text", "web.console.room.open", 20)


def waiting_entry(page: Any, name: str, seconds: float = 20) -> Any:
    return page.wait_for_selector(f"#waiting-list li:has-text('{name}')",
                                  timeout=int(seconds * 1000))


def frames(page: Any, source: str = "camera") -> int:
    stats = page.evaluate(STATS)
    return sum(v["framesDecoded"] for v in stats["video"] if v["source"] == source)


def decoding(page: Any, source: str = "camera", more: int = 15, seconds: float = 25,
             what: str = "") -> dict[str, Any]:
    """Wait until `more` further frames of `source` were decoded (the picture is moving)."""
    start = frames(page, source)
    try:
        result: dict[str, Any] = poll(
            page, STATS, lambda s: sum(v["framesDecoded"] for v in s["video"]
                                       if v["source"] == source) >= start + more,
            seconds, what or f"{source} frames decoded")
    except AssertionError as error:
        raise AssertionError(f"{error}; signalling seen by the page: {page.evaluate(LOG)}") \
            from None
    return result


def hearing(page: Any, seconds: float = 15) -> dict[str, Any]:
    start = page.evaluate(STATS)["audioPackets"]
    result: dict[str, Any] = poll(page, STATS, lambda s: s["audioPackets"] > start + 20,
                                  seconds, "audio packets")
    return result


def in_call(page: Any, seconds: float = 20) -> None:
    page.wait_for_selector("section[data-step=call]", state="visible",
                           timeout=int(seconds * 1000))


def text_key(page: Any, selector: str) -> str | None:
    """The i18n key an element shows (the pages mark dynamic texts with data-t)."""
    value: str | None = page.eval_on_selector(selector, "el => el.dataset.t || null")
    return value


def wait_key(page: Any, selector: str, key: str, seconds: float = 15) -> None:
    page.wait_for_function(
        "([s, k]) => { const el = document.querySelector(s); return !!el && el.dataset.t === k; }",
        arg=[selector, key], timeout=int(seconds * 1000))


def steady(page: Any, seconds: float = 15) -> None:
    """The main picture shows no notice (it has settled after a start or a switch)."""
    page.wait_for_selector("#overlay-main", state="hidden", timeout=int(seconds * 1000))
