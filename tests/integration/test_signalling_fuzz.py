"""Proof 6: malformed-message fuzzing of the WebSocket protocol against the real server.

Random bytes, random and mutated JSON, wrong types, deep nesting and huge frames get error
replies only (then a policy-violation close), while an advisor and an admitted client on the
same server keep being served.
"""

from __future__ import annotations

import json
import random
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import trio
from trio_websocket import ConnectionClosed

from signalling import codes
from tests.conftest import fuzz_budget
from tests.integration.signalling_harness import Client, connect, running_server
from tests.signalling.browser_sdp import publish_offer

VALID = [
    {"v": 1, "type": "join", "role": "client", "access_token": "A" * 43},
    {"v": 1, "type": "publish-offer", "sdp": publish_offer(), "tracks": {"0": "microphone"}},
    {"v": 1, "type": "subscribe-answer", "sdp": publish_offer(), "version": 1},
    {"v": 1, "type": "device-check", "camera": True, "rtt_ms": 30},
    {"v": 1, "type": "deny", "participant": "p1", "message": "x"},
    {"v": 1, "type": "ping", "id": 3},
]
WEIRD: list[Any] = [None, True, -1, 2**64, 1.5, "", "x" * 300, [], {}, [[[]]], {"a": {"b": 1}},
                    "\u202e"]


def random_frame(rng: random.Random) -> str | bytes:
    kind = rng.randrange(7)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    if kind == 1:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(1, 200)))
    base: dict[str, Any] = dict(rng.choice(VALID))
    if kind == 2:  # wrong types for existing fields
        key = rng.choice(list(base))
        base[key] = rng.choice(WEIRD)
        return json.dumps(base)
    if kind == 3:  # byte mutations of valid JSON
        raw = bytearray(json.dumps(base).encode())
        for _ in range(rng.randint(1, 8)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    if kind == 4:
        depth = rng.randrange(5, 3000)
        return '{"v":1,"type":"ping","x":' + "[" * depth + "]" * depth + "}"
    if kind == 5:
        return json.dumps({"v": 1, "type": "publish-offer", "sdp": "v=0\r\n" * 40_000})
    base[rng.choice(["extra", "type", "v"])] = rng.choice(WEIRD)
    return json.dumps(base)


async def fuzz_until_closed(server: Any, rng: random.Random, frames: int) -> tuple[
    set[str], int | None
]:
    """Send garbage until the server closes us; return (reply types, close code)."""
    async with connect(server) as fuzzer:
        try:
            for _ in range(frames):
                await fuzzer.send_raw(random_frame(rng))
            await fuzzer.send_raw("x" * (1024 * 1024))  # a huge frame
            for _ in range(40):
                await fuzzer.send_raw("}")
            code = await fuzzer.closed(timeout=10)
        except ConnectionClosed as closed:
            code = closed.reason.code if closed.reason else None
        codes_seen = {m.get("code") for m in fuzzer.received if m["type"] == "error"}
        assert codes_seen <= codes.ALL_CODES
        return {m["type"] for m in fuzzer.received}, code


async def fuzz_gently(server: Any, rng: random.Random, frames: int) -> None:
    """A few bad frames: each gets an error (or is a valid ping), the connection stays usable."""
    async with connect(server) as fuzzer:
        for _ in range(frames):
            await fuzzer.send_raw(random_frame(rng))
        await fuzzer.send("ping", id="after-fuzz")
        await fuzzer.expect("pong", re="after-fuzz")
        assert {m["type"] for m in fuzzer.received} <= {"error", "pong"}, fuzzer.received
        assert all(m["code"] in codes.ALL_CODES for m in fuzzer.received
                   if m["type"] == "error")


async def still_served(client: Client) -> None:
    with trio.fail_after(2):
        request = await client.send("ping")
        reply = await client.expect("pong")
        assert reply["re"] == request


async def test_garbage_gets_errors_and_others_keep_being_served(tmp_path: Path) -> None:
    rng = random.Random(20240611)
    async with running_server(tmp_path) as server, AsyncExitStack() as stack:
        advisor_id = await server.advisor()
        appointment_id, token = await server.appointment(advisor_id)
        consent = await server.consent(token)
        advisor = await stack.enter_async_context(connect(server))
        await advisor.send("join", role="advisor", appointment_id=appointment_id,
                           advisor_token=server.advisor_token(advisor_id))
        await advisor.expect("joined")
        client = await stack.enter_async_context(connect(server, {"vt_consent": consent}))
        await client.send("join", role="client", access_token=token)
        joined = await client.expect("joined")
        await advisor.send("admit", participant=joined["participant"])
        await client.expect("admitted")
        budget = fuzz_budget(short=400, long=40_000)
        for _ in range(budget // 10 // 2):
            await fuzz_gently(server, rng, 8)
        closes = []
        for _ in range(4):
            types, code = await fuzz_until_closed(server, rng, budget // 2 // 4)
            assert types <= {"error", "bye", "pong"}, types
            closes.append(code)
            await still_served(advisor)
            await still_served(client)
        assert closes == [codes.CLOSE_POLICY_VIOLATION] * 4
        # the lobby is intact: the advisor still decides, the client still is admitted
        await advisor.send("deny", participant=joined["participant"])
        assert (await advisor.expect("error"))["code"] == codes.NOT_WAITING
        assert server.hub.lobby.participants[joined["participant"]].admitted
        await trio.sleep(0.2)
        assert server.hub.link_count == 2
