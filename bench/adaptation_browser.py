"""Real browsers through the 3G emulator: does the citizen's call survive a bad mobile link?

An advisor page (Chromium, fake camera at 720p published as three simulcast layers, plus a fake
screen share) and a citizen page whose traffic runs through the impairment relay on the
"3g-poor" profile while the downlink capacity follows `CAPACITY_TRACES["3g-poor"]`. Sampled every
two seconds in the citizen's page: received resolution per track, freezes, concealed audio.
Run once with adaptation and once with the fixed highest layer to see the difference:

    python -m bench.adaptation_browser --seconds 55

Needs Playwright (test extras) and Debian's chromium. Writes bench/results/adaptation-browser.json.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import trio

from bench.impairment import ImpairmentRelay
from bench.link_profile import CAPACITY_TRACES, PROFILES, with_rate

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLE_EVERY = 2.0  # s


@dataclass
class Sample:
    at: float
    capacity_kbps: float
    camera_width: int
    screen_width: int
    camera_frames: int
    screen_frames: int
    audio_concealed: int
    audio_samples: int
    estimate_bps: int = 0
    sfu_state: str = ""


@dataclass
class RunResult:
    adaptation: bool
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    audio_concealed_ratio: float = 0.0
    camera_freeze_seconds: float = 0.0
    camera_freezes: int = 0
    screen_freeze_seconds: float = 0.0
    camera_widths: list[int] = field(default_factory=list)
    sfu_pauses: int = 0
    sfu_layer_switches: int = 0
    advisor_top_layer_kbps_last_10s: float = 0.0
    advisor_limited_by_bandwidth: bool = False
    relay: dict[str, int] = field(default_factory=dict)


def _by_kind(tracks: list[dict[str, Any]], screen_mid: str | None) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for track in tracks:
        if track["kind"] == "audio":
            found["audio"] = track
        elif screen_mid is not None and track["mid"] == screen_mid:
            found["screen"] = track
        else:
            found.setdefault("camera", track)
    return found


def _sfu_view(base_url: str, citizen: Any) -> dict[str, Any]:
    """The SFU's view of the citizen's downlink: estimate, probes, per-track layer and pause."""
    import httpx

    session = citizen.evaluate("window.subscriberSession")
    stats = httpx.get(f"{base_url}/_dev/stats", timeout=5).json()
    return stats["sessions"].get(str(session), {})


def drive_pages(
    base_url: str, relay_address: tuple[str, int], seconds: float, capacity: list[float],
    chromium_args: list[str], executable: str,
) -> dict[str, Any]:
    """Playwright (sync API, run in a worker thread): set up both pages, sample the citizen."""
    from playwright.sync_api import sync_playwright

    candidate = list(relay_address)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=chromium_args)
        try:
            advisor = browser.new_context().new_page()
            citizen = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
            for page in (advisor, citizen):
                page.goto(f"{base_url}/test/dev_call.html")
                page.wait_for_function("typeof window.publish === 'function'")
            advisor.evaluate("window.publish({simulcast: true, screen: true})")
            advisor_publications = advisor.evaluate("window.ownPublications")
            citizen.evaluate(f"window.publish({{candidate: {json.dumps(candidate)}}})")
            citizen.evaluate(
                f"window.subscribe({{candidate: {json.dumps(candidate)}, "
                f"publications: {json.dumps(advisor_publications)}}})"
            )
            advisor.evaluate("window.subscribe()")
            start = time.monotonic()
            samples = []
            outbound_history: list[tuple[float, list[dict[str, Any]]]] = []
            while time.monotonic() - start < seconds:
                time.sleep(SAMPLE_EVERY)
                tracks = citizen.evaluate("window.tracks()")
                tracks.append({"kind": "sfu", "stats": _sfu_view(base_url, citizen)})
                outbound = advisor.evaluate("window.outbound()")
                outbound_history.append((time.monotonic() - start, outbound))
                samples.append((time.monotonic() - start, capacity[0], tracks))
            final_tracks = citizen.evaluate("window.tracks()")
            return {"samples": samples, "final": final_tracks, "outbound": outbound_history,
                    "subscriber_session": citizen.evaluate("window.subscriberSession")}
        finally:
            browser.close()


async def run_once(
    base_url: str, sfu_address: tuple[str, int], stats_url: str, *, adaptation: bool,
    seconds: float, chromium_args: list[str], executable: str,
) -> RunResult:
    import httpx

    profile = PROFILES["3g-poor"]
    relay = ImpairmentRelay(sfu_address, uplink=profile.uplink, downlink=profile.downlink, seed=3)
    trace = CAPACITY_TRACES["3g-poor"]
    capacity = [trace[0][1]]
    async with trio.open_nursery() as nursery:
        relay_address = await nursery.start(relay.run)

        async def follow_trace() -> None:
            started = trio.current_time()
            for at, kbps in trace:
                await trio.sleep_until(started + at)
                capacity[0] = kbps
                relay.set_profiles(profile.uplink, with_rate(profile.downlink, kbps))
            await trio.sleep_forever()

        nursery.start_soon(follow_trace)
        raw = await trio.to_thread.run_sync(
            drive_pages, base_url, relay_address, seconds, capacity, chromium_args, executable
        )
        async with httpx.AsyncClient() as client:
            stats = (await client.get(stats_url)).json()
        nursery.cancel_scope.cancel()
    return summarise(raw, stats, adaptation, seconds, relay.counters)


def summarise(
    raw: dict[str, Any], stats: dict[str, Any], adaptation: bool, seconds: float,
    relay: dict[str, int],
) -> RunResult:
    result = RunResult(adaptation, seconds, relay=relay)
    session = stats["sessions"].get(str(raw["subscriber_session"]), {})
    subscriptions = session.get("subscriptions", {})
    for sub in subscriptions.values():
        result.sfu_pauses += sub.get("pauses", 0)
        result.sfu_layer_switches += sub.get("layer_switches", 0)
    video_mids = sorted(m for m, s in subscriptions.items() if s.get("kind") == "video")
    screen_mid = video_mids[-1] if len(video_mids) > 1 else None  # published after the camera
    for at, kbps, tracks in raw["samples"]:
        sfu: dict[str, Any] = next((t["stats"] for t in tracks if t["kind"] == "sfu"), {})
        tracks = [t for t in tracks if t["kind"] != "sfu"]
        by_kind = _by_kind(tracks, screen_mid)
        camera, screen, audio = (by_kind.get(k, {}) for k in ("camera", "screen", "audio"))
        result.samples.append(Sample(
            at, kbps, camera.get("frameWidth", 0), screen.get("frameWidth", 0),
            camera.get("framesDecoded", 0), screen.get("framesDecoded", 0),
            audio.get("concealedSamples", 0), audio.get("totalSamplesReceived", 0),
            sfu.get("estimate_bps", 0),
            " ".join(
                f"{m}:{'P' if v.get('paused') else v.get('layer')}"
                f"{[r // 1000 for r in v.get('layer_bitrates', [])]}"
                for m, v in sorted(sfu.get("subscriptions", {}).items())
            ) + f" probes={sfu.get('probes', 0)}/{sfu.get('probe_bps', 0) // 1000}"
            f"{[r // 1000 for r in sfu.get('probe_results', [])]}"
            f" loss={sfu.get('loss_ratio', 0):.2f} paced={sfu.get('paced_packets', 0)}",
        ))
    final = _by_kind(raw["final"], screen_mid)
    audio = final.get("audio", {})
    if audio.get("totalSamplesReceived"):
        result.audio_concealed_ratio = audio["concealedSamples"] / audio["totalSamplesReceived"]
    result.camera_freeze_seconds = final.get("camera", {}).get("totalFreezesDuration", 0.0)
    result.camera_freezes = final.get("camera", {}).get("freezeCount", 0)
    result.screen_freeze_seconds = final.get("screen", {}).get("totalFreezesDuration", 0.0)
    result.camera_widths = sorted({s.camera_width for s in result.samples if s.camera_width})
    history = raw["outbound"]
    if len(history) >= 2:
        (t0, first), (t1, last) = history[max(0, len(history) - 6)], history[-1]
        top = [o for o in last if o.get("rid") == "f"]
        top0 = [o for o in first if o.get("rid") == "f"]
        if top and top0 and t1 > t0:
            result.advisor_top_layer_kbps_last_10s = (
                (top[0]["bytesSent"] - top0[0]["bytesSent"]) * 8 / (t1 - t0) / 1000
            )
        result.advisor_limited_by_bandwidth = any(
            o.get("qualityLimitationReason") == "bandwidth" for o in last
        )
    return result


async def compare(seconds: float, modes: tuple[bool, ...]) -> list[RunResult]:
    from bench.chromium import CHROMIUM_ARGS, chromium_path
    from bench.inprocess_server import start_sfu  # Playwright and friends: test extras

    results = []
    for adaptation in modes:
        async with trio.open_nursery() as nursery:
            sfu = await start_sfu(nursery, adaptation=adaptation)
            results.append(await run_once(
                sfu.http_url, sfu.plane.udp_address, f"{sfu.http_url}/_dev/stats",
                adaptation=adaptation, seconds=seconds, chromium_args=CHROMIUM_ARGS,
                executable=chromium_path(),
            ))
            await sfu.stop()
            nursery.cancel_scope.cancel()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--only-adaptive", action="store_true",
                        help="skip the comparison run with the fixed highest layer")
    args = parser.parse_args()
    results = trio.run(compare, args.seconds, (True,) if args.only_adaptive else (True, False))
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / "adaptation-browser.json"
    output.write_text(json.dumps([asdict(r) for r in results], indent=2))
    for result in results:
        print(
            f"adaptation={'on ' if result.adaptation else 'off'} "
            f"audio concealed={result.audio_concealed_ratio:.1%} "
            f"camera freezes={result.camera_freezes} ({result.camera_freeze_seconds:.1f} s) "
            f"widths={result.camera_widths} pauses={result.sfu_pauses} "
            f"switches={result.sfu_layer_switches}"
        )
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
