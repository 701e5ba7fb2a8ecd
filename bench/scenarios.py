"""The three scenarios, each bounded in rooms and time, each against a fresh target process.

- fixed: for every level, start the target, add that many consultations, measure a window.
- ramp: one target; add consultations level by level until loss exceeds 1 %, the server's CPU
  saturates or it falls behind (median added latency over 10 ms), the generator saturates,
  joins fail, or the room/time bound is reached.
- storm: prepare N consultations, then let all 2N participants join within one window and
  measure the time from opening the signalling connection to the first media packet.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import trio

from bench.load_run import load_run
from bench.measure import LevelResult
from bench.media_source import MediaLoop
from bench.targets.base import Target

log = logging.getLogger("bench")
LOSS_LIMIT = 0.01
BEHIND_MS = 10  # median added latency past which the server is not keeping up, whatever its CPU

TargetFactory = Callable[[], AbstractContextManager[Target]]


@dataclass
class ScenarioOutcome:
    target: str
    scenario: str
    levels: list[LevelResult] = field(default_factory=list)
    stopped_because: str = ""
    errors: list[str] = field(default_factory=list)
    label: str = ""
    signalling: str = ""


def stop_reason(result: LevelResult) -> str | None:
    if not math.isnan(result.loss_ratio) and result.loss_ratio > LOSS_LIMIT:
        return f"loss {result.loss_ratio:.2%} > 1 %"
    if result.server_saturated:
        return f"server CPU saturated ({result.server_cpu_utilisation:.0%} of its core)"
    if not math.isnan(result.latency_ms_p50) and result.latency_ms_p50 > BEHIND_MS:
        return f"server falls behind (latency p50 {result.latency_ms_p50:.0f} ms > {BEHIND_MS} ms)"
    if result.generator_saturated:
        return (f"generator saturated (CPU {result.generator_cpu_utilisation:.0%}, pacer "
                f"p99 late {result.generator_pacing_lag_ms_p99:.1f} ms)")
    if result.connected_participants < result.participants:
        return f"only {result.connected_participants}/{result.participants} participants got media"
    return None


async def fixed(outcome: ScenarioOutcome, factory: TargetFactory, loop: MediaLoop,
                levels: list[int], seconds: float, warmup: float, decode_windows: int) -> None:
    outcome.stopped_because = "interrupted"
    for rooms in levels:
        with factory() as target:
            outcome.label = target.label
            async with load_run(target, loop, decode_windows=decode_windows) as run:
                outcome.signalling = target.signalling
                joined = await run.add_rooms(rooms, spread=min(2.0, 0.05 * rooms))
                outcome.levels.append(await run.measure(seconds, "fixed", joined, warmup))
                outcome.errors += run.errors
    outcome.stopped_because = "all levels run"


async def ramp(outcome: ScenarioOutcome, factory: TargetFactory, loop: MediaLoop,
               levels: list[int], seconds: float, warmup: float, decode_windows: int,
               budget: float) -> None:
    """Levels are cumulative room counts; stops at the first level that hits a limit, or
    before a level when less than `level_time` of the budget is left."""
    deadline = trio.current_time() + budget
    outcome.stopped_because = "interrupted"
    with factory() as target:
        outcome.label = target.label
        async with load_run(target, loop, decode_windows=decode_windows) as run:
            outcome.signalling = target.signalling
            level_time = 0.0
            for rooms in levels:
                if trio.current_time() + level_time > deadline:
                    outcome.stopped_because = "time budget used"
                    break
                level_started = trio.current_time()
                added = rooms - run.room_count
                if added <= 0:
                    continue
                try:
                    joined = await run.add_rooms(added, spread=min(2.0, 0.05 * added))
                except Exception as exc:  # e.g. the server too busy to answer the preparation
                    outcome.stopped_because = f"adding level {rooms} failed: {_cause(exc)}"
                    break
                result = await run.measure(seconds, "ramp", joined, warmup)
                outcome.levels.append(result)
                level_time = trio.current_time() - level_started
                reason = stop_reason(result)
                if reason is not None:
                    outcome.stopped_because = reason
                    break
            else:
                outcome.stopped_because = f"largest level ({levels[-1]} rooms) carried"
            outcome.errors += run.errors


async def storm(outcome: ScenarioOutcome, factory: TargetFactory, loop: MediaLoop, rooms: int,
                window: float, seconds: float, decode_windows: int) -> None:
    outcome.stopped_because = "interrupted"
    with factory() as target:
        outcome.label = target.label
        async with load_run(target, loop, decode_windows=decode_windows) as run:
            outcome.signalling = target.signalling
            joined = await run.add_rooms(rooms, spread=window)
            outcome.levels.append(await run.measure(seconds, "storm", joined, warmup=0.5))
            outcome.errors += run.errors
    outcome.stopped_because = f"{rooms} consultations joined within {window:g} s"


def _cause(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}"[:200]
