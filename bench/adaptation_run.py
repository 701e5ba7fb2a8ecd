"""One link profile of the adaptation bench: a fresh server, N consultations, one trace.

Per consultation the advisor (clean loopback) publishes three-layer simulcast and the citizen
sits behind its own `ImpairmentRelay` with the profile's uplink and downlink; all relays follow
the capacity trace together. The server runs with `media.adaptation` on, signalling is the
WebSocket protocol (the advisor admits the citizen). After the join and a warm-up at the
trace's first capacity, the trace runs once; then the server's `/metrics` are read and
everything stops (the server by PID, relays and transports with the nursery).
"""

from __future__ import annotations

import gc
import logging
import random
import time
from dataclasses import dataclass

import httpx
import trio

from bench.adaptation_report import ProfileFigures, Recording, figures
from bench.citizen_probe import CitizenProbe
from bench.engine import MediaEngine
from bench.impairment import ImpairmentRelay
from bench.link_meter import MeteredDirection, meter_downlink
from bench.link_profile import PROFILES, CapacityTrace, LinkProfile, with_rate
from bench.measure import percentile
from bench.media_source import MediaLoop
from bench.participant import Participant
from bench.simulcast_sender import SimulcastSender
from bench.simulcast_source import SimulcastMedia
from bench.streams import Sender, Totals
from bench.targets.base import Room
from bench.targets.videotermin import VideoterminTarget
from media.certificate import DtlsCertificate

log = logging.getLogger("bench")
SERVER_CPU = 1  # the generator stays on CPU 0 (pinned by the CLI)
JOIN_TIMEOUT = 20.0  # s for everyone to see video, plus JOIN_PER_ROOM per consultation
JOIN_PER_ROOM = 1.0
POLL = 0.02  # s between the citizens' NACK/PLI turns (a browser's NACK timer is ~20 ms)
QUEUEING_RTT = 0.05  # s added to the profile's propagation RTT for the citizen's NACK timing


@dataclass(frozen=True, slots=True)
class RunSpec:
    profile: str
    trace: CapacityTrace  # (seconds from the trace start, downlink kbit/s)
    seconds: float
    rooms: int
    warmup: float = 5.0
    red: bool = True
    seed: int = 1


class AudioOnlySender(Sender):
    """A citizen whose uplink cannot carry video: the camera m-line stays, silent (a browser's
    encoder does the same when its estimate is below the lowest video rate)."""

    def send_video_frame(self) -> None:
        return


@dataclass
class _Link:
    room: Room
    relay: ImpairmentRelay
    meter: MeteredDirection
    probe: CitizenProbe

    @property
    def citizen(self) -> Participant:
        return self.room.client


async def run_profile(spec: RunSpec, media: SimulcastMedia, citizen_loop: MediaLoop,
                      citizen_video: bool, audio_bps: float,
                      certificate: DtlsCertificate) -> ProfileFigures:
    mobile = PROFILES[spec.profile]
    result = ProfileFigures(spec.profile, mobile.description, list(spec.trace), spec.seconds,
                            spec.rooms, 0)
    rng = random.Random(spec.seed)
    totals = Totals()
    rtt = (mobile.downlink.delay_ms + mobile.uplink.delay_ms) / 1000 + QUEUEING_RTT
    with VideoterminTarget(certificate, None, SERVER_CPU, adaptation=True) as target:
        async with trio.open_nursery() as nursery:
            engine = MediaEngine(totals, spec.seed)
            nursery.start_soon(engine.run)
            links: list[_Link] = []
            for index in range(spec.rooms):
                downlink = with_rate(mobile.downlink, spec.trace[0][1])
                relay = ImpairmentRelay(target.udp_address, uplink=mobile.uplink,
                                        downlink=downlink, seed=spec.seed * 1000 + index)
                meter = meter_downlink(relay, downlink)
                address = await nursery.start(relay.run)
                room = _room(index, media, citizen_loop, citizen_video, totals, rng, address,
                             spec.red)
                links.append(_Link(room, relay, meter, CitizenProbe(media, room.client, rtt)))
            await target.prepare([link.room for link in links])
            for link in links:
                for participant in link.room.participants:
                    nursery.start_soon(_connect, target, participant, link.room, engine, result)
            nursery.start_soon(_poll, links)
            await _wait_for_media(links, JOIN_TIMEOUT + JOIN_PER_ROOM * spec.rooms)
            await trio.sleep(spec.warmup)
            origin, wall = trio.current_time(), time.time()
            for link in links:
                link.meter.start(origin)
            nursery.start_soon(_follow, links, mobile.uplink, mobile.downlink, spec.trace, origin)
            gc.collect()
            gc.disable()  # a full collection would stall the pacer and the relays for ms
            engine.lateness.clear()
            cpu = time.process_time()
            try:
                await trio.sleep_until(origin + spec.seconds)
            finally:
                gc.enable()
            result.generator = {
                "cpu_share": (time.process_time() - cpu) / spec.seconds,
                "pacer_late_ms_p99": percentile(engine.lateness, 0.99) * 1000,
            }
            result.sfu = await _sfu_totals(target.http_url)
            nursery.cancel_scope.cancel()
    trace = [(wall + at, kbps) for at, kbps in spec.trace]
    window = (wall, wall + spec.seconds)
    for link in links:
        if link.citizen.receiver.first_media_at is None:
            result.errors.append(f"room {link.room.index}: the citizen never received media")
            continue
        result.joined += 1
        result.consultations.append(figures(
            link.room.index, _recording(link), trace, window, media.layer_bps, audio_bps,
            media.rids))
    return result


