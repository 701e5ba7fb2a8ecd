from __future__ import annotations
import time
from pathlib import Path
from typing import Any
from tests.web.flows import *
from tests.web.harness import DESKTOP, browser_thread, running_site, shot
from tests.web.test_phone import phone_context


def flow(site, browser: Any) -> dict:
    out: dict = {"log": []}
    advisor = browser.new_context(viewport=DESKTOP).new_page()
    citizen = phone_context(browser).new_page()
    console_login(advisor, site)
    create_appointment(advisor, "Wohngeld", "Erika Mustermann", "erika@example.org")
    link, _ = mailed_link(site, 1)
    consent(citizen, link)
    finish_check(citizen)
    to_waiting_room(citizen)
    open_room(advisor, "Wohngeld")
    waiting_entry(advisor, "Erika Mustermann")
    advisor.click("#waiting-list li:has-text('Erika') button[data-action=admit]")
    in_call(citizen)
    for i in range(16):
        s = citizen.evaluate(STATS)
        out["log"].append((round(time.time() % 100, 1), [(v["source"], v["framesDecoded"], v["packetsReceived"], v["frameWidth"]) for v in s["video"]], s["audioPackets"], citizen.inner_text("#quality-text")))
        time.sleep(0.5)
    out["msgs"] = citizen.evaluate(LOG)
    return out


async def test_scratch(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site:
        with browser_thread() as b:
            out = await b.run(lambda br: flow(site, br))
    for l in out["log"]:
        print(l)
    print(out["msgs"])
