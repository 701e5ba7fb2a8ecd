"""Signalling our server through its test-only HTTP path (`media.dev_signalling = true`).

No rooms, no gate: each participant publishes (`/_dev/publish`) and subscribes to its
partner's publications (`/_dev/subscribe`, `/_dev/subscribe/answer`). Kept for runs where the
WebSocket protocol is not wanted (or not served); the media path is the same.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import trio

from bench.engine import MediaEngine
from bench.participant import Participant
from bench.targets.base import Negotiator, Room


class DevSignalling:
    name = "dev-http"
    description = "test-only HTTP signalling (/_dev/*)"

    def __init__(self, http_url: str) -> None:
        self.http_url = http_url

    async def prepare(self, rooms: list[Room]) -> None:
        return None  # nothing exists before the first publish

    async def connect(self, participant: Participant, room: Room, negotiator: Negotiator,
                      engine: MediaEngine) -> None:
        async with httpx.AsyncClient(base_url=self.http_url, timeout=30) as http:
            participant.opened_at = time.time()
            reply = await _post(http, "/_dev/publish", {"sdp": negotiator.publish_offer()})
            room.data[f"publications{participant.number}"] = list(reply["publications"])
            negotiator.publish_answered(reply["sdp"])
            room.published[participant.number].set()
            partner = room.partner(participant)
            await room.published[partner.number].wait()
            offer = await _post(http, "/_dev/subscribe",
                                {"publications": room.data[f"publications{partner.number}"]})
            _, answer = negotiator.subscribe_offered(offer["sdp"])
            done = await _post(http, "/_dev/subscribe/answer",
                               {"session_id": offer["session_id"], "sdp": answer})
            if not done.get("ok"):
                raise RuntimeError(f"subscribe answer refused: {done}")
            negotiator.answer_sent()
        await trio.sleep_forever()


async def _post(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(path, json=body)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code} {response.text[:200]}")
    result: dict[str, Any] = response.json()
    return result
