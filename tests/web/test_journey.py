"""Proof 1 (and the desktop screenshots of proof 5): the whole journey in real Chromium.

The advisor signs in to the console and creates an appointment; the invitation arrives at a
real SMTP server; the citizen opens its link, consents, passes the device check (the echo
session's measured values on screen), waits; the advisor sees the device-check summary in the
waiting list and admits; both decode each other's video and audio; the advisor shares the
screen and the citizen decodes it; a bandwidth pause from the SFU is explained on the
citizen's page; the citizen leaves and both pages show the end.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import trio

from media.adaptation import SubscriptionPaused, SubscriptionResumed
from tests.web.flows import (
    consent,
    console_login,
    create_appointment,
    decoding,
    finish_check,
    hearing,
    in_call,
    mailed_link,
    open_room,
    steady,
    to_waiting_room,
    wait_key,
    waiting_entry,
    watch_errors,
)
from tests.web.harness import DESKTOP, Site, in_browser, shot

pytestmark = pytest.mark.browser


def _pause(site: Site, client: Any, paused: bool) -> None:
    """What the SFU's adaptation emits when the citizen's downlink is too thin for the
    advisor's camera (the hub must turn it into a `track-pause` message for that page)."""
    pid = client.evaluate("window.videotermin.room.joined.participant")
    mid = client.evaluate("""[...window.videotermin.room.subscriber.info.values()]
        .find((t) => t.source === 'camera' && t.active).mid""")

    def inject() -> None:
        side = site.hub.bridge.endpoints[pid].subscribe
        event_type = SubscriptionPaused if paused else SubscriptionResumed
        site.hub.on_sfu_event(event_type(side.session_id, mid, side.forwarding[mid]),
                              trio.current_time())

    site.in_trio(inject)


def journey(site: Site, browser: Any) -> dict[str, Any]:
    seen: dict[str, Any] = {"errors": []}
    advisor = browser.new_context(viewport=DESKTOP, locale="de-DE").new_page()
    citizen = browser.new_context(viewport=DESKTOP, locale="de-DE").new_page()
    watch_errors(advisor, "advisor", seen["errors"])
    watch_errors(citizen, "citizen", seen["errors"])

    advisor.goto(f"{site.url}/console")
    advisor.wait_for_selector("#login-user", state="visible")
    shot(advisor, "desktop-01-console-sign-in")
    console_login(advisor, site)
    create_appointment(advisor, "Wohngeld", "Erika Mustermann", "erika@example.org")
    advisor.wait_for_selector("#create-status:has-text('erika@example.org')")
    shot(advisor, "desktop-02-console-appointments")

    link, message = mailed_link(site, 1)
    seen["subject"] = message["subject"]
    seen["to"] = message["to"]
    citizen.goto(link)
    shot(citizen, "desktop-03-consent")
    consent(citizen, link)
    citizen.wait_for_selector("#dc-progress:visible", timeout=20_000)
    citizen.wait_for_function("() => document.querySelector('#dc-progress').value > 20")
    shot(citizen, "desktop-04-device-check-running")
    finish_check(citizen)
    seen["measures"] = {key: citizen.inner_text(f"#dc-{key}") for key in ("rtt", "loss", "rate")}
    seen["verdict"] = citizen.eval_on_selector("#dc-verdict", "el => el.dataset.verdict")
    citizen.eval_on_selector("#dc-net", "el => el.scrollIntoView({block: 'center'})")
    shot(citizen, "desktop-05-device-check-done")
    to_waiting_room(citizen)
    shot(citizen, "desktop-06-waiting-room")

    open_room(advisor, "Wohngeld")
    entry = waiting_entry(advisor, "Erika Mustermann")
    advisor.wait_for_function("() => document.querySelector('#waiting-list .dc-summary')"
                              ".textContent.includes('ms')", timeout=10_000)
    seen["summary"] = entry.inner_text()
    shot(advisor, "desktop-07-console-waiting-list")
    advisor.click("#waiting-list li:has-text('Erika Mustermann') button[data-action=admit]")

    in_call(citizen)
    seen["citizen_video"] = decoding(citizen, what="the citizen decoding the advisor")
    seen["advisor_video"] = decoding(advisor, what="the advisor decoding the citizen")
    seen["citizen_audio"] = hearing(citizen)
    seen["advisor_audio"] = hearing(advisor)
    wait_key(citizen, "#call-status .status-text", "web.call.with")
    citizen.wait_for_function(
        "() => document.querySelector('#quality').dataset.level === 'good'", timeout=10_000)
    steady(citizen)
    steady(advisor)
    shot(citizen, "desktop-08-call-citizen")
    shot(advisor, "desktop-09-call-advisor")

    advisor.click("#btn-screen")
    seen["screen"] = decoding(citizen, "screen", 10, 25, "the citizen decoding the screen")
    citizen.wait_for_function(
        "() => document.querySelector('#stage').classList.contains('sharing')")
    seen["labels"] = [citizen.inner_text("#label-main"), citizen.inner_text("#label-second")]
    steady(citizen)
    shot(citizen, "desktop-10-call-screen-share-citizen")
    shot(advisor, "desktop-11-call-screen-share-advisor")
    advisor.click("#btn-screen")  # stop sharing: the camera is large again
    citizen.wait_for_function(
        "() => !document.querySelector('#stage').classList.contains('sharing')", timeout=15_000)

    _pause(site, citizen, True)
    wait_key(citizen, "#overlay-main-text", "web.call.paused")
    seen["paused_text"] = citizen.inner_text("#overlay-main-text")
    shot(citizen, "desktop-12-call-video-paused")
    # both sides are told: the advisor learns the citizen does not see the camera right now
    wait_key(advisor, "#room-status .status-text", "web.console.room.partner_weak")
    seen["advisor_paused_text"] = advisor.inner_text("#room-status .status-text")
    _pause(site, citizen, False)
    citizen.wait_for_selector("#overlay-main", state="hidden", timeout=10_000)
    wait_key(advisor, "#room-status .status-text", "web.console.room.talking")

    citizen.click("#btn-leave")
    citizen.wait_for_selector("section[data-step=end]", state="visible", timeout=10_000)
    seen["end"] = citizen.inner_text("section[data-step=end]")
    shot(citizen, "desktop-13-end")
    advisor.wait_for_selector("#room-ended", state="visible", timeout=10_000)
    seen["advisor_end"] = advisor.inner_text("#room-ended")
    shot(advisor, "desktop-14-console-ended")
    seen["citizen_after"] = citizen.evaluate(
        "[...document.querySelectorAll('video')].filter((v) => v.srcObject).length")
    return seen


