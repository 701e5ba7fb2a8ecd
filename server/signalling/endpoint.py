"""The WebSocket route: one reader and one writer task per connection, nothing else.

The reader hands each frame to the hub; the writer drains the link's outbox. A cross-site page
must not ride on a visitor's cookies (cross-site WebSocket hijacking), so a browser `Origin`
other than our own is refused before the handshake completes.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import trio
from starlette.websockets import WebSocket, WebSocketDisconnect

from server.signalling.hub import Hub
from server.signalling.link import CloseFrame, Link
from signalling import codes

log = logging.getLogger("videotermin.signalling")

WRITE_TIMEOUT = 10.0  # s: a peer that does not take a frame this long is gone
CLOSE_DRAIN = 2.0  # s to wait for the peer's close frame after ours


def origin_allowed(websocket: WebSocket, public_url: str) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser (or a very old one): no ambient cookies are at stake
    host = websocket.headers.get("host", "")
    netloc = urlsplit(origin).netloc
    return bool(netloc) and (netloc == host or netloc == urlsplit(public_url).netloc)


def client_address(websocket: WebSocket, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for:
        first = websocket.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if first:
            return first[:64]
    return websocket.client.host if websocket.client else "unknown"


async def serve_websocket(websocket: WebSocket, hub: Hub, public_url: str,
                          trust_forwarded_for: bool) -> None:
    if not origin_allowed(websocket, public_url):
        await websocket.close(code=codes.CLOSE_POLICY_VIOLATION)  # before accept: HTTP 403
        return
    await websocket.accept()
    link = hub.open_link(client_address(websocket, trust_forwarded_for),
                         dict(websocket.cookies))
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_write, websocket, link)
            nursery.start_soon(_abort_on_overflow, websocket, link, nursery.cancel_scope)
            await _read(websocket, link, hub)
            nursery.cancel_scope.cancel()
    finally:
        hub.link_lost(link)


async def _read(websocket: WebSocket, link: Link, hub: Hub) -> None:
    """Frames to the hub until the peer disconnects. Once we are closing, frames are only
    drained until the peer answers our close (RFC 6455 §7.1.1): closing TCP with unread data
    would reset the connection and could destroy our goodbye before the browser reads it."""
    while not link.closing:
        message = await _receive(websocket)
        if message is None:
            return
        text = message.get("text")
        frame = text if text is not None else message.get("bytes") or b""
        await hub.on_frame(link, frame)
    with trio.move_on_after(CLOSE_DRAIN):
        while await _receive(websocket) is not None:
            pass


async def _receive(websocket: WebSocket) -> dict[str, Any] | None:
    try:
        message = await websocket.receive()
    except (WebSocketDisconnect, RuntimeError, OSError):
        return None
    return None if message["type"] == "websocket.disconnect" else dict(message)


async def _write(websocket: WebSocket, link: Link) -> None:
    try:
        async for item in link.outbox:
            with trio.fail_after(WRITE_TIMEOUT):
                if isinstance(item, CloseFrame):
                    await websocket.close(code=item.code, reason=item.reason)
                    return
                await websocket.send_text(item)
    except (trio.TooSlowError, WebSocketDisconnect, RuntimeError, OSError):
        pass  # the peer is gone; the reader notices too


async def _abort_on_overflow(websocket: WebSocket, link: Link, scope: trio.CancelScope) -> None:
    await link.aborted.wait()
    log.info("closing a signalling connection that does not read its messages")
    with trio.move_on_after(1.0):
        try:
            await websocket.close(code=codes.CLOSE_POLICY_VIOLATION, reason="too slow")
        except (RuntimeError, OSError):
            pass
    scope.cancel()
