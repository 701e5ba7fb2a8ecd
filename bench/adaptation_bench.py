"""Adaptation bench: N consultations per link profile, the citizen behind the 3G emulator.

    python -m bench.adaptation_bench                     # the README run (about 5 minutes)
    python -m bench.adaptation_bench --profiles 3g-poor --rooms 2 --trace-scale 0.5

The advisor publishes three-layer simulcast (180p/360p/720p VP8, ~100/450/1200 kbit/s) and
Opus with RFC 2198 redundancy; the SFU adapts each citizen's downlink (`media.adaptation`).
Reported per profile: audio concealment, video freezes (count and seconds), time to switch
down after a capacity drop and to recover after it returns, bytes sent against capacity.
Writes bench/results/adaptation-<name>.json and .md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import trio

from bench import report
from bench.adaptation_report import ProfileFigures, markdown
from bench.adaptation_run import RunSpec, run_profile
from bench.link_profile import (
    CAPACITY_TRACES,
    PROFILES,
    TRACE_LENGTH,
    CapacityTrace,
    MobileProfile,
    scaled_trace,
)
from bench.media_source import THREE_G, MediaLoop, MediaProfile, build_media_loop
from bench.server_process import pin
from bench.simulcast_source import build_simulcast, wire_bps
from bench.streams import red_payloads
from media.certificate import DtlsCertificate

RESULTS = Path(__file__).resolve().parent / "results"
GENERATOR_CPU = 0
DEFAULT_PROFILES = ("3g-typical", "3g-poor", "rfc8867-step", "edge")
# Steady profiles get a step of our own, so that they too show a down-switch and a recovery:
# 40 % of the capacity from 24 s to 42 s of 60 s (3g-typical: 780 -> 312 -> 780 kbit/s, so the
# 360p layer has to give way to 180p and come back). "edge" stays steady: at 150 kbit/s no
# video layer fits beside the audio, there is nothing to switch.
STEP = ((0.0, 1.0), (24.0, 0.4), (42.0, 1.0))
STEP_LENGTH = 60.0
STEADY = {"edge": 40.0}
CITIZEN_VIDEO_MAX = 300_000  # bit/s: the 3g profile's camera
CITIZEN_VIDEO_MIN = 40_000  # below this a browser's encoder stops sending video


def profile_trace(name: str, scale: float) -> tuple[CapacityTrace, float]:
    """The downlink capacity over time for a profile, and the trace's length, at `scale`."""
    if name in CAPACITY_TRACES:
        return scaled_trace(CAPACITY_TRACES[name], scale), TRACE_LENGTH[name] * scale
    base = PROFILES[name].downlink.rate_kbps or 1000.0
    if name in STEADY:
        return ((0.0, base),), STEADY[name] * scale
    return tuple((at * scale, base * share) for at, share in STEP), STEP_LENGTH * scale


def citizen_video_bps(profile: MobileProfile) -> int:
    """What the citizen's camera sends: what a browser's estimate would leave beside audio on
    the uplink (60 % of it, less 50 kbit/s for audio and feedback), capped at the 3g camera;
    0 when that is below the lowest rate a browser keeps video at."""
    uplink = profile.uplink.rate_kbps
    if uplink is None:
        return CITIZEN_VIDEO_MAX
    rate = min(CITIZEN_VIDEO_MAX, int(0.6 * uplink * 1000) - 50_000)
    return rate if rate >= CITIZEN_VIDEO_MIN else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.adaptation_bench",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--profiles", nargs="+", choices=sorted(PROFILES),
                        default=list(DEFAULT_PROFILES))
    parser.add_argument("--rooms", type=int, default=4, help="consultations per profile")
    parser.add_argument("--trace-scale", type=float, default=1.0,
                        help="trace pace: 0.5 runs every step in half the time")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="s at the trace's first capacity before it starts")
    parser.add_argument("--no-red", action="store_true",
                        help="plain Opus instead of RFC 2198 redundancy (advisor and citizen)")
    parser.add_argument("--max-minutes", type=float, default=10.0, help="bound on the run")
    parser.add_argument("--name", default="synthetic", help="output: adaptation-<name>.*")
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.rooms <= 20:
        parser.error("--rooms must be 1..20 (one generator core)")
    if not 0.1 <= args.trace_scale <= 2.0:
        parser.error("--trace-scale must be within 0.1..2")
    return args


async def run(args: argparse.Namespace) -> list[ProfileFigures]:
    media = build_simulcast()
    red = not args.no_red
    audio = red_payloads(media.combined.audio, 111) if red else media.combined.audio
    audio_bps = wire_bps(audio, media.combined.profile.loop_seconds)
    certificate = DtlsCertificate.generate(time.time())
    loops: dict[int, MediaLoop] = {}
    results: list[ProfileFigures] = []
    with trio.move_on_after(args.max_minutes * 60) as scope:
        for name in args.profiles:
            trace, seconds = profile_trace(name, args.trace_scale)
            rate = citizen_video_bps(PROFILES[name])
            if rate not in loops:
                loops[rate] = build_media_loop(
                    THREE_G if rate in (0, THREE_G.video_bitrate)
                    else MediaProfile(f"citizen-{rate // 1000}k", video_bitrate=rate))
            spec = RunSpec(name, trace, seconds, args.rooms, args.warmup, red, args.seed)
            print(f"{name}: {args.rooms} consultations, {seconds:.0f} s trace "
                  f"{[kbps for _, kbps in trace]} kbit/s", file=sys.stderr, flush=True)
            try:
                results.append(await run_profile(spec, media, loops[rate], rate > 0, audio_bps,
                                                 certificate))
            except Exception as exc:  # e.g. the server died: the other profiles still run
                failed = ProfileFigures(name, PROFILES[name].description, list(trace), seconds,
                                        args.rooms, 0)
                failed.errors.append(f"run failed: {type(exc).__name__}: {exc}"[:500])
                results.append(failed)
    if scope.cancelled_caught:
        print(f"stopped at the {args.max_minutes:g}-minute bound", file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    affinity = os.sched_getaffinity(0)
    pin(0, GENERATOR_CPU)
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    machine = report.machine()
    t0 = time.monotonic()
    try:
        results = trio.run(run, args)
    finally:
        os.sched_setaffinity(0, affinity)  # e.g. when called from a test session
    settings: dict[str, Any] = {
        "rooms": args.rooms, "trace_scale": args.trace_scale, "warmup_s": args.warmup,
        "audio": "Opus 32 kbit/s 20 ms" + ("" if args.no_red else " in RFC 2198 RED"),
        "simulcast": "VP8 320x180/640x360/1280x720 15 fps ~100/450/1200 kbit/s",
        "playout_delay_ms": 200, "repair_wait_ms": 1000,
    }
    command = "python -m bench.adaptation_bench " + " ".join(
        sys.argv[1:] if argv is None else argv)
    document = {
        "harness": "bench.adaptation_bench", "started": started, "command": command.strip(),
        "duration_seconds": round(time.monotonic() - t0, 1), "machine": machine,
        "settings": settings, "profiles": [r.to_dict() for r in results],
    }
    args.output_dir.mkdir(parents=True, exist_ok=True)
    stem = args.output_dir / f"adaptation-{args.name}"
    report.write_json(stem.with_suffix(".json"), document)
    text = markdown(results, settings)
    stem.with_suffix(".md").write_text(text)
    print(text)
    print(f"wrote {stem}.json/.md ({document['duration_seconds']:.0f} s)")
    for result in results:
        for error in result.errors:
            print(f"{result.profile}: {error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
