"""Signalling our server like the browsers do: the WebSocket protocol of docs/signalling.md.

Before the clock starts (what happens before anyone joins): the bench advisor logs in once
(`POST /api/session`), creates one appointment per consultation (`POST /api/appointments`),
the access link is read from the e-mail in the server's outbox, and the client gives consent
(`POST /t/{token}/consent`), which sets the visit's consent cookie.

Then per participant, over trio-websocket: the advisor joins its room with the session
cookie, publishes, and admits whoever appears in its waiting list; the client joins with its
access token and consent cookie, publishes while waiting, and is offered the advisor's tracks
once admitted. Both answer every subscribe offer (renegotiations included).
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import trio
from trio_websocket import WebSocketConnection, open_websocket_url

from bench.engine import MediaEngine
from bench.participant import Participant
from bench.targets.base import Negotiator, Room

log = logging.getLogger("bench")
LINK = re.compile(r"/t/([A-Za-z0-9_-]{16,})")
PREPARE_CONCURRENCY = 8
PING_INTERVAL = 20.0  # s
TRACKS = {"0": "microphone", "1": "camera"}  # the mids of bench.client_sdp.publish_offer


class WebSocketSignalling:
    name = "websocket"
    description = "WebSocket signalling (docs/signalling.md), advisor admits the client"

    def __init__(self, http_url: str, ws_url: str, outbox: Path, advisor: str,
                 password: str) -> None:
        self.http_url = http_url
        self.ws_url = ws_url
        self.outbox = outbox
        self.advisor = advisor
        self.password = password
        self.session_cookie: str | None = None
        self.csrf: str | None = None

    async def _login(self, http: httpx.AsyncClient) -> None:
        if self.session_cookie is not None:
            http.cookies.set("vt_session", self.session_cookie)
            return
        response = await http.post("/api/session",
                                   json={"username": self.advisor, "password": self.password})
        if response.status_code != 200:
            raise RuntimeError(f"advisor login failed: HTTP {response.status_code}")
        self.session_cookie = response.cookies.get("vt_session")
        self.csrf = response.json().get("csrf_token")

    async def prepare(self, rooms: list[Room]) -> None:
        async with httpx.AsyncClient(base_url=self.http_url, timeout=30) as http:
            await self._login(http)
            limiter = trio.CapacityLimiter(PREPARE_CONCURRENCY)
            async with trio.open_nursery() as nursery:
                for room in rooms:
                    nursery.start_soon(self._prepare_room, http, room, limiter)

    async def _prepare_room(self, http: httpx.AsyncClient, room: Room,
                            limiter: trio.CapacityLimiter) -> None:
        async with limiter:
            start = datetime.now(UTC) + timedelta(minutes=5)
            response = await http.post(
                "/api/appointments",
                json={"topic": "Lasttest", "start": start.isoformat(), "duration_minutes": 120,
                      "client_name": f"Client {room.index}",
                      "client_email": f"client{room.index}@example.org", "language": "de"},
                headers={"x-csrf-token": self.csrf or ""},  # the session cookie is in the jar
            )
            if response.status_code != 201:
                raise RuntimeError(f"appointment refused: {response.status_code} {response.text}")
            appointment = int(response.json()["id"])
            token = await self._access_token(appointment)
            consent = await http.post(f"/t/{token}/consent", data={"agree": "yes"},
                                      follow_redirects=False)
            cookie = consent.cookies.get("vt_consent")
            if cookie is None:
                raise RuntimeError(f"consent refused: HTTP {consent.status_code}")
            room.data.update(appointment=appointment, token=token, consent=cookie)

    async def _access_token(self, appointment: int, timeout: float = 20.0) -> str:
        """The access link from the invitation e-mail the server wrote to its outbox."""
        with trio.fail_after(timeout):
            while True:
                for path in self.outbox.glob(f"appointment-{appointment}-mail-*.eml"):
                    found = LINK.search(path.read_text(errors="replace"))
                    if found:
                        return found.group(1)
                await trio.sleep(0.05)

    async def connect(self, participant: Participant, room: Room, negotiator: Negotiator,
                      engine: MediaEngine) -> None:
        advisor = participant is room.advisor
        cookie = (f"vt_session={self.session_cookie}" if advisor
                  else f"vt_consent={room.data['consent']}")
        participant.opened_at = time.time()
        async with open_websocket_url(self.ws_url, extra_headers=[(b"cookie", cookie.encode())],
                                      connect_timeout=20, disconnect_timeout=2,
                                      max_message_size=1 << 20) as ws:
            session = _Session(ws)
            if advisor:
                await session.send("join", role="advisor", appointment_id=room.data["appointment"])
            else:
                await session.send("join", role="client", access_token=room.data["token"])
            joined = await session.expect("joined")
            log.debug("p%d joined as %s (%s)", participant.number, joined["role"], joined["state"])
            await session.send("publish-offer", sdp=negotiator.publish_offer(), tracks=TRACKS)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(session.keepalive)
                await self._serve(session, participant, negotiator, advisor)

    async def _serve(self, session: _Session, participant: Participant,
                     negotiator: Negotiator, advisor: bool) -> None:
        admitted: set[str] = set()
        while True:
            message = await session.receive()
            kind = message["type"]
            if kind == "publish-answer":
                negotiator.publish_answered(message["sdp"])
            elif kind == "subscribe-offer":
                _, answer = negotiator.subscribe_offered(message["sdp"],
                                                         fresh=bool(message.get("fresh", True)))
                await session.send("subscribe-answer", sdp=answer, version=message["version"])
                negotiator.answer_sent()
            elif kind == "waiting-list" and advisor:
                for entry in message.get("entries", []):
                    if entry.get("connected", True) and entry["id"] not in admitted:
                        admitted.add(entry["id"])
                        await session.send("admit", participant=entry["id"])
            elif kind == "track-pause":  # the SFU paused or resumed one of our video m-lines
                participant.track_pauses.append((time.time(), str(message.get("mid")),
                                                 bool(message.get("paused"))))
            elif kind == "probe":
                await session.send("probe-reply", nonce=message["nonce"])
            elif kind == "error":
                log.warning("p%d: server error %s: %s", participant.number,
                            message.get("code"), message.get("message"))
            elif kind in ("bye", "denied", "removed"):
                raise RuntimeError(f"the server ended the session: {message}")


class _Session:
    """One signalling connection: JSON frames of protocol version 1."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self._next_id = 1

    async def send(self, type_: str, **fields: Any) -> None:
        request_id = self._next_id
        self._next_id += 1
        await self.ws.send_message(json.dumps({"v": 1, "type": type_, "id": request_id,
                                               **fields}))

    async def receive(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await self.ws.get_message())
        return message

    async def expect(self, type_: str, timeout: float = 20.0) -> dict[str, Any]:
        with trio.fail_after(timeout):
            while True:
                message = await self.receive()
                if message["type"] == type_:
                    return message
                if message["type"] == "error":
                    raise RuntimeError(f"{message.get('code')}: {message.get('message')}")

    async def keepalive(self) -> None:
        while True:
            await trio.sleep(PING_INTERVAL)
            await self.send("ping")
