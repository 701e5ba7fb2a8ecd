"""Proof 2 of the media plane: two headless Chromium pages publish camera + microphone and
receive each other through the SFU, over DTLS 1.2 with SRTP_AEAD_AES_128_GCM."""

from __future__ import annotations

import time
from typing import Any

import pytest
import trio

from bench.chromium import chromium
from bench.inprocess_server import start_sfu

pytestmark = pytest.mark.browser


def two_pages_call(base_url: str, seconds: float = 40.0) -> list[dict[str, Any]]:
    with chromium() as browser:
        pages = [browser.new_context().new_page() for _ in range(2)]
        for page in pages:
            page.goto(f"{base_url}/test/dev_call.html")
            page.wait_for_function("typeof window.publish === 'function'")
            page.evaluate("window.publish()")
        for page in pages:
            assert page.evaluate("window.subscribe()") == 2  # the other page's audio + video
        deadline = time.monotonic() + seconds
        results: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            results = [page.evaluate("window.inbound()") for page in pages]
            if all(r["video"]["framesDecoded"] >= 60 and r["audio"]["packetsReceived"] > 0
                   for r in results):
                break
            time.sleep(0.5)
        return results


async def test_two_chromium_pages_call_each_other_through_the_sfu(chromium_executable: str) -> None:
    with trio.fail_after(120):
        async with trio.open_nursery() as nursery:
            sfu = await start_sfu(nursery)
            results = await trio.to_thread.run_sync(two_pages_call, sfu.http_url)
            await sfu.stop()
            nursery.cancel_scope.cancel()
    for result in results:
        assert result["video"]["framesDecoded"] >= 60, result
        assert result["audio"]["packetsReceived"] > 0, result
        transport = result["transport"]
        assert transport["dtlsState"] == "connected", transport
        assert transport["tlsVersion"] == "FEFD", transport  # DTLS 1.2 (RFC 6347 §4.1)
        assert transport["srtpCipher"] == "SRTP_AEAD_AES_128_GCM", transport  # RFC 7714
