"""Proof 2: the real server with trio-websocket clients — join, wait, admit, deny, remove, the
advisor leaving, resuming within and after the window, the echo session, shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trio

from media.allocator import TrackPriority
from server.storage.records import AuditKind
from signalling import codes
from signalling.connection import ConnectionLimits
from tests.integration.signalling_harness import Client, Server, connect, running_server
from tests.signalling.browser_sdp import answer_subscribe_offer, publish_offer, video_section
from tests.signalling.test_sdp_captures import CHROME_SIMULCAST_OFFER


@dataclass
class Room:
    server: Server
    advisor_id: int
    appointment_id: int
    token: str
    consent: str


@asynccontextmanager
async def room(tmp_path: Path, resume_window: float | None = None) -> AsyncIterator[Room]:
    async with running_server(tmp_path, resume_window=resume_window) as server:
        advisor_id = await server.advisor()
        appointment_id, token = await server.appointment(advisor_id)
        yield Room(server, advisor_id, appointment_id, token, await server.consent(token))


async def join_client(r: Room, stack: AsyncExitStack,
                      **extra: Any) -> tuple[Client, dict[str, Any]]:
    client = await stack.enter_async_context(connect(r.server, {"vt_consent": r.consent}))
    await client.send("join", role="client", access_token=r.token, **extra)
    return client, await client.expect("joined")


async def join_advisor(r: Room, stack: AsyncExitStack) -> tuple[Client, dict[str, Any]]:
    advisor = await stack.enter_async_context(connect(r.server))
    await advisor.send("join", role="advisor", appointment_id=r.appointment_id,
                       advisor_token=r.server.advisor_token(r.advisor_id))
    return advisor, await advisor.expect("joined")


async def answer_offer(client: Client, ufrag: str) -> dict[str, Any]:
    offer = await client.expect("subscribe-offer")
    await client.send("subscribe-answer", sdp=answer_subscribe_offer(offer["sdp"], ufrag),
                      version=offer["version"])
    return offer


async def test_join_wait_admit_renegotiate(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        client, joined = await join_client(r, stack)
        assert joined["state"] == "waiting" and joined["resume_seconds"] == 60
        assert await client.expect("waiting") == {"v": 1, "type": "waiting", "notice": None}
        await client.send("publish-offer", sdp=publish_offer("cli1"), tracks={"1": "camera"})
        await client.expect("publish-answer")
        await client.send("device-check", camera=True, microphone=True, verdict="good",
                          rtt_ms=42, loss_percent=0.5, bitrate_kbps=900)
        advisor, advisor_joined = await join_advisor(r, stack)
        assert advisor_joined["state"] == "admitted"
        assert advisor_joined["appointment_id"] == r.appointment_id
        waiting_list = await advisor.expect("waiting-list")
        [entry] = waiting_list["entries"]
        assert entry["id"] == joined["participant"]
        assert entry["display_name"] == "Erika Mustermann" and entry["connected"]
        assert entry["device_check"]["verdict"] == "good"
        assert entry["device_check"]["rtt_ms"] == 42
        await advisor.send("publish-offer", sdp=publish_offer("adv1", base_ssrc=5000))
        await advisor.expect("publish-answer")
        assert await client.drain(0.3) == []  # waiting: nothing about the advisor arrives
        await advisor.send("admit", participant=entry["id"])
        admitted = await client.expect("admitted")
        names = {p["display_name"] for p in admitted["participants"]}
        assert names == {"Alice Advisor", "Erika Mustermann"}
        client_offer = await answer_offer(client, "cs01")
        advisor_offer = await answer_offer(advisor, "as01")
        assert client_offer["fresh"] and advisor_offer["fresh"]
        assert {(t["participant"], t["source"]) for t in client_offer["tracks"]} == {
            (advisor_joined["participant"], "microphone"),
            (advisor_joined["participant"], "camera")}
        assert {(t["participant"], t["source"]) for t in advisor_offer["tracks"]} == {
            (entry["id"], "microphone"), (entry["id"], "camera")}
        # the advisor adds a screen share: the client is offered one more m-line
        await advisor.send("publish-offer", sdp=publish_offer("adv1", base_ssrc=5000,
                                                              screen=True),
                           tracks={"2": "screen"})
        await advisor.expect("publish-answer")
        second = await answer_offer(client, "cs01")
        assert second["version"] == client_offer["version"] + 1 and not second["fresh"]
        assert [t["source"] for t in second["tracks"]][-1] == "screen"
        audit = await r.server.services.audit.recent(appointment_id=r.appointment_id)
        assert AuditKind.CLIENT_ADMITTED in {entry.kind for entry in audit}


async def test_deny_with_message(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        client, joined = await join_client(r, stack)
        advisor, _ = await join_advisor(r, stack)
        await advisor.send("deny", participant=joined["participant"],
                           message="Bitte rufen Sie uns an.")
        denied = await client.expect("denied")
        assert denied["message"] == "Bitte rufen Sie uns an."
        assert (await client.expect("bye"))["reason"] == "denied"
        assert await client.closed() == codes.CLOSE_NORMAL
        waiting_list = await advisor.expect("waiting-list", entries=[])
        assert waiting_list["entries"] == []
        await trio.sleep(0.1)
        audit = await r.server.services.audit.recent(appointment_id=r.appointment_id)
        assert AuditKind.CLIENT_DENIED in {entry.kind for entry in audit}


async def test_remove_an_admitted_client(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        client, joined = await join_client(r, stack)
        await client.send("publish-offer", sdp=publish_offer("cli1"))
        advisor, _ = await join_advisor(r, stack)
        await advisor.send("admit", participant=joined["participant"])
        first = await answer_offer(advisor, "as01")
        assert all(t["active"] for t in first["tracks"])
        await advisor.send("remove", participant=joined["participant"], message=None)
        assert (await client.expect("removed"))["message"] is None
        assert (await client.expect("bye"))["reason"] == "removed"
        participants = await advisor.expect("participants")
        assert [p["role"] for p in participants["participants"]] == ["advisor"]
        after = await advisor.expect("subscribe-offer")
        assert [t["active"] for t in after["tracks"]] == [False, False]  # the client's tracks end


async def test_advisor_leaves_and_comes_back(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        client, joined = await join_client(r, stack)
        advisor, _ = await join_advisor(r, stack)
        await advisor.send("publish-offer", sdp=publish_offer("adv1", base_ssrc=5000))
        await advisor.send("admit", participant=joined["participant"])
        await answer_offer(client, "cs01")
        await advisor.send("leave")
        assert (await advisor.expect("bye"))["reason"] == "left"
        assert (await client.expect("waiting"))["notice"] == "advisor-left"
        ended = await client.expect("subscribe-offer")
        assert [t["active"] for t in ended["tracks"]] == [False, False]
        advisor_again, _ = await join_advisor(r, stack)
        waiting_list = await advisor_again.expect("waiting-list")
        assert [e["id"] for e in waiting_list["entries"]] == [joined["participant"]]
        await client.send("subscribe-reset")  # the gate is closed again
        error = await client.expect("error")
        assert error["code"] == codes.NOT_ADMITTED


async def admit_and_drop(r: Room, advisor: Client, *, publish: str | None = None,
                         wait_offer: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """A client joins and is admitted; then its connection drops (a reload, a network change).
    Returns its `joined` and the last subscribe offer it saw (or {})."""
    offer: dict[str, Any] = {}
    async with connect(r.server, {"vt_consent": r.consent}) as first:
        await first.send("join", role="client", access_token=r.token)
        joined = await first.expect("joined")
        if publish is not None:
            await first.send("publish-offer", sdp=publish)
            await first.expect("publish-answer")
        await advisor.send("admit", participant=joined["participant"])
        await first.expect("admitted")
        if wait_offer:
            offer = await first.expect("subscribe-offer")
    return joined, offer


async def test_client_resumes_within_the_window(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        advisor, _ = await join_advisor(r, stack)
        await advisor.send("publish-offer", sdp=publish_offer("adv1", base_ssrc=5000))
        joined, _ = await admit_and_drop(r, advisor)
        offline = await advisor.expect("participants", where=lambda m: not all(
            p["online"] for p in m["participants"]))
        assert [p["online"] for p in offline["participants"] if p["role"] == "client"] == [False]
        client, again = await join_client(r, stack, resume=joined["resume_secret"])
        assert again["resumed"] and again["state"] == "admitted"
        assert again["participant"] == joined["participant"]
        assert again["resume_secret"] != joined["resume_secret"]
        await client.expect("admitted")
        offer = await client.expect("subscribe-offer")
        assert offer["fresh"]  # a reload: a new subscribe transport
        online = await advisor.expect("participants")
        assert all(p["online"] for p in online["participants"])


async def test_client_resume_after_the_window_waits_again(tmp_path: Path) -> None:
    async with room(tmp_path, resume_window=0.5) as r, AsyncExitStack() as stack:
        advisor, _ = await join_advisor(r, stack)
        joined, _ = await admit_and_drop(r, advisor)
        await trio.sleep(1.0)
        client, again = await join_client(r, stack, resume=joined["resume_secret"])
        assert not again["resumed"] and again["state"] == "waiting"
        assert (await client.expect("waiting"))["notice"] == "resume-expired"
        waiting_list = await advisor.expect("waiting-list", timeout=3, where=lambda m: any(
            e["id"] == again["participant"] for e in m["entries"]))
        assert [e["id"] for e in waiting_list["entries"]] == [again["participant"]]
        assert joined["participant"] not in r.server.hub.lobby.participants  # the old place


async def test_resume_keeping_transports_and_ice_restart(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        advisor, _ = await join_advisor(r, stack)
        await advisor.send("publish-offer", sdp=publish_offer("adv1", base_ssrc=5000))
        # the network drops after the subscribe offer, before the answer
        joined, lost = await admit_and_drop(r, advisor, publish=publish_offer("wifi"),
                                            wait_offer=True)
        client, again = await join_client(r, stack, resume=joined["resume_secret"],
                                          keep_transports=True)
        assert again["resumed"]
        repeated = await client.expect("subscribe-offer")
        assert repeated["version"] == lost["version"] and repeated["sdp"] == lost["sdp"]
        await client.send("subscribe-answer", sdp=answer_subscribe_offer(repeated["sdp"]),
                          version=repeated["version"])
        await client.send("publish-offer", sdp=publish_offer("lte1"))  # ICE restart
        answer = await client.expect("publish-answer")
        assert answer["ice_restart"] is True
        await client.send("publish-offer", sdp=publish_offer("lte1"))
        assert (await client.expect("publish-answer"))["ice_restart"] is False


async def test_echo_session(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server, connect(server) as echo:
        await echo.send("join", role="echo")
        joined = await echo.expect("joined")
        assert joined["state"] == "echo" and joined["resume_secret"] is None
        await echo.send("publish-offer", sdp=publish_offer("ech1"))
        await echo.expect("publish-answer")
        offer = await echo.expect("subscribe-offer")
        assert {t["participant"] for t in offer["tracks"]} == {joined["participant"]}
        await echo.send("subscribe-answer", sdp=answer_subscribe_offer(offer["sdp"]),
                        version=offer["version"])
        probe = await echo.expect("probe", timeout=3)
        await echo.send("probe-reply", nonce=probe["nonce"])
        stats = await echo.expect("echo-stats", timeout=3)
        assert stats["rtt_ms"] is not None and 0 <= stats["rtt_ms"] < 1000
        assert stats["packets"] == 0 and stats["loss_percent"] is None  # no media in this test
        await echo.send("admit", participant="p1")
        assert (await echo.expect("error"))["code"] == codes.FORBIDDEN
        await echo.send("leave")
        assert (await echo.expect("bye"))["reason"] == "left"


async def test_public_echo_is_rate_limited_but_token_holders_are_not(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server, AsyncExitStack() as stack:
        advisor_id = await server.advisor()
        _, token = await server.appointment(advisor_id)
        codes_seen = []
        for _ in range(4):
            echo = await stack.enter_async_context(connect(server))
            await echo.send("join", role="echo")
            first = await echo.next()
            codes_seen.append(first.get("code", first["type"]))
        assert codes_seen == ["joined", "joined", "joined", codes.ECHO_LIMIT]
        with_token = await stack.enter_async_context(connect(server))
        await with_token.send("join", role="echo", access_token=token)
        assert (await with_token.next())["type"] == "joined"
        await with_token.send("join", role="echo", access_token=token)
        assert (await with_token.expect("error"))["code"] == codes.ALREADY_JOINED


async def test_advisor_by_session_cookie(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        cookie = await r.server.login("alice")
        advisor = await stack.enter_async_context(connect(r.server, {"vt_session": cookie}))
        await advisor.send("join", role="advisor", appointment_id=r.appointment_id)
        assert (await advisor.next())["type"] == "joined"
        nobody = await stack.enter_async_context(connect(r.server))
        await nobody.send("join", role="advisor", appointment_id=r.appointment_id)
        assert (await nobody.next())["code"] == codes.ADVISOR_AUTH_REQUIRED


async def test_consent_withdrawal_ends_the_session(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        client, _ = await join_client(r, stack)
        await r.server.services.consent.withdraw(r.consent)
        assert (await client.expect("bye"))["reason"] == "consent-withdrawn"


async def test_graceful_shutdown_tells_everyone(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        client, _ = await join_client(r, stack)
        advisor, _ = await join_advisor(r, stack)
        r.server.services.shutting_down.set()
        for peer in (client, advisor):
            assert (await peer.expect("bye"))["reason"] == "server-shutdown"
            assert await peer.closed() == codes.CLOSE_GOING_AWAY
        late = await stack.enter_async_context(connect(r.server))
        assert (await late.next())["reason"] == "server-shutdown"


async def test_simulcast_publisher_and_a_stopped_screen_share(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        client, joined = await join_client(r, stack)
        advisor, advisor_joined = await join_advisor(r, stack)
        await advisor.send("publish-offer", sdp=CHROME_SIMULCAST_OFFER)
        answer = (await advisor.expect("publish-answer"))["sdp"]
        assert "a=simulcast:recv q;h;f" in answer  # three rids accepted (RFC 8853)
        await advisor.send("admit", participant=joined["participant"])
        offer = await answer_offer(client, "cs01")
        assert sorted(t["kind"] for t in offer["tracks"]) == ["audio", "video"]  # one m-line
        # the client shares its screen, then stops it (a stopped transceiver: port 0)
        await client.send("publish-offer", sdp=publish_offer("cli1", screen=True),
                          tracks={"2": "screen"})
        await client.expect("publish-answer")
        with_screen = await answer_offer(advisor, "as01")
        assert [t["source"] for t in with_screen["tracks"]] == ["microphone", "camera", "screen"]
        priorities = {p.mid: p.priority for p in r.server.plane.sfu.publications.values()
                      if p.transport_id == r.server.hub.bridge.endpoints[
                          joined["participant"]].publish.session_id}
        assert priorities == {"0": TrackPriority.AUDIO, "1": TrackPriority.CAMERA,
                              "2": TrackPriority.SCREEN}  # the screen outranks the camera
        await client.send("publish-offer", sdp=publish_offer("cli1", screen=True,
                                                             stopped=("2",)))
        assert "m=video 0 " in (await client.expect("publish-answer"))["sdp"]
        without = await answer_offer(advisor, "as01")
        assert [t["active"] for t in without["tracks"]] == [True, True, False]
        assert advisor_joined["participant"] != joined["participant"]


async def test_too_many_tracks_and_a_failing_request(tmp_path: Path, monkeypatch: Any) -> None:
    async with running_server(tmp_path) as server, connect(server) as echo:
        await echo.send("join", role="echo")
        await echo.expect("joined")
        sections = ["\r\n".join(video_section(str(mid), 3000 + 10 * mid)) for mid in range(2, 8)]
        many = publish_offer("ech1").replace("a=group:BUNDLE 0 1",
                                             "a=group:BUNDLE 0 1 2 3 4 5 6 7")
        await echo.send("publish-offer", sdp=many + "\r\n".join(sections) + "\r\n")
        assert (await echo.expect("error"))["code"] == codes.TOO_MANY_TRACKS

        def broken(*args: Any) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(server.hub.bridge, "publish_offer", broken)
        await echo.send("publish-offer", sdp=publish_offer("ech1"))
        assert (await echo.expect("error"))["code"] == codes.INTERNAL_ERROR
        await echo.send("ping")
        assert (await echo.expect("pong"))["type"] == "pong"  # still usable


async def test_a_silent_connection_is_closed_and_its_place_kept(tmp_path: Path) -> None:
    async with room(tmp_path) as r, AsyncExitStack() as stack:
        r.server.hub.connection_limits = ConnectionLimits(idle_timeout=1.0)
        advisor, _ = await join_advisor(r, stack)
        client, joined = await join_client(r, stack)
        for _ in range(3):  # the advisor keeps pinging; the client says nothing
            await trio.sleep(0.6)
            await advisor.send("ping")
        assert (await client.expect("bye", timeout=3))["reason"] == "idle-timeout"
        assert await client.closed() == codes.CLOSE_GOING_AWAY
        entries = (await advisor.expect("waiting-list", where=lambda m: m["entries"] and not
                                        m["entries"][0]["connected"]))["entries"]
        assert [e["id"] for e in entries] == [joined["participant"]]  # resumable for a while
