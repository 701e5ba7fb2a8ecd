"""The impairment relay really drops, delays and rate-limits datagrams (loopback only)."""

from __future__ import annotations

import socket

import trio

from bench.impairment import ImpairmentRelay
from bench.link_profile import LinkProfile


async def echo_server(*, task_status: trio.TaskStatus[tuple[str, int]]) -> None:
    sock = trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    await sock.bind(("127.0.0.1", 0))
    task_status.started(sock.getsockname())
    while True:
        data, addr = await sock.recvfrom(65535)
        await sock.sendto(data, addr)


async def exchange(relay_addr: tuple[str, int], count: int) -> list[float]:
    client = trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    await client.bind(("127.0.0.1", 0))
    rtts: list[float] = []
    for i in range(count):
        sent = trio.current_time()
        await client.sendto(i.to_bytes(4, "big") + b"x" * 100, relay_addr)
        with trio.move_on_after(0.15):
            await client.recvfrom(65535)
            rtts.append(trio.current_time() - sent)
    client.close()
    return rtts


async def test_loss_and_delay_are_applied() -> None:
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            target = await nursery.start(echo_server)
            relay = ImpairmentRelay(
                target, uplink=LinkProfile(loss=0.3, delay_ms=20), downlink=LinkProfile(delay_ms=20)
            )
            relay_addr = await nursery.start(relay.run)
            rtts = await exchange(relay_addr, 60)
            nursery.cancel_scope.cancel()
    assert 20 <= len(rtts) <= 57, len(rtts)  # about 30 % lost on the way up
    assert min(rtts) >= 0.035  # 2 × 20 ms
    assert relay.counters["up_dropped"] + relay.counters["up_sent"] == 60


async def test_rate_limit_queues_and_tail_drops() -> None:
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            target = await nursery.start(echo_server)
            relay = ImpairmentRelay(target, downlink=LinkProfile(rate_kbps=80, queue_ms=100))
            relay_addr = await nursery.start(relay.run)
            client = trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            await client.bind(("127.0.0.1", 0))
            for _ in range(50):  # 50 × 1000 B = 400 kbit in a burst, far above 80 kbit/s
                await client.sendto(b"y" * 1000, relay_addr)
            received = 0
            with trio.move_on_after(1.0):
                while True:
                    await client.recvfrom(65535)
                    received += 1
            client.close()
            nursery.cancel_scope.cancel()
    # a 100 ms queue at 80 kbit/s holds one 1000-byte datagram (100 ms each): a few get through
    assert 1 <= received <= 5, received
    assert relay.counters["down_dropped"] >= 40


def test_gilbert_elliott_loss_matches_its_long_run_figure_and_comes_in_bursts() -> None:
    import random

    from bench.impairment import DirectionState
    from bench.link_profile import PROFILES

    profile = PROFILES["3g-poor"].downlink
    state = DirectionState(profile)
    rng = random.Random(7)
    lost = [state.admit(100, i * 0.02, rng) is None for i in range(200_000)]
    share = sum(lost) / len(lost)
    assert abs(share - profile.mean_loss) < 0.004, share
    # Bursty: a loss is followed by another far more often than the long-run share would give.
    after_loss = [b for a, b in zip(lost, lost[1:], strict=False) if a]
    assert sum(after_loss) / len(after_loss) > 4 * share


def test_every_drop_has_one_cause() -> None:
    import random

    from bench.impairment import DirectionState

    state = DirectionState(LinkProfile(rate_kbps=100, queue_ms=50, loss=0.2))
    rng = random.Random(3)
    for i in range(2000):  # 1000-byte datagrams every 20 ms: four times what 100 kbit/s carries
        state.admit(1000, i * 0.02, rng)
    assert state.queue_dropped > 100 and state.loss_dropped > 100
    assert state.queue_dropped + state.loss_dropped == state.dropped
