"""Janus 1.1.2 videoroom as a target, driven through its own API over its WebSocket transport.

Per consultation one videoroom (created before the clock starts, like an appointment). Each
participant opens a WebSocket (`janus-protocol`), creates a session, attaches a publisher handle
and `joinandconfigure`s with its offer (Janus answers `a=setup:active`: we are DTLS server
there), then attaches a subscriber handle for the partner's feed as soon as it is announced,
answers Janus's offer and `start`s. The same participants and media as for our server.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, open_websocket_url

from bench.engine import MediaEngine
from bench.janus_process import JanusProcess, running_janus
from bench.netns import Namespace
from bench.participant import Participant
from bench.targets.base import Negotiator, ProcessBacked, Room
from media.certificate import DtlsCertificate

PLUGIN = "janus.plugin.videoroom"
KEEPALIVE = 25.0  # s, as janus.js (the server's session_timeout is 60 s)
ROOM_BASE = 1000


class JanusError(RuntimeError):
    pass


class JanusConnection:
    """One WebSocket to Janus: requests by transaction, events by handle."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self.session_id = 0
        self._ids = itertools.count(1)
        self._replies: dict[str, trio.MemorySendChannel[dict[str, Any]]] = {}
        self._events: dict[int, trio.MemorySendChannel[dict[str, Any]]] = {}
        self._event_receivers: dict[int, trio.MemoryReceiveChannel[dict[str, Any]]] = {}

    async def reader(self) -> None:
        try:
            while True:
                message = json.loads(await self.ws.get_message())
                kind = message.get("janus")
                transaction = message.get("transaction")
                if kind in ("success", "error", "ack") and transaction in self._replies:
                    if kind == "ack" and "plugindata" not in message:
                        continue  # async request accepted: its result comes as an event
                    self._replies.pop(transaction).send_nowait(message)
                elif kind == "event" and transaction in self._replies and "jsep" not in message \
                        and message.get("plugindata", {}).get("data", {}).get("error"):
                    self._replies.pop(transaction).send_nowait(message)
                else:
                    sender = message.get("sender")
                    if isinstance(sender, int) and sender in self._events:
                        try:
                            self._events[sender].send_nowait(message)
                        except trio.WouldBlock:
                            pass
        except ConnectionClosed:
            return

    async def request(self, body: dict[str, Any], *, handle: int | None = None,
                      wait_event: bool = False, timeout: float = 20.0) -> dict[str, Any]:
        transaction = f"t{next(self._ids)}"
        send, receive = trio.open_memory_channel[dict[str, Any]](1)
        if not wait_event:
            self._replies[transaction] = send
        message = {**body, "transaction": transaction}
        if self.session_id:
            message["session_id"] = self.session_id
        if handle is not None:
            message["handle_id"] = handle
        await self.ws.send_message(json.dumps(message))
        if wait_event:
            return {}
        with trio.fail_after(timeout):
            reply = await receive.receive()
        if reply.get("janus") == "error":
            raise JanusError(str(reply.get("error")))
        error = reply.get("plugindata", {}).get("data", {}).get("error")
        if error:
            raise JanusError(str(error))
        return reply

    async def attach(self) -> int:
        reply = await self.request({"janus": "attach", "plugin": PLUGIN})
        handle = int(reply["data"]["id"])
        send, receive = trio.open_memory_channel[dict[str, Any]](64)
        self._events[handle] = send
        self._event_receivers[handle] = receive
        return handle

    async def message(self, handle: int, body: dict[str, Any],
                      jsep: dict[str, Any] | None = None) -> dict[str, Any]:
        """A plugin request; synchronous ones return their result, asynchronous ones {}."""
        request: dict[str, Any] = {"janus": "message", "body": body}
        if jsep is not None:
            request["jsep"] = jsep
        return await self.request(request, handle=handle, wait_event=body["request"] in (
            "joinandconfigure", "join", "start", "configure"))

    async def event(self, handle: int, timeout: float = 30.0) -> dict[str, Any]:
        with trio.fail_after(timeout):
            event = await self._event_receivers[handle].receive()
        error = event.get("plugindata", {}).get("data", {}).get("error")
        if error:
            raise JanusError(str(error))
        return event

    async def keepalive(self) -> None:
        while True:
            await trio.sleep(KEEPALIVE)
            await self.ws.send_message(json.dumps({"janus": "keepalive",
                                                   "session_id": self.session_id,
                                                   "transaction": f"k{next(self._ids)}"}))


