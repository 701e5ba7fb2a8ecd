"""Proof 5: minted TURN REST credentials work with a real coturn; a wrong secret does not.

coturn (Debian package) runs on 127.0.0.1 with `--use-auth-secret`; the server mints
credentials with the same secret and sends them in `joined.ice_servers`. A Chromium page with
`iceTransportPolicy: 'relay'` (only relayed candidates allowed) runs an echo session: its media
reaches the SFU through the relay and comes back decoded. With the server's secret changed, the
same page gets no relay allocation and no connection.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import trio

from bench.chromium import chromium, chromium_path
from bench.server_process import free_port
from server.config import TurnConfig
from server.signalling.hub import TurnSettings
from tests.integration.signalling_harness import running_server

pytestmark = pytest.mark.browser

SECRET = "coturn-shared-secret-for-tests"


@contextmanager
def coturn(tmp_path: Path) -> Iterator[int]:
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.skip("coturn is not installed: run `bash scripts/test.sh`, which installs it")
    port = free_port(socket.SOCK_DGRAM)
    relay_low = 50000 + (port % 5000) * 2
    pidfile = tmp_path / "turnserver.pid"
    log = (tmp_path / "turnserver.log").open("w")
    process = subprocess.Popen([
        binary, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
        f"--listening-port={port}", "--use-auth-secret", f"--static-auth-secret={SECRET}",
        "--realm=test.local", "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers",
        "--no-multicast-peers", f"--min-port={relay_low}", f"--max-port={relay_low + 40}",
        "--fingerprint", f"--pidfile={pidfile}", "--log-file=stdout", "--simple-log",
    ], stdout=log, stderr=subprocess.STDOUT)
    try:
        time.sleep(0.3)
        assert process.poll() is None, (tmp_path / "turnserver.log").read_text()
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def echo_through_relay(http_url: str, seconds: float) -> dict[str, Any]:
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{http_url}/test/signalling_call.html")
        page.wait_for_function("typeof window.vt === 'object'")
        joined = page.evaluate("vt.connect({role: 'echo'}, {relay: true})")
        page.evaluate("vt.publish()")
        deadline = time.monotonic() + seconds
        stats: dict[str, Any] = {}
        while time.monotonic() < deadline:
            stats = page.evaluate("vt.inbound()")
            if stats["videoFrames"] >= 20:
                break
            time.sleep(0.2)
        return {"joined": joined, "stats": stats, "pairs": page.evaluate("vt.relayPairs()"),
                "echo": page.evaluate("vt.echoStats")}


async def test_relay_only_chromium_reaches_the_sfu_through_coturn(tmp_path: Path) -> None:
    chromium_path()
    with coturn(tmp_path) as port, trio.fail_after(120):
        turn = TurnConfig(servers=(f"turn:127.0.0.1:{port}?transport=udp",),
                          shared_secret=SECRET, credential_lifetime_seconds=600)
        async with running_server(tmp_path, turn) as server:
            good = await trio.to_thread.run_sync(echo_through_relay, server.http_url, 30.0)
            server.hub.turn = TurnSettings(turn.servers, "not-the-coturn-secret", 600)
            wrong = await trio.to_thread.run_sync(echo_through_relay, server.http_url, 6.0)
    (ice_server,) = good["joined"]["ice_servers"]
    expiry, subject = ice_server["username"].split(":")
    assert int(expiry) > time.time() + 500 and subject == good["joined"]["participant"]
    assert good["stats"]["videoFrames"] >= 20, good
    assert good["pairs"] and all(local == "relay" for local, _ in good["pairs"]), good["pairs"]
    assert any(s["packets"] > 0 and s["bitrate_kbps"] for s in good["echo"]), good["echo"]
    assert wrong["stats"]["videoFrames"] == 0 and wrong["pairs"] == [], wrong
