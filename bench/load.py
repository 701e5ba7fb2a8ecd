"""Load harness: simulated consultations against this server and Janus, side by side.

    python -m bench.load --quick                       # the README run (≤ 2 minutes)
    python -m bench.load --targets videotermin --scenario fixed --rooms 2 --seconds 3
    python -m bench.load --scenario ramp --ramp 10 20 40 80 160 --seconds 10

Each consultation has two participants (advisor and client) who publish Opus + VP8 (encoded
once at start-up with PyAV, looped) and receive each other through the server under test.
Writes `<name>.json`, `<name>.md` and `<name>.png` under bench/results/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

import trio

from bench import report
from bench.janus_process import janus_available
from bench.media_source import PROFILES, build_media_loop
from bench.netns import Namespace, netns_unavailable, server_namespace
from bench.scenarios import ScenarioOutcome, fixed, ramp, storm
from bench.server_process import pin
from bench.targets.base import Target
from bench.targets.janus import JanusTarget
from bench.targets.videotermin import SIGNALLING, VideoterminTarget
from media.certificate import DtlsCertificate

RESULTS = Path(__file__).resolve().parent / "results"
GENERATOR_CPU, SERVER_CPU = 0, 1
MAX_ROOMS = 400  # a bound on what one run may open (2 participants, 4 sockets per room)
QUICK_RAMP = [10, 25, 50, 75, 100, 125, 150]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="the README run: ramp and storm for both targets, ≤ 2 minutes")
    parser.add_argument("--targets", nargs="+", choices=["videotermin", "janus"],
                        default=["videotermin", "janus"])
    parser.add_argument("--scenario", nargs="+", choices=["fixed", "ramp", "storm"],
                        default=["fixed"])
    parser.add_argument("--rooms", type=int, nargs="+", default=[2, 10, 25],
                        help="fixed: consultations per level (a fresh server per level)")
    parser.add_argument("--ramp", type=int, nargs="+", default=QUICK_RAMP,
                        help="ramp: cumulative consultations per level")
    parser.add_argument("--storm-rooms", type=int, default=20)
    parser.add_argument("--storm-window", type=float, default=1.0,
                        help="storm: every participant opens its connection within this (s)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured per level")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="3g")
    parser.add_argument("--signalling", choices=SIGNALLING, default="websocket",
                        help="how participants reach this server (Janus: its own API)")
    parser.add_argument("--network", choices=["auto", "loopback", "netns"], default="auto",
                        help="netns is needed for Janus; auto = netns when Janus runs")
    parser.add_argument("--decode-windows", type=int, default=2,
                        help="video streams decoded with PyAV at a time (0: none)")
    parser.add_argument("--no-twcc", action="store_true",
                        help="receivers send no transport-cc feedback")
    parser.add_argument("--adaptation", action="store_true",
                        help="turn this server's downlink adaptation on (off by default)")
    parser.add_argument("--janus-event-loops", type=int, default=0,
                        help="Janus event_loops setting (0: its default, a thread per handle)")
    parser.add_argument("--high-priority", action="store_true",
                        help="run the generator and the servers it starts at nice -20 (root), "
                        "so that other work on a shared machine disturbs the run less")
    parser.add_argument("--max-minutes", type=float, default=15.0, help="bound on the run")
    parser.add_argument("--name", default=None, help="output file stem")
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if max([*args.rooms, *args.ramp, args.storm_rooms]) > MAX_ROOMS:
        parser.error(f"at most {MAX_ROOMS} consultations per level")
    if args.quick:
        args.scenario = ["ramp", "storm"]
        args.seconds = min(args.seconds, 3.0)
        args.storm_rooms = min(args.storm_rooms, 20)
        args.max_minutes = min(args.max_minutes, 2.0)
    return args


def _network(args: argparse.Namespace) -> str:
    if args.network != "auto":
        return str(args.network)
    return "netns" if "janus" in args.targets else "loopback"


@contextmanager
def _namespace(network: str) -> Iterator[Namespace | None]:
    if network == "loopback":
        yield None
        return
    with server_namespace() as namespace:
        yield namespace


def _factory(name: str, args: argparse.Namespace, certificate: DtlsCertificate,
             namespace: Namespace | None) -> Callable[[], AbstractContextManager[Target]]:
    twcc = not args.no_twcc

    def make() -> AbstractContextManager[Target]:
        if name == "janus":
            if namespace is None:
                raise RuntimeError("Janus needs --network netns (it ignores loopback)")
            return JanusTarget(certificate, namespace, SERVER_CPU, twcc,
                               args.janus_event_loops)
        return VideoterminTarget(certificate, namespace, SERVER_CPU, args.signalling, twcc,
                                 args.adaptation)

    return make


async def run(args: argparse.Namespace, namespace: Namespace | None) -> list[ScenarioOutcome]:
    profile = PROFILES[args.profile]
    loop = build_media_loop(profile)
    certificate = DtlsCertificate.generate(time.time())
    outcomes: list[ScenarioOutcome] = []
    budget = args.max_minutes * 60
    started = trio.current_time()
    per_target = budget / len(args.targets)
    with trio.move_on_after(budget) as scope:
        for target in args.targets:
            factory = _factory(target, args, certificate, namespace)
            target_started = trio.current_time()
            for scenario in args.scenario:
                outcome = ScenarioOutcome(target, scenario)
                outcomes.append(outcome)  # partial results survive the time bound
                if scenario == "fixed":
                    await fixed(outcome, factory, loop, args.rooms, args.seconds, args.warmup,
                                args.decode_windows)
                elif scenario == "ramp":
                    left = per_target - (trio.current_time() - target_started)
                    share = left * (0.7 if "storm" in args.scenario else 1.0)
                    await ramp(outcome, factory, loop, args.ramp, args.seconds, args.warmup,
                               args.decode_windows, share)
                else:
                    await storm(outcome, factory, loop, args.storm_rooms, args.storm_window,
                                min(args.seconds, 2.0), args.decode_windows)
    if scope.cancelled_caught:
        print(f"stopped at the {args.max_minutes:g}-minute bound after "
              f"{trio.current_time() - started:.0f} s", file=sys.stderr)
    return outcomes


def media_description(args: argparse.Namespace) -> str:
    p = PROFILES[args.profile]
    return (f"Opus {p.audio_bitrate // 1000} kbit/s at {p.audio_ptime * 1000:.0f} ms, VP8 "
            f"{p.width}x{p.height} {p.fps} fps ~{p.video_bitrate // 1000} kbit/s, keyframe every "
            f"{p.keyframe_interval} s, {p.loop_seconds} s loop")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    network = _network(args)
    if "janus" in args.targets:
        reason = janus_available() or (netns_unavailable() if network == "netns" else None)
        if reason is not None:
            print(f"cannot run Janus: {reason}", file=sys.stderr)
            return 2
    affinity = os.sched_getaffinity(0)
    priority = os.getpriority(os.PRIO_PROCESS, 0)
    if args.high_priority:
        os.setpriority(os.PRIO_PROCESS, 0, -20)  # inherited by the servers we start
    pin(0, GENERATOR_CPU)
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    machine = report.machine()
    t0 = time.monotonic()
    try:
        with ExitStack() as stack:
            namespace = stack.enter_context(_namespace(network))
            outcomes = trio.run(run, args, namespace)
    finally:
        os.sched_setaffinity(0, affinity)  # e.g. when called from a test session
        os.setpriority(os.PRIO_PROCESS, 0, priority)
    command = "python -m bench.load " + " ".join(sys.argv[1:] if argv is None else argv)
    document: dict[str, Any] = {
        "harness": "bench.load", "started": started, "command": command.strip(),
        "duration_seconds": round(time.monotonic() - t0, 1), "machine": machine,
        "settings": {"profile": args.profile, "media": media_description(args),
                     "seconds": args.seconds, "warmup": args.warmup, "network": network,
                     "signalling": args.signalling, "adaptation": args.adaptation,
                     "transport_cc_feedback": not args.no_twcc,
                     "decode_windows": args.decode_windows,
                     "janus_event_loops": args.janus_event_loops,
                     "high_priority": args.high_priority},
        "scenarios": report.to_dict(outcomes),
    }
    document["summary"] = report.summary(outcomes)
    name = args.name or f"load-{time.strftime('%Y%m%d-%H%M%S')}"
    args.output_dir.mkdir(parents=True, exist_ok=True)
    report.write_json(args.output_dir / f"{name}.json", document)
    text = report.markdown(document, outcomes)
    (args.output_dir / f"{name}.md").write_text(text)
    report.plot(args.output_dir / f"{name}.png", outcomes)
    print(text)
    print(f"wrote {args.output_dir / name}.json/.md/.png ({document['duration_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
