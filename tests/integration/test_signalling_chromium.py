"""Proof 4: two Chromium pages (advisor and client) through the real server and the gate.

The client publishes while it waits: the SFU receives its media, yet no subscription to or from
it exists and neither page decodes anything. The advisor admits; both pages then decode each
other's video after renegotiation, without a reload. A screen share the advisor adds arrives at
the client as a second video track. The admit latency is measured and printed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import trio

from bench.chromium import chromium, chromium_path
from tests.integration.signalling_harness import Server, running_server

pytestmark = pytest.mark.browser


def _poll(page: Any, predicate: Any, seconds: float, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        stats: dict[str, Any] = page.evaluate("vt.inbound()")
        if predicate(stats):
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {stats}")
        time.sleep(0.1)


def _sfu_view(server: Server, client_pid: str) -> dict[str, int]:
    """Runs in the trio thread: what the SFU does with the client's media."""
    bridge = server.hub.bridge
    endpoint = bridge.endpoints.get(client_pid)
    sfu = server.plane.sfu
    session = sfu.sessions.get(endpoint.publish.session_id) if endpoint.publish else None
    received = sum(s.packets for s in session.inbound.values()) if session else 0
    outgoing = sum(len(p.subscriptions) for p in session.publications.values()) if session else 0
    incoming = len(sfu.sessions[endpoint.subscribe.session_id].subscriptions) \
        if endpoint.subscribe and endpoint.subscribe.session_id in sfu.sessions else 0
    return {"received": received, "forwarded_from": outgoing, "forwarded_to": incoming}


def call(server: Server, advisor_cookie: str, appointment_id: int, token: str,
         consent: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with chromium() as browser:
        advisor_context = browser.new_context()
        client_context = browser.new_context()
        advisor_context.add_cookies([{"name": "vt_session", "value": advisor_cookie,
                                      "url": server.http_url}])
        client_context.add_cookies([{"name": "vt_consent", "value": consent,
                                     "url": server.http_url}])
        pages = []
        for context in (advisor_context, client_context):
            page = context.new_page()
            page.goto(f"{server.http_url}/test/signalling_call.html")
            page.wait_for_function("typeof window.vt === 'object'")
            pages.append(page)
        advisor, client = pages
        joined = client.evaluate(f"vt.connect({{role: 'client', access_token: '{token}'}})")
        assert joined["state"] == "waiting"
        client.evaluate("vt.publish()")
        advisor.evaluate(f"vt.connect({{role: 'advisor', appointment_id: {appointment_id}}})")
        advisor.evaluate("vt.publish()")
        pid = joined["participant"]
        deadline = time.monotonic() + 20
        while trio.from_thread.run_sync(_sfu_view, server, pid)["received"] < 100:
            assert time.monotonic() < deadline, "the SFU never received the client's media"
            time.sleep(0.2)
        time.sleep(1.0)  # a while of waiting with media flowing in
        results["waiting_sfu"] = trio.from_thread.run_sync(_sfu_view, server, pid)
        results["waiting_client"] = client.evaluate("vt.inbound()")
        results["waiting_advisor"] = advisor.evaluate("vt.inbound()")
        results["waiting_messages"] = client.evaluate("vt.messages")
        started = time.monotonic()
        advisor.evaluate(f"vt.send('admit', {{participant: '{pid}'}})")
        _poll(client, lambda s: s["videoFrames"] > 0, 20, "the client decoding the advisor")
        results["admit_to_client_frames"] = time.monotonic() - started
        _poll(advisor, lambda s: s["videoFrames"] > 0, 20, "the advisor decoding the client")
        results["admit_to_both_frames"] = time.monotonic() - started
        results["client_timings"] = client.evaluate("vt.timings")
        results["admitted_client"] = _poll(client, lambda s: s["videoFrames"] >= 30, 20,
                                           "30 frames at the client")
        results["admitted_advisor"] = _poll(advisor, lambda s: s["videoFrames"] >= 30, 20,
                                            "30 frames at the advisor")
        advisor.evaluate("vt.shareScreen()")
        results["screen"] = _poll(
            client, lambda s: any(v["source"] == "screen" and v["framesDecoded"] >= 10
                                  for v in s["video"]), 25, "the screen share at the client")
        results["page_errors"] = [m for p in pages for m in p.evaluate("vt.messages")
                                  if m["type"] in ("page-error", "error")]
    return results


async def test_two_chromium_pages_wait_admit_and_share_screen(tmp_path: Path) -> None:
    chromium_path()
    with trio.fail_after(150):
        async with running_server(tmp_path) as server:
            advisor_id = await server.advisor("alice", "Alice Advisor")
            cookie = await server.login("alice")
            appointment_id, token = await server.appointment(advisor_id)
            consent = await server.consent(token)
            results = await trio.to_thread.run_sync(call, server, cookie, appointment_id, token,
                                                    consent)
    print(f"\nadmit → client decodes: {results['admit_to_client_frames'] * 1000:.0f} ms; "
          f"both decode: {results['admit_to_both_frames'] * 1000:.0f} ms; "
          f"client page timeline (ms): {results['client_timings']}")
    waiting = results["waiting_sfu"]
    assert waiting["received"] >= 100  # the client's media reached the SFU while waiting …
    assert waiting["forwarded_from"] == 0 and waiting["forwarded_to"] == 0  # … and went nowhere
    assert results["waiting_client"]["videoFrames"] == 0
    assert results["waiting_client"]["video"] == []
    assert results["waiting_advisor"]["videoFrames"] == 0
    seen = {m["type"] for m in results["waiting_messages"]}
    assert seen <= {"joined", "waiting", "publish-answer", "transport"}, seen
    assert "Alice" not in str(results["waiting_messages"])  # the advisor's name never leaked
    assert results["admitted_client"]["videoFrames"] >= 30
    assert results["admitted_advisor"]["videoFrames"] >= 30
    assert results["admitted_client"]["audioPackets"] > 0
    assert any(v["source"] == "screen" for v in results["screen"]["video"])
    assert results["page_errors"] == []
