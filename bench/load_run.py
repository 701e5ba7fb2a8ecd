"""One target under load: consultations are added, media flows, windows are measured.

`LoadRun` owns the media engine task and one signalling task per participant, all in one
nursery; leaving the `async with` cancels them and closes every socket. Joining is bounded
in time: participants that have not received media by the deadline are counted as not
connected (and reported), never waited for forever.
"""

from __future__ import annotations

import gc
import logging
import math
import random
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

from bench.engine import MediaEngine
from bench.frame_check import CheckCounts, DecodeSampler
from bench.measure import (
    SATURATED,
    CpuWindow,
    LevelResult,
    check_totals,
    join_figures,
    percentile,
)
from bench.media_source import MediaLoop
from bench.participant import Participant
from bench.streams import Totals
from bench.targets.base import Room, Target

log = logging.getLogger("bench")
GENERATOR_CORE, SERVER_CORE = 0, 1  # as pinned by bench.load
LAG_LIMIT_MS = 20.0  # pacer p99 lateness that flags a saturated generator
JOIN_TIMEOUT = 10.0  # s, plus JOIN_PER_ROOM per room joining at once
JOIN_PER_ROOM = 0.25


class LoadRun:
    def __init__(self, target: Target, loop: MediaLoop, nursery: trio.Nursery, *,
                 decode_windows: int = 2, seed: int = 1, progress: bool = True) -> None:
        self.target = target
        self.loop = loop
        self.nursery = nursery
        self.totals = Totals()
        self.sampler = DecodeSampler(decode_windows, loop.profile.gop) if decode_windows else None
        self.engine = MediaEngine(self.totals, seed)
        self.rng = random.Random(seed)
        self.rooms: list[Room] = []
        self.participants: list[Participant] = []
        self.cpu = CpuWindow(target.pid)
        self.baseline_rss = self.cpu.rss_mib()
        self.progress = progress
        self.errors: list[str] = []

    @property
    def room_count(self) -> int:
        return len(self.rooms)

    async def add_rooms(self, count: int, *, spread: float = 0.0) -> list[Participant]:
        """Prepare `count` consultations, connect both participants of each (all joins within
        `spread` seconds), and wait until they receive media or the deadline passes."""
        rooms = []
        for _ in range(count):
            index = len(self.rooms)
            pair = [Participant(2 * index + i, index, self.loop, self.totals, self.sampler,
                                random.Random(self.rng.random())) for i in range(2)]
            room = Room(index, pair[0], pair[1])
            self.rooms.append(room)
            rooms.append(room)
            self.participants += pair
        await self.target.prepare(rooms)
        joining = [p for room in rooms for p in room.participants]
        started = trio.current_time()
        for i, participant in enumerate(joining):
            if spread > 0:
                await trio.sleep_until(started + spread * i / len(joining))
            self.nursery.start_soon(self._participant_task, participant,
                                    self.rooms[participant.room])
        deadline = trio.current_time() + JOIN_TIMEOUT + JOIN_PER_ROOM * count
        while trio.current_time() < deadline:
            if all(p.receiver.first_media_at is not None or p.error for p in joining):
                break
            await trio.sleep(0.05)
        return joining

    async def _participant_task(self, participant: Participant, room: Room) -> None:
        try:
            await self.target.connect(participant, room, self.engine)
        except Exception as exc:  # one failed participant is reported, the run goes on
            cause: BaseException = exc
            while isinstance(cause, BaseExceptionGroup) and len(cause.exceptions) == 1:
                cause = cause.exceptions[0]
            participant.error = f"{type(cause).__name__}: {cause}"
            self.errors.append(participant.error)
            log.warning("participant %d failed: %s", participant.number, participant.error)

    async def measure(self, seconds: float, scenario: str, joined: list[Participant],
                      warmup: float = 1.0) -> LevelResult:
        await trio.sleep(warmup)
        # The media path allocates no reference cycles; a full collection over the run's
        # objects would stall the pacer for tens of ms, so the collector waits until the end.
        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            return await self._window(seconds, scenario, joined)
        finally:
            gc.enable()
            gc.unfreeze()

    async def _window(self, seconds: float, scenario: str,
                      joined: list[Participant]) -> LevelResult:
        totals = self.totals
        totals.reset()
        self.engine.lateness.clear()
        checks_before = check_totals([self._checks()])
        self.cpu.start()
        end = trio.current_time() + seconds
        while trio.current_time() < end:
            await trio.sleep(min(1.0, end - trio.current_time()))
            if self.progress:
                self._progress(scenario, end)
        elapsed, server_cpu, own_cpu = self.cpu.stop()
        cores = self.cpu.core_busy()
        lag = percentile(self.engine.lateness, 0.99) * 1000
        rss = self.cpu.rss_mib()
        checks = self._checks()
        for name in checks.__dataclass_fields__:
            setattr(checks, name, getattr(checks, name) - getattr(checks_before, name))
        latencies = totals.latencies
        received = totals.received
        connected = sum(1 for p in self.participants if p.receiver.first_media_at is not None)
        joins = [s for p in joined if (s := p.join_seconds) is not None]
        join_p50, join_p95, join_max = join_figures(joins)
        server_util = server_cpu / elapsed
        own_util = own_cpu / elapsed
        if self.progress:
            print(file=sys.stderr, flush=True)
        return LevelResult(
            target=self.target.name, scenario=scenario, rooms=self.room_count,
            participants=len(self.participants), connected_participants=connected,
            profile=self.loop.profile.name, seconds=elapsed,
            sent_per_second=totals.sent / elapsed, forwarded_per_second=received / elapsed,
            received_packets=received,
            server_cpu_us_per_packet=server_cpu / received * 1e6 if received else math.nan,
            server_cpu_utilisation=server_util, server_saturated=server_util >= SATURATED,
            server_rss_mib=rss,
            server_mib_per_participant=(rss - self.baseline_rss) / max(1, connected),
            latency_ms_p50=percentile(latencies, 0.5) * 1000,
            latency_ms_p99=percentile(latencies, 0.99) * 1000,
            latency_ms_p999=percentile(latencies, 0.999) * 1000,
            loss_ratio=totals.gaps / (received + totals.gaps) if received else math.nan,
            join_ms_p50=join_p50, join_ms_p95=join_p95, join_ms_max=join_max,
            generator_cpu_utilisation=own_util,
            generator_core_busy=_core(cores, GENERATOR_CORE),
            server_core_busy=_core(cores, SERVER_CORE), server_cpus=self.cpu.target_cpus(),
            generator_pacing_lag_ms_p99=lag,
            generator_saturated=own_util >= SATURATED or lag > LAG_LIMIT_MS,
            damaged_payloads=totals.damaged, unknown_payloads=totals.unknown,
            frames_decoded=checks.decoded, frames_in_order=checks.in_order,
            frames_out_of_order=checks.out_of_order, frames_corrupt=checks.corrupt,
            frames_incomplete=checks.incomplete, keyframe_requests=totals.keyframe_requests,
            nacks=totals.nacks,
        )

    def _checks(self) -> CheckCounts:
        return check_totals([s.checker.counts for p in self.participants
                             for s in p.receiver.streams.values() if s.checker is not None])

    def _progress(self, scenario: str, end: float) -> None:
        totals = self.totals
        elapsed, server_cpu, own_cpu = self.cpu.stop()
        if elapsed <= 0:
            return
        p99 = percentile(totals.latencies[-20000:], 0.99) * 1000
        loss = totals.gaps / (totals.received + totals.gaps) if totals.received else math.nan
        left = max(0.0, end - trio.current_time())
        print(f"\r{self.target.name:>11} {scenario:<5} rooms={self.room_count:4d} "
              f"fwd/s={totals.received / elapsed:8.0f} server={server_cpu / elapsed:4.0%} "
              f"gen={own_cpu / elapsed:4.0%} p99={p99:6.2f}ms loss={loss:.4f} "
              f"left={left:4.1f}s ", end="", file=sys.stderr, flush=True)



@asynccontextmanager
async def load_run(target: Target, loop: MediaLoop, **options: object) -> AsyncIterator[LoadRun]:
    async with trio.open_nursery() as nursery:
        run = LoadRun(target, loop, nursery, **options)  # type: ignore[arg-type]
        nursery.start_soon(run.engine.run)
        try:
            yield run
        finally:
            for participant in run.participants:
                participant.stopped = True
                participant.receiver.close()
            nursery.cancel_scope.cancel()


def _core(busy: list[float], core: int) -> float:
    return busy[core] if core < len(busy) else math.nan
