"""The signalling service in the server process: the hub, its background tasks and its route.

`run_signalling` is started in the process nursery after the media plane
(`await nursery.start(run_signalling, config, services, plane)`); it reports a
`SignallingService` whose `routes` go into the ASGI app next to the plane's. Its tasks: the
hub's timers (resume windows, echo probes), SFU transport events, withdrawn consents, audit
writes, and the graceful shutdown (on `services.shutting_down`: stop admitting, say goodbye).
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass, field

import trio
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket

from server.config import Config
from server.media_plane import MediaPlane
from server.services import Services
from server.signalling.endpoint import serve_websocket
from server.signalling.hub import Hub, TurnSettings
from server.signalling.identity import IdentityResolver
from server.storage.records import AuditKind
from signalling.effects import AuditEvent

log = logging.getLogger("videotermin.signalling")

WEBSOCKET_PATH = "/ws"
AUDIT_QUEUE = 1024
SHUTDOWN_FLUSH = 1.0  # s for goodbyes to reach the browsers before hypercorn's own bound
_AUDIT_KINDS = {"admitted": AuditKind.CLIENT_ADMITTED, "denied": AuditKind.CLIENT_DENIED,
                "removed": AuditKind.CLIENT_REMOVED}


@dataclass
class SignallingService:
    hub: Hub
    routes: list[BaseRoute] = field(default_factory=list)


def advisor_token_secret(config: Config) -> bytes:
    """The configured secret; empty config means a random one per process (CLI tokens off)."""
    configured = config.signalling.advisor_token_secret
    return configured.encode("utf-8") if configured else secrets.token_bytes(32)


def build_service(config: Config, services: Services, plane: MediaPlane,
                  audit_send: trio.MemorySendChannel[AuditEvent]) -> SignallingService:
    def audit(event: AuditEvent) -> None:
        try:
            audit_send.send_nowait(event)
        except trio.WouldBlock:
            log.warning("audit queue full: an admission event was not recorded")

    turn = TurnSettings(config.turn.servers, config.turn.shared_secret,
                        config.turn.credential_lifetime_seconds)
    hub = Hub(plane, IdentityResolver(services, advisor_token_secret(config)), turn, audit=audit)
    public_url = services.public_url
    trust = config.http.trust_forwarded_for

    async def websocket_route(websocket: WebSocket) -> None:
        await serve_websocket(websocket, hub, public_url, trust)

    return SignallingService(hub, [WebSocketRoute(WEBSOCKET_PATH, websocket_route)])


async def run_signalling(config: Config, services: Services, plane: MediaPlane, *,
                         task_status: trio.TaskStatus[SignallingService] = trio.TASK_STATUS_IGNORED
                         ) -> None:
    audit_send, audit_receive = trio.open_memory_channel[AuditEvent](AUDIT_QUEUE)
    service = build_service(config, services, plane, audit_send)
    hub = service.hub
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_timers, hub)
        nursery.start_soon(_sfu_events, hub, plane)
        nursery.start_soon(_consent_events, hub, services)
        nursery.start_soon(_audit_writer, services, audit_receive)
        nursery.start_soon(_shutdown_watch, hub, services)
        task_status.started(service)


async def _timers(hub: Hub) -> None:
    while True:
        deadline = hub.get_timer()
        with trio.move_on_at(deadline if math.isfinite(deadline) else math.inf):
            await hub.wakeup.wait()
        hub.wakeup = trio.Event()
        hub.handle_timer(trio.current_time())


async def _sfu_events(hub: Hub, plane: MediaPlane) -> None:
    async with plane.events.subscribe() as events:
        async for event in events:
            hub.on_sfu_event(event, trio.current_time())


async def _consent_events(hub: Hub, services: Services) -> None:
    async with services.events.subscribe() as events:
        async for event in events:
            hub.on_consent_withdrawn(event, trio.current_time())


async def _audit_writer(services: Services,
                        events: trio.MemoryReceiveChannel[AuditEvent]) -> None:
    async with events:
        async for event in events:
            try:
                await services.audit.record(_AUDIT_KINDS[event.action],
                                            advisor_id=event.advisor_id,
                                            appointment_id=event.room_id)
            except Exception:  # storage trouble must not end signalling; it is logged
                log.exception("could not write an admission audit entry")


async def _shutdown_watch(hub: Hub, services: Services) -> None:
    await services.shutting_down.wait()
    log.info("graceful shutdown: no more admissions; telling %d connections", hub.link_count)
    hub.begin_shutdown()
