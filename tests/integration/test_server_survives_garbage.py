"""Rejected and survived, on the real UDP port: while two aiortc peers are in a call, another
socket floods the SFU with the shared fuzz regressions, random bytes and forged STUN/DTLS/RTP.
The call keeps decoding and the server keeps running."""

from __future__ import annotations

import random
import socket

import trio

from bench.inprocess_server import start_sfu
from tests.integration.aiortc_peer import run_two_peers
from tests.media.fuzz_inputs import regression_inputs

FIRST_BYTES = [0, 1, 2, 3, 20, 22, 23, 63, 64, 127, 128, 144, 191, 192, 255]


async def blast(target: tuple[str, int], stop: trio.Event, sent: list[int]) -> None:
    rng = random.Random(11)
    corpus = regression_inputs()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    try:
        while not stop.is_set():
            for _ in range(50):
                if corpus and rng.random() < 0.5:
                    datagram = rng.choice(corpus)
                else:
                    datagram = bytes([rng.choice(FIRST_BYTES)]) + rng.randbytes(
                        rng.randrange(0, 1400)
                    )
                try:
                    sock.sendto(datagram[:65000], target)
                    sent[0] += 1
                except (BlockingIOError, OSError):
                    pass
            await trio.sleep(0.01)  # ~5000 datagrams/s: far above a real peer's rate
    finally:
        sock.close()


async def test_call_continues_under_a_garbage_flood() -> None:
    sent = [0]
    with trio.fail_after(120):
        async with trio.open_nursery() as nursery:
            sfu = await start_sfu(nursery)
            stop = trio.Event()
            nursery.start_soon(blast, sfu.plane.udp_address, stop, sent)
            results = await run_two_peers(sfu.http_url, {})
            stop.set()
            counters = sfu.plane.sfu.counters
            await sfu.stop()
            nursery.cancel_scope.cancel()
    assert sent[0] > 1000
    for name, (received, _stats) in results.items():
        assert received.video_frames >= 60, (name, received)
        assert received.audio_frames > 0, (name, received)
    assert counters.unknown_peer + counters.bad_stun > 0  # the flood was seen and dropped
