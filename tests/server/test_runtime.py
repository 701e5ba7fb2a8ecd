"""`run_server` in-process: port 0, readiness, HTTPS with HTTP/2, extra routes, shutdown."""

from __future__ import annotations

import dataclasses
import socket
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from server.app import create_app
from server.config import Config, HttpConfig, MediaConfig
from server.runtime import RunningServer, run_server
from tests.server.conftest import Harness, fast_passwords, make_config
from tests.server.mailserver import self_signed


def local_config(tmp_path: Path, **http: Any) -> Config:
    config = make_config(tmp_path)
    return dataclasses.replace(
        config, http=dataclasses.replace(HttpConfig(port=0, graceful_shutdown_seconds=2), **http),
        media=MediaConfig(udp_port=0),
    )


async def test_serves_on_port_0_and_shuts_down_gracefully(tmp_path: Path) -> None:
    config = local_config(tmp_path)
    async with trio.open_nursery() as nursery:
        running: RunningServer = await nursery.start(
            lambda task_status: run_server(config, task_status=task_status,
                                           passwords=fast_passwords(), handle_signals=False))
        host, port = running.http_address
        assert host == "127.0.0.1" and port > 0
        assert running.http_url == f"http://127.0.0.1:{port}" == running.public_url
        assert config.storage.database_path.exists()  # storage opened, migrations applied
        async with httpx.AsyncClient(base_url=running.http_url) as client:
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            assert (await client.get("/api/openapi.json")).status_code == 200
            assert "server" not in (await client.get("/healthz")).headers
        with trio.fail_after(10):
            running.request_shutdown()
            while running.services.shutting_down.is_set() is False:
                await trio.sleep(0.01)
    # run_server returned by itself: the port is free again
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


async def test_https_with_http2_and_secure_cookies(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    config = local_config(tmp_path, tls_cert=str(cert), tls_key=str(key))
    async with trio.open_nursery() as nursery:
        running: RunningServer = await nursery.start(
            lambda task_status: run_server(config, task_status=task_status,
                                           passwords=fast_passwords(), handle_signals=False))
        assert running.http_url.startswith("https://127.0.0.1:")
        _, password = await running.services.accounts.add("alice", "Alice")
        trust = ssl.create_default_context(cafile=str(cert))
        async with httpx.AsyncClient(base_url=running.http_url, verify=trust,
                                     http2=True) as client:
            response = await client.post("/api/session",
                                         json={"username": "alice", "password": password})
            assert response.http_version == "HTTP/2"
            cookie = response.headers["set-cookie"].lower()
            assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
            health = await client.get("/healthz")
            assert "max-age" in health.headers["strict-transport-security"]
        nursery.cancel_scope.cancel()


async def test_extra_routes_are_mounted_after_ours(harness: Harness) -> None:
    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("from the media plane")

    app = create_app(harness.services, [Route("/signalling/hello", hello),
                                        Route("/healthz", hello)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        assert (await client.get("/signalling/hello")).text == "from the media plane"
        assert (await client.get("/healthz")).json() == {"status": "ok"}  # ours wins
    assert app.state.services is harness.services


async def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = local_config(tmp_path, port=taken.getsockname()[1])
        with pytest.raises(OSError):
            await run_server(config, handle_signals=False)