def _room(index: int, media: SimulcastMedia, citizen_loop: MediaLoop, citizen_video: bool,
          totals: Totals, rng: random.Random, relay: tuple[str, int], red: bool) -> Room:
    ssrcs = tuple(rng.randrange(1, 2**32) for _ in range(len(media.layers) + 1))
    sender = SimulcastSender(media, ssrcs[0], ssrcs[1:], rng.randrange(1, 2**32), totals)
    advisor = Participant(2 * index, index, media.combined, totals, None,
                          random.Random(rng.random()), sender=sender, receive_loop=citizen_loop)
    advisor.offer_red = red
    citizen_sender = None
    if not citizen_video:
        citizen_sender = AudioOnlySender(citizen_loop, (rng.randrange(1, 2**32),
                                                        rng.randrange(1, 2**32)),
                                         rng.randrange(1, 2**32), totals)
    citizen = Participant(2 * index + 1, index, citizen_loop, totals, None,
                          random.Random(rng.random()), sender=citizen_sender,
                          receive_loop=media.combined, via=relay, accept_red=red)
    return Room(index, advisor, citizen)


async def _connect(target: VideoterminTarget, participant: Participant, room: Room,
                   engine: MediaEngine, result: ProfileFigures) -> None:
    try:
        await target.connect(participant, room, engine)
    except Exception as exc:  # one failed participant is reported, the run goes on
        participant.error = f"{type(exc).__name__}: {exc}"[:300]
        result.errors.append(f"participant {participant.number}: {participant.error}")
        log.warning("participant %d failed: %s", participant.number, participant.error)


async def _poll(links: list[_Link]) -> None:
    while True:
        now = time.time()
        for link in links:
            link.probe.poll(now)
        await trio.sleep(POLL)


async def _wait_for_media(links: list[_Link], timeout: float) -> None:
    """Until every citizen receives media (audio at least: on "edge" video may never come)."""
    with trio.move_on_after(timeout):
        while not all(link.citizen.receiver.first_media_at is not None or link.citizen.error
                      for link in links):
            await trio.sleep(0.1)


async def _follow(links: list[_Link], uplink: LinkProfile, downlink: LinkProfile,
                  trace: CapacityTrace, origin: float) -> None:
    """Every relay's downlink capacity follows the trace (the uplink keeps the profile's)."""
    for at, kbps in trace:
        await trio.sleep_until(origin + at)
        for link in links:
            link.relay.set_profiles(uplink, with_rate(downlink, kbps))


def _recording(link: _Link) -> Recording:
    probe, citizen, meter = link.probe, link.citizen, link.meter
    streams = citizen.receiver.streams.values()
    received = sum(s.received for s in streams)
    counters = {
        "packets": probe.packets, "retransmissions": probe.retransmissions,
        "padding_probes": probe.padding, "nacks_sent": probe.nacks_sent,
        "plis_sent": probe.plis_sent, "keyframe_waits": probe.playout.keyframe_waits,
        "frames_skipped": probe.playout.skipped, "frames_rendered": len(probe.playout.renders),
        "received": received, "gaps": sum(s.gaps for s in streams),
        "malformed": probe.malformed, "unknown": probe.unknown,
        **{f"relay_{k}": v for k, v in link.relay.counters.items()},
    }
    return Recording(
        audio_arrivals=dict(probe.audio_arrivals), renders=tuple(probe.playout.renders),
        pause_events=tuple((at, paused) for at, _, paused in citizen.track_pauses),
        sent_bytes=tuple(meter.offered), delivered_bytes=tuple(meter.passed),
        queue_drops=meter.queue_drops, loss_drops=meter.loss_drops, counters=counters,
    )


async def _sfu_totals(http_url: str) -> dict[str, float]:
    """Sums over the server's `/metrics` (Prometheus text) of the counters worth reporting."""
    wanted = ("videotermin_subscription_layer_switches_total",
              "videotermin_subscription_pauses_total",
              "videotermin_subscription_retransmissions_total",
              "videotermin_udp_send_dropped_total")
    totals = dict.fromkeys(wanted, 0.0)
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            text = (await client.get(f"{http_url}/metrics")).text
    except httpx.HTTPError as error:
        log.warning("metrics unavailable: %s", error)
        return totals
    for line in text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in totals and not line.startswith("#"):
            totals[name] += float(line.rsplit(" ", 1)[1])
    return totals