async def test_whole_journey_from_console_to_end(
    tmp_path: Path, chromium_executable: str
) -> None:
    seen = await in_browser(tmp_path, journey)
    assert seen["errors"] == []
    assert "<erika@example.org>" in seen["to"] and "Video-Beratung" in seen["subject"]
    assert re.fullmatch(r"\d+ ms", seen["measures"]["rtt"]), seen["measures"]
    assert re.fullmatch(r"\d+,\d %", seen["measures"]["loss"]), seen["measures"]
    assert re.fullmatch(r"[\d.,]+ (kbit|Mbit)/s", seen["measures"]["rate"]), seen["measures"]
    assert seen["verdict"] == "good"
    assert "Erika Mustermann" in seen["summary"]
    assert "Kamera: ja, Mikrofon: ja" in seen["summary"] and "Verbindung gut" in seen["summary"]
    for side in ("citizen_video", "advisor_video"):
        assert seen[side]["videoFrames"] >= 15
    assert seen["citizen_audio"]["audioPackets"] > 20 and seen["advisor_audio"]["audioPackets"] > 20
    assert any(v["source"] == "screen" and v["framesDecoded"] >= 10
               for v in seen["screen"]["video"])
    assert seen["labels"] == ["Bildschirm von Alice Berger", "Alice Berger"]
    assert "Video pausiert wegen schwacher Verbindung" in seen["paused_text"]
    assert "Erika Mustermann hat gerade eine schwache Verbindung" in seen["advisor_paused_text"]
    assert "Sie haben die Beratung verlassen" in seen["end"]
    assert "Es wurde nichts aufgezeichnet" in seen["end"] and "030 1234567" in seen["end"]
    assert "hat die Beratung verlassen" in seen["advisor_end"]
    assert seen["citizen_after"] == 0  # no picture left running on the end page
