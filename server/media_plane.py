"""The media plane's I/O shell: one UDP socket for every peer, driving the sans-I/O SFU core.

The receive path waits with `trio.lowlevel.wait_readable` (bounded by the core's next timer),
then drains the non-blocking socket with plain stdlib calls, feeding each datagram synchronously
into the core; sends are non-blocking and drop-and-count on EAGAIN. No per-packet await, channel
hop or task switch (measured in testing.md: ≈3 µs per packet this way vs ≈19 µs awaiting each).
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import trio
from starlette.routing import BaseRoute

from media.certificate import DtlsCertificate
from media.sfu import Sfu, SfuEvent
from server.media_events import EventFanout

log = logging.getLogger("videotermin.media")

RECEIVE_BUFFER = 4 * 1024 * 1024  # bytes: absorb bursts while the loop is busy
SEND_BUFFER = 4 * 1024 * 1024
MAX_DATAGRAM = 2048  # larger than any RTP packet a browser sends over a 1500-byte MTU
FLUSH_EVERY = 64  # datagrams received before sending what they produced (bounds added latency)


@dataclass
class UdpCounters:
    received: int = 0
    sent: int = 0
    send_dropped: int = 0  # EAGAIN: the kernel buffer was full
    send_errors: int = 0
    loop_wakeups: int = 0


@dataclass
class MediaPlane:
    """Handle to the running SFU for signalling and the HTTP routes."""

    sfu: Sfu
    udp_address: tuple[str, int]
    candidates: tuple[tuple[str, int], ...]
    events: EventFanout
    counters: UdpCounters = field(default_factory=UdpCounters)
    routes: list[BaseRoute] = field(default_factory=list)


def _media_setting(config: Any, name: str, default: Any) -> Any:
    return getattr(config, name, default) if config is not None else default


def bind_udp(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    for option, size in ((socket.SO_RCVBUF, RECEIVE_BUFFER), (socket.SO_SNDBUF, SEND_BUFFER)):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, size)
        except OSError:
            pass  # the kernel caps it at net.core.[rw]mem_max; the defaults still work
    sock.setblocking(False)
    sock.bind((host, port))
    return sock


def announced_candidates(
    bound: tuple[str, int], announced: list[str] | tuple[str, ...]
) -> tuple[tuple[str, int], ...]:
    """Host candidates for SDP: the announced addresses (NAT) or else the bound address."""
    port = bound[1]
    if announced:
        return tuple((address, port) for address in announced)
    host = bound[0]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return ((host, port),)


async def run_media_plane(
    media_config: Any, *, task_status: trio.TaskStatus[MediaPlane] = trio.TASK_STATUS_IGNORED
) -> None:
    """Serve the SFU until cancelled; `task_status.started(plane)` once the socket is bound."""
    host = _media_setting(media_config, "udp_host", "127.0.0.1")
    port = int(_media_setting(media_config, "udp_port", 3479))
    announced = list(_media_setting(media_config, "announced_addresses", []) or [])
    sock = bind_udp(host, port)
    try:
        bound = sock.getsockname()[:2]
        sfu = Sfu(
            DtlsCertificate.generate(time.time()),
            adaptation=bool(_media_setting(media_config, "adaptation", True)),
        )
        plane = MediaPlane(sfu, bound, announced_candidates(bound, announced), EventFanout())
        from server.media_metrics import metrics_routes

        plane.routes.extend(metrics_routes(sfu, plane.counters))
        if _media_setting(media_config, "dev_signalling", False):
            from server.dev_signalling import dev_routes  # only in tests and local trials

            plane.routes.extend(dev_routes(plane))
        log.info("media plane listening on udp %s:%d", bound[0], bound[1])
        task_status.started(plane)
        await serve_udp(sock, sfu, plane.counters, plane.events)
    finally:
        sock.close()


async def serve_udp(
    sock: socket.socket, sfu: Sfu, counters: UdpCounters, events: EventFanout
) -> None:
    """The hot loop. Everything inside one iteration is synchronous."""
    receive = sock.recvfrom
    send = sock.sendto
    feed = sfu.receive_datagram
    current_time = trio.current_time
    while True:
        deadline = sfu.get_timer()
        if deadline is None:
            await trio.lowlevel.wait_readable(sock)
        else:
            with trio.move_on_at(deadline):
                await trio.lowlevel.wait_readable(sock)
        counters.loop_wakeups += 1
        now = current_time()
        pending = 0
        while True:
            try:
                data, addr = receive(MAX_DATAGRAM)
            except BlockingIOError:
                break
            except OSError:
                continue  # e.g. ICMP port unreachable surfaced as ECONNREFUSED: not ours to fix
            counters.received += 1
            feed(data, addr[:2], now)
            pending += 1
            if pending >= FLUSH_EVERY:
                _flush(sfu, send, counters)
                pending = 0
                now = current_time()
        sfu.handle_timer(now, time.time())
        _flush(sfu, send, counters)
        while (event := sfu.next_event()) is not None:
            events.publish(event)


def _flush(sfu: Sfu, send: Any, counters: UdpCounters) -> None:
    for data, addr in sfu.datagrams_to_send():
        try:
            send(data, addr)
            counters.sent += 1
        except BlockingIOError:
            counters.send_dropped += 1
        except OSError:
            counters.send_errors += 1


__all__ = ["MediaPlane", "SfuEvent", "run_media_plane", "serve_udp"]
