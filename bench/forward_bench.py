"""Forwarding benchmark: synthetic SRTP consultations against the real server, over loopback.

    python -m bench.forward_bench --rooms 5 10 20 --seconds 10

Each room has two participants who publish audio + video and receive each other through the
SFU. Printed and written to bench/results/forward-<stamp>.json: forwarded packets/s, the server
process's CPU µs per forwarded packet (the OS's accounting of that process), the latency
through the SFU (p50/p99/p99.9, send → receive on one monotonic clock, so it includes the
generator's own scheduling), loss (sequence gaps seen by receivers), and the generator's CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import trio

from bench.server_process import ServerProcess, pin, running_server
from bench.synthetic import DESKTOP, THREE_G, MediaProfile, Participant
from media.certificate import DtlsCertificate

RESULTS = Path(__file__).resolve().parent / "results"
PACE = 0.005  # s between pacing rounds of the generator


@dataclass
class LoadResult:
    rooms: int
    participants: int
    profile: str
    seconds: float
    forwarded_packets: int
    forwarded_per_second: float
    received_packets: int
    server_cpu_seconds: float
    server_cpu_us_per_packet: float
    server_cpu_utilisation: float
    generator_cpu_utilisation: float
    generator_saturated: bool
    latency_ms_p50: float
    latency_ms_p99: float
    latency_ms_p999: float
    loss_ratio: float
    join_ms_p50: float
    join_ms_p95: float
    server_rss_mib: float


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _forwarded(http: httpx.AsyncClient) -> int:
    stats = (await http.get("/_dev/stats")).json()
    return sum(
        sub["packets_sent"]
        for session in stats["sessions"].values()
        for sub in session["subscriptions"].values()
    )


async def _pacer(participants: list[Participant], stop: trio.Event) -> None:
    rng = random.Random(3)
    start = trio.current_time()
    next_audio = {p.number: start + rng.random() * 0.02 for p in participants}
    next_video = {p.number: start + rng.random() * 0.066 for p in participants}
    while not stop.is_set():
        now = trio.current_time()
        wall = time.time()
        for participant in participants:
            number = participant.number
            if now >= next_audio[number]:
                participant.send_audio(wall)
                next_audio[number] += participant.profile.audio_interval
            if now >= next_video[number]:
                participant.send_video_frame(wall)
                next_video[number] += 1.0 / participant.profile.video_fps
        await trio.sleep(PACE)


async def run_load(
    server: ServerProcess,
    rooms: int,
    seconds: float,
    profile: MediaProfile,
    warmup: float = 2.0,
) -> LoadResult:
    certificate = DtlsCertificate.generate(time.time())
    rng = random.Random(rooms)
    participants = [Participant(i, i // 2, profile, certificate, rng) for i in range(2 * rooms)]
    server_process = psutil.Process(server.pid)
    me = psutil.Process()
    stop = trio.Event()
    async with httpx.AsyncClient(base_url=server.http_url, timeout=20) as http:
        async with trio.open_nursery() as nursery:
            with trio.fail_after(60 + rooms):
                for participant in participants:
                    await participant.publish(http, nursery)
                for participant in participants:
                    assert participant.publish_link is not None
                    await participant.publish_link.connected.wait()
                nursery.start_soon(_pacer, participants, stop)
                for participant in participants:
                    partner = participants[participant.number ^ 1]
                    await participant.subscribe(http, nursery, partner.publications)
                for participant in participants:
                    assert participant.subscribe_link is not None
                    await participant.subscribe_link.connected.wait()
            await trio.sleep(warmup)
            for participant in participants:
                participant.received.latencies.clear()
                participant.received.packets = 0
                participant.received.gaps = 0
            forwarded_before = await _forwarded(http)
            cpu_before = sum(server_process.cpu_times()[:2])
            mine_before = sum(me.cpu_times()[:2])
            started = time.monotonic()
            await trio.sleep(seconds)
            elapsed = time.monotonic() - started
            cpu_used = sum(server_process.cpu_times()[:2]) - cpu_before
            mine_used = sum(me.cpu_times()[:2]) - mine_before
            forwarded = await _forwarded(http) - forwarded_before
            rss = server_process.memory_info().rss
            stop.set()
            nursery.cancel_scope.cancel()
    latencies = [v for p in participants for v in p.received.latencies]
    received = sum(p.received.packets for p in participants)
    gaps = sum(p.received.gaps for p in participants)
    joins = [
        (p.first_media_at - p.joined_at) * 1000
        for p in participants
        if p.first_media_at is not None and p.joined_at is not None
    ]
    generator_utilisation = mine_used / elapsed
    return LoadResult(
        rooms=rooms,
        participants=len(participants),
        profile=profile.name,
        seconds=elapsed,
        forwarded_packets=forwarded,
        forwarded_per_second=forwarded / elapsed,
        received_packets=received,
        server_cpu_seconds=cpu_used,
        server_cpu_us_per_packet=cpu_used / forwarded * 1e6 if forwarded else float("nan"),
        server_cpu_utilisation=cpu_used / elapsed,
        generator_cpu_utilisation=generator_utilisation,
        generator_saturated=generator_utilisation > 0.9,
        latency_ms_p50=percentile(latencies, 0.5) * 1000,
        latency_ms_p99=percentile(latencies, 0.99) * 1000,
        latency_ms_p999=percentile(latencies, 0.999) * 1000,
        loss_ratio=gaps / (received + gaps) if received + gaps else float("nan"),
        join_ms_p50=statistics.median(joins) if joins else float("nan"),
        join_ms_p95=percentile(joins, 0.95),
        server_rss_mib=rss / 2**20,
    )


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "kernel": platform.release(),
    }


def print_row(result: LoadResult) -> None:
    flag = " SATURATED" if result.generator_saturated else ""
    print(
        f"rooms={result.rooms:4d} fwd/s={result.forwarded_per_second:9.0f} "
        f"cpu/pkt={result.server_cpu_us_per_packet:6.1f}µs "
        f"server={result.server_cpu_utilisation:5.0%} "
        f"gen={result.generator_cpu_utilisation:5.0%}{flag} "
        f"lat p50={result.latency_ms_p50:6.2f}ms p99={result.latency_ms_p99:6.2f}ms "
        f"loss={result.loss_ratio:.4f}",
        flush=True,
    )


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    profile = DESKTOP if args.profile == "desktop" else THREE_G
    pin(0, 0)  # the generator on CPU 0, the server on CPU 1
    results = []
    for rooms in args.rooms:
        with running_server(cpu=1) as server:
            result = await run_load(server, rooms, args.seconds, profile, warmup=args.warmup)
        print_row(result)
        results.append(asdict(result))
    return {
        "benchmark": "forward",
        "machine": machine(),
        "profile": profile.name,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "results": results,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, nargs="+", default=[2, 10, 25])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--profile", choices=["3g", "desktop"], default="3g")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    report = trio.run(main_async, args)
    output = args.output or RESULTS / f"forward-{time.strftime('%Y%m%d-%H%M%S')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
