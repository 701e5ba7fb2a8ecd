"""The real server for signalling tests: storage, media plane, signalling and hypercorn, as
`server.runtime` wires them, inside the test's nursery on 127.0.0.1 (plus the test pages).

Also: helpers to make advisors, appointments with known access tokens and consents, and a
small trio-websocket client speaking the protocol.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import trio
from argon2 import PasswordHasher, Type
from hypercorn.config import Config as HyperConfig
from hypercorn.trio import serve
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from trio_websocket import ConnectionClosed, WebSocketConnection, open_websocket_url

from bench.inprocess_server import MediaSettings
from server.accounts.passwords import Passwords
from server.app import create_app
from server.clock import ManualClock
from server.config import (
    Config,
    MailConfig,
    SignallingConfig,
    StorageConfig,
    TurnConfig,
)
from server.media_plane import MediaPlane, run_media_plane
from server.services import Services, open_services
from server.signalling.service import SignallingService, run_signalling
from server.tokens import new_token, token_hash
from signalling.advisor_token import mint_advisor_token

PAGES = Path(__file__).parent / "pages"
ADVISOR_SECRET = "test-advisor-token-secret-0123456789"


@dataclass
class Server:
    http_url: str
    ws_url: str
    services: Services
    plane: MediaPlane
    signalling: SignallingService
    clock: ManualClock
    config: Config

    @property
    def hub(self) -> Any:
        return self.signalling.hub

    async def advisor(self, username: str = "alice", name: str = "Alice Advisor") -> int:
        advisor, _ = await self.services.accounts.add(username, name,
                                                      password="correct horse battery")
        return advisor.id

    async def login(self, username: str) -> str:
        """A session cookie value for the advisor (the console's login)."""
        from server.accounts.sessions import LoggedIn

        outcome = await self.services.sessions.login(username, "correct horse battery",
                                                     "127.0.0.1")
        assert isinstance(outcome, LoggedIn)
        return outcome.cookie_value

    async def appointment(self, advisor_id: int, *, client_name: str = "Erika Mustermann",
                          minutes_ahead: int = 10, duration: int = 30) -> tuple[int, str]:
        """(appointment id, access token): the token the e-mail would have carried."""
        start = self.clock.now() + timedelta(minutes=minutes_ahead)
        created = await self.services.appointments.create(advisor_id, {
            "topic": "Wohngeld", "start": start.isoformat(), "duration_minutes": duration,
            "client_name": client_name, "client_email": "erika@example.org", "language": "de",
        })
        token = new_token()
        now = self.clock.now()
        work = await self.services.repo.claim_due_mail(now, now + timedelta(hours=1),
                                                       token_hash(token))
        assert work is not None and work.appointment.id == created.id
        return created.id, token

    async def consent(self, token: str) -> str:
        from server.consent import ConsentGiven

        given = await self.services.consent.give(token)
        assert isinstance(given, ConsentGiven)
        return given.cookie_value

    def advisor_token(self, advisor_id: int, appointment_id: int | None = None,
                      hours: float = 8) -> str:
        expires = int(datetime.now(UTC).timestamp() + hours * 3600)
        return mint_advisor_token(ADVISOR_SECRET.encode(), advisor_id, expires, appointment_id)


def make_config(tmp_path: Path, turn: TurnConfig | None = None) -> Config:
    return Config(storage=StorageConfig(data_dir=str(tmp_path / "data")),
                  mail=MailConfig(from_address="termine@amt.example"),
                  signalling=SignallingConfig(advisor_token_secret=ADVISOR_SECRET),
                  turn=turn or TurnConfig())


def fast_passwords() -> Passwords:
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID))


@asynccontextmanager
async def running_server(tmp_path: Path, turn: TurnConfig | None = None,
                         resume_window: float | None = None) -> AsyncIterator[Server]:
    """Start everything; stop it (and every task) when the block ends."""
    config = make_config(tmp_path, turn)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    http_url = f"http://127.0.0.1:{port}"
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    try:
        async with open_services(config, public_url=http_url, clock=clock,
                                 passwords=fast_passwords()) as services, \
                trio.open_nursery() as nursery:
            plane: MediaPlane = await nursery.start(run_media_plane,
                                                    MediaSettings(dev_signalling=False))
            service: SignallingService = await nursery.start(run_signalling, config, services,
                                                             plane)
            if resume_window is not None:
                service.hub.lobby.resume_window = resume_window
            pages = Mount("/test", app=StaticFiles(directory=PAGES))
            app: Any = create_app(services, [*plane.routes, *service.routes, pages])
            hyper = HyperConfig()
            hyper.bind = [f"fd://{listener.fileno()}"]
            hyper.accesslog = None
            hyper.errorlog = None
            hyper.websocket_max_message_size = 4 * 1024 * 1024
            hyper.graceful_timeout = 2.0
            shutdown = trio.Event()
            await nursery.start(partial(serve, app, hyper, shutdown_trigger=shutdown.wait))
            try:
                yield Server(http_url, f"ws://127.0.0.1:{port}/ws", services, plane, service,
                             clock, config)
            finally:
                shutdown.set()
                nursery.cancel_scope.cancel()
    finally:
        try:
            listener.close()
        except OSError:
            pass


class Client:
    """A protocol client over trio-websocket that keeps every message it received."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []
        self._cursor = 0
        self._next_id = 1

    async def send(self, type_: str, **fields: Any) -> int:
        request_id = self._next_id
        self._next_id += 1
        await self.ws.send_message(json.dumps({"v": 1, "type": type_, "id": request_id,
                                               **fields}))
        return request_id

    async def send_raw(self, frame: str | bytes) -> None:
        await self.ws.send_message(frame)

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        with trio.fail_after(timeout):
            while self._cursor >= len(self.received):
                message = json.loads(await self.ws.get_message())
                self.received.append(message)
            self._cursor += 1
            return self.received[self._cursor - 1]

    async def expect(self, type_: str, timeout: float = 5.0,
                     where: Callable[[dict[str, Any]], bool] | None = None,
                     **match: Any) -> dict[str, Any]:
        """Skip to the next message of `type_` (matching fields and `where`); fail after
        `timeout`."""
        with trio.fail_after(timeout):
            while True:
                message = await self.next(timeout)
                if (message["type"] == type_ and all(message.get(k) == v
                                                     for k, v in match.items())
                        and (where is None or where(message))):
                    return message

    async def drain(self, seconds: float = 0.2) -> list[dict[str, Any]]:
        """Everything that arrives within `seconds`."""
        out = []
        with trio.move_on_after(seconds):
            while True:
                out.append(await self.next(seconds + 1))
        return out

    async def closed(self, timeout: float = 5.0) -> int | None:
        """Wait for the server to close; returns the close code."""
        with trio.fail_after(timeout):
            try:
                while True:
                    self.received.append(json.loads(await self.ws.get_message()))
            except ConnectionClosed as closed:
                return closed.reason.code if closed.reason else None


@asynccontextmanager
async def connect(server: Server, cookies: dict[str, str] | None = None,
                  origin: str | None = None) -> AsyncIterator[Client]:
    headers = []
    if cookies:
        headers.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    if origin:
        headers.append((b"origin", origin.encode()))
    async with open_websocket_url(server.ws_url, extra_headers=headers,
                                  max_message_size=8 * 1024 * 1024, disconnect_timeout=2,
                                  connect_timeout=5) as ws:
        yield Client(ws)
