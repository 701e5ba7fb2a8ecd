"""Proof 3: gate bypass attempts against the real server — each refused with a clear error, and
nothing about the room leaks to the one trying."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import trio_websocket

from signalling import codes
from tests.integration.signalling_harness import Client, Server, connect, running_server
from tests.signalling.browser_sdp import answer_subscribe_offer, publish_offer

ALLOWED_WHILE_WAITING = {"joined", "waiting", "publish-answer", "transport", "pong", "error"}


async def first_reply(server: Server, join: dict[str, Any],
                      cookies: dict[str, str] | None = None) -> dict[str, Any]:
    async with connect(server, cookies) as client:
        await client.send("join", **join)
        return await client.next()


def assert_nothing_leaked(client: Client, *secrets: str) -> None:
    assert {m["type"] for m in client.received} <= ALLOWED_WHILE_WAITING, client.received
    text = repr(client.received)
    for secret in secrets:
        assert secret not in text


async def test_waiting_client_cannot_pull_the_rooms_media(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server, AsyncExitStack() as stack:
        advisor_id = await server.advisor("alice", "Alice Advisor")
        appointment_id, token = await server.appointment(advisor_id)
        consent = await server.consent(token)
        advisor = await stack.enter_async_context(connect(server))
        await advisor.send("join", role="advisor", appointment_id=appointment_id,
                           advisor_token=server.advisor_token(advisor_id))
        advisor_joined = await advisor.expect("joined")
        await advisor.send("publish-offer", sdp=publish_offer("adv1", base_ssrc=5000))
        await advisor.expect("publish-answer")
        client = await stack.enter_async_context(connect(server, {"vt_consent": consent}))
        await client.send("join", role="client", access_token=token)
        joined = await client.expect("joined")
        # 1. an offer asking to receive (sendrecv m-lines): the SFU only ever receives
        await client.send("publish-offer", sdp=publish_offer("cli1", direction="sendrecv"))
        answer = (await client.expect("publish-answer"))["sdp"]
        assert "a=sendonly" not in answer and "a=sendrecv" not in answer
        assert answer.count("a=recvonly") == 2
        # 2. a forged subscribe answer, a request for a fresh subscribe transport
        forged = answer_subscribe_offer(publish_offer("x"))
        await client.send("subscribe-answer", sdp=forged, version=1)
        assert (await client.expect("error"))["code"] == codes.NOT_ADMITTED
        await client.send("subscribe-reset")
        assert (await client.expect("error"))["code"] == codes.NOT_ADMITTED
        # 3. advisor-only commands
        await client.send("admit", participant=joined["participant"])
        assert (await client.expect("error"))["code"] == codes.FORBIDDEN
        await client.send("remove", participant=advisor_joined["participant"])
        assert (await client.expect("error"))["code"] == codes.FORBIDDEN
        assert await client.drain(0.3) == []
        # 4. the SFU: no subscribe transport for the client, nothing of it offered to anyone
        bridge = server.hub.bridge
        assert bridge.endpoints[joined["participant"]].subscribe is None
        assert bridge.endpoints[joined["participant"]].publish is not None
        assert bridge.subscriptions_created == 0
        advisor_side = bridge.endpoints[advisor_joined["participant"]].subscribe
        assert advisor_side is None
        for session in server.plane.sfu.sessions.values():
            assert session.subscriptions == {}
        assert not server.hub.lobby.may_forward(advisor_joined["participant"],
                                                joined["participant"])
        assert_nothing_leaked(client, "Alice", advisor_joined["participant"])


async def test_access_token_attempts(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        advisor_id = await server.advisor()
        appointment_a, token_a = await server.appointment(advisor_id)
        appointment_b, token_b = await server.appointment(advisor_id, client_name="Bea")
        early_id, early_token = await server.appointment(advisor_id, minutes_ahead=120)
        short_id, short_token = await server.appointment(advisor_id, minutes_ahead=10,
                                                         duration=5)
        consent_a = await server.consent(token_a)
        consent_b = await server.consent(token_b)
        consent_short = await server.consent(short_token)
        forged = token_a[:-2] + ("AA" if not token_a.endswith("AA") else "BB")
        cases = [
            ({"role": "client"}, {"vt_consent": consent_a}, codes.ACCESS_DENIED),
            ({"role": "client", "access_token": forged}, {"vt_consent": consent_a},
             codes.ACCESS_DENIED),
            ({"role": "client", "access_token": "not a token"}, {}, codes.ACCESS_DENIED),
            ({"role": "client", "access_token": token_a}, {}, codes.CONSENT_REQUIRED),
            # another room's consent does not open this room
            ({"role": "client", "access_token": token_a}, {"vt_consent": consent_b},
             codes.CONSENT_REQUIRED),
            ({"role": "client", "access_token": early_token}, {}, codes.ACCESS_TOO_EARLY),
            ({"role": "echo", "access_token": forged}, {}, codes.ACCESS_DENIED),
        ]
        for join, cookies, code in cases:
            reply = await first_reply(server, join, cookies)
            assert (reply["type"], reply["code"]) == ("error", code), (join, reply)
        await server.services.appointments.cancel(advisor_id, appointment_b)
        reply = await first_reply(server, {"role": "client", "access_token": token_b},
                                  {"vt_consent": consent_b})
        assert reply["code"] == codes.ACCESS_CANCELLED
        server.clock.advance(timedelta(minutes=20))  # the short appointment is over
        reply = await first_reply(server, {"role": "client", "access_token": short_token},
                                  {"vt_consent": consent_short})
        assert reply["code"] == codes.ACCESS_OVER
        # a token of room B lands in room B, whatever the message claims
        async with connect(server) as advisor_a, \
                connect(server, {"vt_consent": consent_short}) as other:
            server.clock.advance(timedelta(minutes=-20))
            await advisor_a.send("join", role="advisor", appointment_id=appointment_a,
                                 advisor_token=server.advisor_token(advisor_id))
            assert (await advisor_a.expect("waiting-list"))["entries"] == []
            await advisor_a.expect("participants")
            await other.send("join", role="client", access_token=short_token,
                             appointment_id=appointment_a)
            assert (await other.expect("joined"))["state"] == "waiting"
            assert await advisor_a.drain(0.3) == []  # nobody new in room A
            assert short_id != appointment_a and early_id != appointment_a


async def test_advisor_attempts(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        alice = await server.advisor("alice", "Alice")
        bob = await server.advisor("bob", "Bob")
        appointment, _ = await server.appointment(alice)
        bobs_appointment, _ = await server.appointment(bob)
        bob_cookie = await server.login("bob")
        expired = server.advisor_token(alice, hours=-1)
        forged = server.advisor_token(alice)[:-4] + "AAAA"
        cases = [
            ({"advisor_token": server.advisor_token(bob)}, None, codes.NOT_YOUR_ROOM),
            ({"advisor_token": server.advisor_token(alice, bobs_appointment)}, None,
             codes.NOT_YOUR_ROOM),
            ({"advisor_token": server.advisor_token(alice, appointment_id=999)}, None,
             codes.NOT_YOUR_ROOM),
            ({"advisor_token": expired}, None, codes.ADVISOR_TOKEN_EXPIRED),
            ({"advisor_token": forged}, None, codes.ADVISOR_TOKEN_INVALID),
            ({}, {"vt_session": bob_cookie}, codes.NOT_YOUR_ROOM),
            ({}, {"vt_session": "A" * 43}, codes.ADVISOR_AUTH_REQUIRED),
            ({}, None, codes.ADVISOR_AUTH_REQUIRED),
        ]
        for extra, cookies, code in cases:
            join = {"role": "advisor", "appointment_id": appointment, **extra}
            reply = await first_reply(server, join, cookies)
            assert (reply["type"], reply["code"]) == ("error", code), (extra, reply)
        reply = await first_reply(server, {"role": "advisor"}, None)
        assert reply["code"] == codes.BAD_MESSAGE  # the room is required


async def test_replaying_another_sessions_resume_secret(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server, AsyncExitStack() as stack:
        advisor_id = await server.advisor()
        appointment_a, token_a = await server.appointment(advisor_id)
        _, token_b = await server.appointment(advisor_id, client_name="Bea")
        consent_a = await server.consent(token_a)
        consent_a2 = await server.consent(token_a)  # the same link, another visit/device
        consent_b = await server.consent(token_b)
        async with connect(server, {"vt_consent": consent_a}) as victim:
            await victim.send("join", role="client", access_token=token_a)
            secret = (await victim.expect("joined"))["resume_secret"]
        attempts: list[tuple[dict[str, Any], dict[str, str] | None]] = [
            ({"role": "client", "access_token": token_b}, {"vt_consent": consent_b}),
            ({"role": "client", "access_token": token_a}, {"vt_consent": consent_a2}),
            ({"role": "advisor", "appointment_id": appointment_a,
              "advisor_token": server.advisor_token(advisor_id)}, None),
        ]
        for join, cookies in attempts:
            reply = await first_reply(server, {**join, "resume": secret}, cookies)
            assert (reply["type"], reply["code"]) == ("error", codes.RESUME_INVALID), join
        owner = await stack.enter_async_context(connect(server, {"vt_consent": consent_a}))
        await owner.send("join", role="client", access_token=token_a, resume=secret)
        assert (await owner.expect("joined"))["resumed"] is True


async def test_foreign_origin_cannot_open_the_socket(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server:
        with pytest.raises(trio_websocket.HandshakeError):
            async with connect(server, origin="https://evil.example"):
                pass
        async with connect(server, origin=server.http_url) as same_origin:
            await same_origin.send("ping")
            assert (await same_origin.next())["type"] == "pong"
