"""The real media plane + an HTTP front with the dev signalling routes, inside the caller's trio
nursery, on 127.0.0.1 only: for media tests and browser benchmarks (`pages/` holds the test page).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import trio
from hypercorn.config import Config as HyperConfig
from hypercorn.trio import serve
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from server.media_plane import MediaPlane, run_media_plane

PAGES = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class MediaSettings:
    udp_host: str = "127.0.0.1"
    udp_port: int = 0
    announced_addresses: tuple[str, ...] = ()
    dev_signalling: bool = True
    adaptation: bool = True


@dataclass
class RunningSfu:
    plane: MediaPlane
    http_url: str
    shutdown: trio.Event
    http_done: trio.Event
    media_scope: trio.CancelScope

    async def stop(self) -> None:
        """Graceful HTTP shutdown first (hypercorn runs the ASGI lifespan), then the media plane."""
        self.shutdown.set()
        with trio.move_on_after(10):
            await self.http_done.wait()
        self.media_scope.cancel()


async def start_sfu(nursery: trio.Nursery, *, adaptation: bool = True) -> RunningSfu:
    """Start the SFU and an HTTP server with the dev signalling routes; stop with `shutdown`."""
    media_scope = trio.CancelScope()

    async def run_media(*, task_status: trio.TaskStatus[MediaPlane]) -> None:
        with media_scope:
            await run_media_plane(MediaSettings(adaptation=adaptation), task_status=task_status)

    plane: MediaPlane = await nursery.start(run_media)
    pages = Mount("/test", app=StaticFiles(directory=PAGES))
    app = Starlette(routes=[*plane.routes, pages])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    config = HyperConfig()
    config.bind = [f"fd://{listener.fileno()}"]
    config.accesslog = None
    config.errorlog = None
    shutdown = trio.Event()
    http_done = trio.Event()

    async def run_http() -> None:
        try:
            await serve(app, config, shutdown_trigger=shutdown.wait)  # type: ignore[arg-type]
        finally:
            http_done.set()
            try:
                listener.close()
            except OSError:
                pass  # hypercorn already closed the shared descriptor

    nursery.start_soon(run_http)
    await wait_http(f"http://127.0.0.1:{port}/_dev/publications")
    return RunningSfu(plane, f"http://127.0.0.1:{port}", shutdown, http_done, media_scope)


async def wait_http(url: str, timeout: float = 10.0) -> None:
    import httpx

    with trio.fail_after(timeout):
        while True:
            try:
                async with httpx.AsyncClient() as client:
                    response = await client.get(url)
                if response.status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await trio.sleep(0.05)
