from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.web import flows as f
from tests.web.harness import DESKTOP, browser_thread, running_site
from tests.web.test_phone import CAMERA_ID, TWO_CAMERAS, phone_context


def flow(site: Any, browser: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"log": []}
    advisor = browser.new_context(viewport=DESKTOP).new_page()
    citizen = browser.new_context(viewport=DESKTOP).new_page()
    f.console_login(advisor, site)
    f.create_appointment(advisor, "Wohngeld", "Erika Mustermann", "erika@example.org")
    link, _ = f.mailed_link(site, 1)
    f.consent(citizen, link)
    f.finish_check(citizen)
    f.to_waiting_room(citizen)
    f.open_room(advisor, "Wohngeld")
    f.waiting_entry(advisor, "Erika Mustermann")
    advisor.click("#waiting-list li:has-text('Erika') button[data-action=admit]")
    f.in_call(citizen)
    f.decoding(advisor)
    out["console"] = []
    citizen.on("console", lambda m: out["console"].append(m.text))
    PUB = """(async () => { const st = await window.videotermin.room.publisher.pc.getStats(); const o = [];
      st.forEach(s => { if (s.type === 'outbound-rtp' && s.kind === 'video') o.push([s.rid, s.framesEncoded, s.frameWidth, s.qualityLimitationReason]); }); return o; })()"""
    out["pub0"] = citizen.evaluate(PUB)
    time.sleep(2)
    out["pub1"] = citizen.evaluate(PUB)
    EXP = """async ([mode]) => {
      const pub = window.videotermin.room.publisher;
      const enc = async () => { let n = 0; (await pub.pc.getStats()).forEach(s => { if (s.type === 'outbound-rtp' && s.kind === 'video') n += s.framesEncoded; }); return n; };
      const cur = pub.video.sender.track;
      let t;
      if (mode === 'clone') t = cur.clone();
      else if (mode === 'same') t = (await navigator.mediaDevices.getUserMedia({video: {deviceId: {exact: cur.getSettings().deviceId}, width: {ideal: 1280}, height: {ideal: 720}, frameRate: {ideal: 15}}})).getVideoTracks()[0];
      else if (mode === 'plain') t = (await navigator.mediaDevices.getUserMedia({video: true})).getVideoTracks()[0];
      else if (mode === 'other' || mode === 'other-plain') {
        const ids = (await navigator.mediaDevices.enumerateDevices()).filter(d => d.kind === 'videoinput').map(d => d.deviceId);
        const id = ids.find(i => i !== cur.getSettings().deviceId);
        t = (await navigator.mediaDevices.getUserMedia({video: mode === 'other' ? {deviceId: {exact: id}, width: {ideal: 1280}, height: {ideal: 720}, frameRate: {ideal: 15}} : {deviceId: {exact: id}}})).getVideoTracks()[0];
      }
      const a = await enc();
      await pub.video.sender.replaceTrack(t);
      await new Promise(r => setTimeout(r, 2500));
      const b = await enc();
      return [mode, b - a, t.getSettings().width];
    }"""
    out["exp"] = [citizen.evaluate(EXP, [m]) for m in ("clone", "other-plain", "clone", "other", "clone")]
    out["msgs"] = advisor.evaluate(f.LOG)
    out["pub"] = citizen.evaluate("""(async () => { const st = await window.videotermin.room.publisher.pc.getStats(); const o = [];
      st.forEach(s => { if (s.type === 'outbound-rtp' && s.kind === 'video') o.push([s.rid, s.framesEncoded, s.frameWidth, s.qualityLimitationReason, s.active]); }); return o; })()""")
    return out


async def test_scratch(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site:
        with browser_thread(TWO_CAMERAS) as b:
            out = await b.run(lambda br: flow(site, br))
    print(out["msgs"])
    print(out["exp"])
