"""Proof 2 and the keyboard half of proof 4, in real Chromium through the real server.

- the citizen reloads mid-call and is back in the call without a new admission;
- the network drops: the page shows that it reconnects, and does so by itself;
- the advisor leaves (the citizen waits again, told why) and returns, admitting with the
  keyboard only;
- the advisor removes the citizen with a message; another citizen is denied with a message;
- the console reschedules and cancels appointments (and the e-mails go out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.flows import (
    consent,
    console_login,
    create_appointment,
    decoding,
    finish_check,
    in_call,
    mailed_link,
    open_room,
    to_waiting_room,
    wait_key,
    waiting_entry,
    watch_errors,
)
from tests.web.harness import DESKTOP, Site, in_browser, shot, soon

pytestmark = pytest.mark.browser

WATCH_WAITING_LIST = """() => {
  window.waitingSeen = 0;
  new MutationObserver(() => {
    if (document.querySelector('#waiting-list li')) window.waitingSeen += 1;
  }).observe(document.querySelector('#waiting-list'), {childList: true});
}"""


def tab_to_admit(page: Any, presses: int = 40) -> dict[str, Any]:
    """Keyboard only: Tab until the admit button has the focus; report what was focused."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused: dict[str, Any] = page.evaluate("""() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {action: el.dataset.action || null, outline: style.outlineStyle,
                  width: style.outlineWidth};
        }""")
        if focused["action"] == "admit":
            return focused
    raise AssertionError("the admit button cannot be reached with the Tab key")


def paths(site: Site, browser: Any) -> dict[str, Any]:
    seen: dict[str, Any] = {"errors": []}
    advisor = browser.new_context(viewport=DESKTOP, locale="de-DE").new_page()
    erika = browser.new_context(viewport=DESKTOP, locale="de-DE").new_page()
    watch_errors(advisor, "advisor", seen["errors"])
    watch_errors(erika, "erika", seen["errors"])
    console_login(advisor, site)
    create_appointment(advisor, "Wohngeld", "Erika Mustermann", "erika@example.org")
    create_appointment(advisor, "Elterngeld", "Max Muster", "max@example.org", minutes=20)
    link_erika, _ = mailed_link(site, 1)
    link_max, _ = mailed_link(site, 2)

    consent(erika, link_erika)
    finish_check(erika)
    to_waiting_room(erika)
    open_room(advisor, "Wohngeld")
    advisor.click("#waiting-list li:has-text('Erika') button[data-action=admit]")
    in_call(erika)
    decoding(erika, what="Erika decoding the advisor")
    decoding(advisor, what="the advisor decoding Erika")

    # A reload mid-call: the place is taken back with the tab's resume secret.
    advisor.evaluate(WATCH_WAITING_LIST)
    erika.reload()
    in_call(erika)
    seen["after_reload"] = decoding(erika, what="Erika decoding again after her reload")
    decoding(advisor, what="the advisor decoding Erika after her reload")
    seen["check_shown_after_reload"] = erika.is_visible("section[data-step=check]")
    seen["waiting_seen"] = advisor.evaluate("window.waitingSeen")

    # The network drops: the page says so and reconnects by itself (same place, same
    # PeerConnections) once the network is back.
    erika.context.set_offline(True)
    erika.evaluate("window.videotermin.room.signal.drop()")
    erika.wait_for_selector("#reconnecting", state="visible", timeout=5_000)
    seen["reconnecting"] = erika.inner_text("#reconnecting")
    shot(erika, "desktop-15-reconnecting")
    erika.context.set_offline(False)
    erika.wait_for_selector("#reconnecting", state="hidden", timeout=20_000)
    seen["after_drop"] = decoding(erika, what="Erika decoding after the reconnection")
    seen["waiting_seen_after_drop"] = advisor.evaluate("window.waitingSeen")

    # The advisor leaves: Erika waits again and is told why; the advisor returns.
    advisor.click("#btn-leave")
    advisor.wait_for_selector("section[data-step=list]", state="visible")
    wait_key(erika, "#waiting-notice", "web.waiting.advisor_left")
    seen["notice"] = erika.inner_text("#waiting-notice")
    shot(erika, "desktop-16-waiting-advisor-left")
    open_room(advisor, "Wohngeld")
    waiting_entry(advisor, "Erika Mustermann")
    seen["focus"] = tab_to_admit(advisor)
    advisor.keyboard.press("Enter")
    in_call(erika)
    seen["readmitted"] = decoding(erika, what="Erika decoding after the second admission")

    # Remove with a message.
    advisor.click("#in-call-list li:has-text('Erika') button[data-action=remove]")
    advisor.fill("#in-call-list li:has-text('Erika') textarea", "Danke, wir schreiben Ihnen.")
    advisor.click("#in-call-list li:has-text('Erika') form button[type=submit]")
    erika.wait_for_selector("section[data-step=end]", state="visible", timeout=10_000)
    seen["removed"] = erika.inner_text("section[data-step=end]")
    shot(erika, "desktop-17-end-removed")

    # Another appointment: Max waits and is denied with a message.
    maxi = browser.new_context(viewport=DESKTOP, locale="de-DE").new_page()
    watch_errors(maxi, "max", seen["errors"])
    consent(maxi, link_max)
    finish_check(maxi)
    to_waiting_room(maxi)
    advisor.click("#room-back")
    advisor.wait_for_selector("section[data-step=list]", state="visible")
    open_room(advisor, "Elterngeld")
    advisor.click("#waiting-list li:has-text('Max') button[data-action=deny]")
    advisor.fill("#waiting-list li:has-text('Max') textarea",
                 "Bitte rufen Sie uns unter 030 1234567 an.")
    advisor.click("#waiting-list li:has-text('Max') form button[type=submit]")
    maxi.wait_for_selector("section[data-step=end]", state="visible", timeout=10_000)
    seen["denied"] = maxi.inner_text("section[data-step=end]")
    shot(maxi, "desktop-18-end-denied")
    advisor.wait_for_selector("#waiting-empty", state="visible", timeout=10_000)

    # Back in the list: move Max's appointment, cancel Erika's; both get an e-mail.
    advisor.click("#room-back")
    advisor.wait_for_selector("section[data-step=list]", state="visible")
    max_item = ".appt:has-text('Elterngeld')"
    advisor.click(f"{max_item} button[data-action=reschedule]")
    day, clock = soon(45)
    advisor.fill(f"{max_item} input[name=date]", day)
    advisor.fill(f"{max_item} input[name=time]", clock)
    advisor.click(f"{max_item} form.reschedule button[type=submit]")
    wait_key(advisor, "#list-status", "web.console.rescheduled")
    advisor.wait_for_selector(f"{max_item} .appt-time:has-text('{clock}')")
    erika_item = ".appt:has-text('Wohngeld')"
    advisor.click(f"{erika_item} button[data-action=cancel]")
    advisor.click(f"{erika_item} button[data-action=cancel-confirm]")
    wait_key(advisor, "#list-status", "web.console.cancelled")
    advisor.wait_for_selector(f"{erika_item}[data-state=cancelled]")
    seen["subjects"] = [str(site.wait_for_mail(n)["subject"]) for n in (3, 4)]
    return seen


async def test_reload_leave_return_remove_and_deny(
    tmp_path: Path, chromium_executable: str
) -> None:
    seen = await in_browser(tmp_path, paths)
    assert seen["errors"] == []
    assert seen["after_reload"]["videoFrames"] >= 15
    assert seen["check_shown_after_reload"] is False  # straight back into the call
    assert seen["waiting_seen"] == 0  # never in the advisor's waiting list: no new admission
    assert "automatisch wieder" in seen["reconnecting"]
    assert seen["after_drop"]["videoFrames"] >= 15 and seen["waiting_seen_after_drop"] == 0
    assert "kurz verlassen" in seen["notice"]
    assert seen["focus"]["outline"] != "none"  # the keyboard focus is visible
    assert seen["readmitted"]["videoFrames"] >= 15
    assert "Die Beratung ist beendet" in seen["removed"]
    assert "Danke, wir schreiben Ihnen." in seen["removed"]
    assert "nicht hereingeholt" in seen["denied"]
    assert "Bitte rufen Sie uns unter 030 1234567 an." in seen["denied"]
    assert sorted(subject.split(":")[0] for subject in seen["subjects"]) == [
        "Abgesagt", "Neuer Termin für Ihre Video-Beratung"]
