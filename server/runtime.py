"""The server process: one trio nursery holding storage, mail, retention, media and HTTP.

Start-up order: bind the HTTP socket (so the public URL is known even with port 0), open
storage (migrations), purge expired data, start the mail task and the media plane, then serve
HTTP with hypercorn's trio worker and report readiness. SIGTERM/SIGINT start a graceful
shutdown: /healthz turns 503, hypercorn stops accepting and lets requests finish within
`http.graceful_shutdown_seconds`, then everything else is cancelled. A second signal ends at once.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import trio
from hypercorn.config import Config as HyperConfig
from hypercorn.trio import serve

from server.accounts.passwords import Passwords
from server.app import create_app
from server.clock import Clock
from server.config import Config, HttpConfig
from server.mail.transport import MailTransport
from server.media_plane import MediaPlane, run_media_plane
from server.services import Services, open_services
from server.signalling.service import SignallingService, run_signalling

log = logging.getLogger(__name__)

EXTRA_SHUTDOWN_GRACE = 5.0  # beyond hypercorn's own bound, for the other tasks to unwind


@dataclass(frozen=True, slots=True)
class RunningServer:
    """What `run_server` reports once it accepts connections."""

    http_address: tuple[str, int]
    http_url: str  # how to reach it locally, e.g. http://127.0.0.1:54321
    public_url: str  # what e-mails link to
    services: Services
    plane: MediaPlane
    request_shutdown: Callable[[], None]


def bind_http_socket(http: HttpConfig) -> socket.socket:
    """Bind (not listen) the HTTP socket ourselves: port 0 then yields the real port early."""
    family = socket.AF_INET6 if ":" in http.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((http.host, http.port))
    except OSError:
        sock.close()
        raise
    return sock


def _local_url(http: HttpConfig, address: tuple[str, int]) -> str:
    host, port = address[0], address[1]
    if host in ("0.0.0.0", "::"):
        host = "localhost"
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if http.tls_enabled else 'http'}://{host}:{port}"


def hypercorn_config(config: Config, fd: int) -> HyperConfig:
    hyper = HyperConfig()
    hyper.bind = [f"fd://{fd}"]
    # Signalling frames are small; refuse big ones before they are buffered (the protocol's own
    # limit, 128 KiB, then answers with a clear error).
    hyper.websocket_max_message_size = 256 * 1024
    hyper.accesslog = None  # request paths carry access tokens: never log them
    hyper.errorlog = logging.getLogger("hypercorn.error")
    hyper.graceful_timeout = config.http.graceful_shutdown_seconds
    hyper.include_server_header = False
    if config.http.tls_enabled:
        hyper.certfile = config.http.tls_cert
        hyper.keyfile = config.http.tls_key
    return hyper


async def _watch_signals(shutdown: trio.Event, hard_stop: trio.CancelScope) -> None:
    try:
        receiver = trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT)
    except RuntimeError:  # not the main thread (e.g. embedded in a test runner's worker)
        return
    with receiver as signals:
        async for signum in signals:
            if shutdown.is_set():
                log.warning("second signal %d: stopping now", signum)
                hard_stop.cancel()
                return
            log.info("signal %d: graceful shutdown", signum)
            shutdown.set()


async def run_server(
    config: Config, *, task_status: trio.TaskStatus[RunningServer] = trio.TASK_STATUS_IGNORED,
    clock: Clock | None = None, passwords: Passwords | None = None,
    transport: MailTransport | None = None, handle_signals: bool = True,
) -> None:
    """Run the whole service until cancelled or asked to shut down."""
    sock = bind_http_socket(config.http)
    local_url = _local_url(config.http, sock.getsockname()[:2])
    public_url = config.http.public_url or local_url
    shutdown = trio.Event()
    try:
        await _run(config, sock, local_url, public_url, shutdown, task_status, clock=clock,
                   passwords=passwords, transport=transport, handle_signals=handle_signals)
    finally:
        sock.close()  # a no-op once hypercorn owns the descriptor
    log.info("server stopped")


async def _run(
    config: Config, sock: socket.socket, local_url: str, public_url: str,
    shutdown: trio.Event, task_status: trio.TaskStatus[RunningServer], *,
    clock: Clock | None, passwords: Passwords | None, transport: MailTransport | None,
    handle_signals: bool,
) -> None:
    address = sock.getsockname()[:2]
    with trio.CancelScope() as hard_stop:
        async with open_services(config, public_url=public_url, clock=clock,
                                 passwords=passwords, transport=transport) as services, \
                trio.open_nursery() as nursery:
            if handle_signals:
                nursery.start_soon(_watch_signals, shutdown, hard_stop)
            await nursery.start(services.retention.run)
            await nursery.start(services.mail.run)
            plane: MediaPlane = await nursery.start(run_media_plane, config.media)
            signalling: SignallingService = await nursery.start(
                run_signalling, config, services, plane
            )
            # hypercorn's ASGI type is narrower than Starlette's
            app: Any = create_app(services, [*plane.routes, *signalling.routes])

            async def trigger() -> None:
                await shutdown.wait()
                services.shutting_down.set()
                hard_stop.deadline = (trio.current_time() + config.http.graceful_shutdown_seconds
                                      + EXTRA_SHUTDOWN_GRACE)

            fd = sock.detach()  # hypercorn takes ownership of the descriptor
            async with trio.open_nursery() as http_nursery:
                await http_nursery.start(partial(
                    serve, app, hypercorn_config(config, fd), shutdown_trigger=trigger
                ))
                log.info("HTTP listening on %s (public URL %s); media UDP %s",
                         local_url, public_url, plane.udp_address)
                task_status.started(RunningServer(
                    http_address=(str(address[0]), int(address[1])), http_url=local_url,
                    public_url=public_url, services=services, plane=plane,
                    request_shutdown=shutdown.set,
                ))
            log.info("HTTP stopped; stopping the other tasks")
            nursery.cancel_scope.cancel()