class JanusTarget(ProcessBacked[JanusProcess]):
    name = "janus"
    signalling = "Janus videoroom API over its WebSocket transport"

    def __init__(self, certificate: DtlsCertificate, namespace: Namespace, cpu: int | None = 1,
                 twcc_feedback: bool = True, event_loops: int = 0) -> None:
        self.certificate = certificate
        self.namespace = namespace
        self.cpu = cpu
        self.twcc_feedback = twcc_feedback
        self.event_loops = event_loops
        loops = f"{event_loops} event loops" if event_loops else "a thread per handle"
        self.label = f"Janus 1.1.2 videoroom (C, {loops})"

    def __enter__(self) -> JanusTarget:
        self._start(running_janus(self.namespace, self.cpu, event_loops=self.event_loops))
        return self

    async def prepare(self, rooms: list[Room]) -> None:
        """Create one videoroom per consultation, over one admin connection."""
        assert self._process is not None
        async with open_websocket_url(self._process.ws_url, subprotocols=["janus-protocol"],
                                      connect_timeout=10) as ws, trio.open_nursery() as nursery:
            janus = JanusConnection(ws)
            nursery.start_soon(janus.reader)
            janus.session_id = int((await janus.request({"janus": "create"}))["data"]["id"])
            handle = await janus.attach()
            for room in rooms:
                number = ROOM_BASE + room.index
                await janus.message(handle, {
                    "request": "create", "room": number, "publishers": 2,
                    "audiocodec": "opus", "videocodec": "vp8", "permanent": False,
                    "notify_joining": False, "bitrate": 0, "fir_freq": 0,
                })
                room.data["janus_room"] = number
            await janus.request({"janus": "destroy"})
            nursery.cancel_scope.cancel()

    async def connect(self, participant: Participant, room: Room, engine: MediaEngine,
                      *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
                      ) -> None:
        assert self._process is not None
        negotiator = Negotiator(participant, engine, self.certificate, self.twcc_feedback,
                                client_host=self.namespace.client_host)
        number = room.data["janus_room"]
        async with open_websocket_url(self._process.ws_url, subprotocols=["janus-protocol"],
                                      connect_timeout=20) as ws, trio.open_nursery() as nursery:
            participant.opened_at = time.time()
            janus = JanusConnection(ws)
            nursery.start_soon(janus.reader)
            janus.session_id = int((await janus.request({"janus": "create"}))["data"]["id"])
            nursery.start_soon(janus.keepalive)
            publisher = await janus.attach()
            offer = negotiator.publish_offer()
            await janus.message(publisher, {
                "request": "joinandconfigure", "room": number, "ptype": "publisher",
                "display": participant.cname, "audio": True, "video": True,
            }, {"type": "offer", "sdp": offer, "trickle": False})
            answer = None
            partner_feed = None
            while answer is None:  # "joined" carries the answer and the active publishers
                event = await janus.event(publisher)
                partner_feed = partner_feed or _announced(event)
                if "jsep" in event:
                    answer = event["jsep"]["sdp"]
            negotiator.publish_answered(answer)
            task_status.started()
            while partner_feed is None:  # as janus.js: subscribe when the feed is announced
                partner_feed = _announced(await janus.event(publisher, timeout=60))
            subscriber = await janus.attach()
            await janus.message(subscriber, {
                "request": "join", "room": number, "ptype": "subscriber",
                "streams": [{"feed": partner_feed}],
            })
            offer_event = await _event_with_jsep(janus, subscriber)
            _, answer_sdp = negotiator.subscribe_offered(offer_event["jsep"]["sdp"])
            await janus.message(subscriber, {"request": "start"},
                                {"type": "answer", "sdp": answer_sdp, "trickle": False})
            await janus.event(subscriber)  # "started": Janus has applied the answer
            negotiator.answer_sent()
            await trio.sleep_forever()


def _announced(event: dict[str, Any]) -> int | None:
    """The first publisher feed announced in a videoroom event (the partner's, in a 1:1)."""
    publishers = event.get("plugindata", {}).get("data", {}).get("publishers") or []
    return int(publishers[0]["id"]) if publishers else None


async def _event_with_jsep(janus: JanusConnection, handle: int) -> dict[str, Any]:
    while True:
        event = await janus.event(handle)
        if "jsep" in event:
            return event

