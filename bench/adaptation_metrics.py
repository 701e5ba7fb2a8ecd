"""How the SFU's adaptation met the link: switch times and bytes against capacity (pure).

Times are seconds on one clock (the bench uses wall time); a capacity trace is a sequence of
(time, kbit/s) steps in absolute time. A layer is -1 while the video is paused.

- "Fits": a layer fits a capacity when its wire rate plus the audio's is at most that
  capacity (`best_layer`).
- Down-switch: at each capacity drop where the layer in use does not fit the new capacity,
  the time until the citizen first renders a layer that fits, or the SFU announces the pause.
- Recovery: a dip starts at a drop and ends at the next rise; then the target is the best layer
  shown in the `LOOKBACK` seconds before the dip, capped at what fits the new capacity, and the
  time is until the citizen renders a frame of that layer or better. None means it did not
  happen before the end.
- Bytes vs capacity: what the SFU sent toward the citizen in each whole second of the trace
  over what the link carries in that second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bench.playout import Rendered, Window

PAUSED = -1
LOOKBACK = 5.0  # s before a drop that count as "the layer used before it"
Trace = Sequence[tuple[float, float]]  # (absolute time, kbit/s), ascending


def best_layer(capacity_bps: float, layer_bps: Sequence[float], audio_bps: float) -> int:
    """The highest layer whose rate plus the audio's fits `capacity_bps`, or PAUSED."""
    best = PAUSED
    for layer, rate in enumerate(layer_bps):
        if rate + audio_bps <= capacity_bps:
            best = layer
    return best


def layer_changes(renders: Sequence[Rendered], pauses: Sequence[Window]) -> list[tuple[float, int]]:
    """The layer the citizen sees over time: a change at each first frame of another layer,
    and PAUSED from each announced pause until the first frame after its resume (frames still
    in flight when the pause was announced do not end it)."""
    shown = [(r.at, r.layer) for r in renders
             if not any(start <= r.at < end for start, end in pauses)]
    events = sorted(shown + [(start, PAUSED) for start, _ in pauses])
    changes: list[tuple[float, int]] = []
    for at, layer in events:
        if not changes or changes[-1][1] != layer:
            changes.append((at, layer))
    return changes


def layer_at(changes: Sequence[tuple[float, int]], at: float) -> int | None:
    """The layer in use just before `at` (None before any video)."""
    current = None
    for when, layer in changes:
        if when >= at:
            break
        current = layer
    return current


def best_layer_before(changes: Sequence[tuple[float, int]], at: float,
                      lookback: float = LOOKBACK) -> int | None:
    """The best layer shown during the `lookback` seconds before `at` (None before any video):
    what the citizen had before a drop, even if the SFU was flapping just then."""
    best = layer_at(changes, at - lookback)
    for when, layer in changes:
        if at - lookback <= when < at:
            best = layer if best is None else max(best, layer)
    return best


def _first(changes: Sequence[tuple[float, int]], since: float, until: float,
           wanted_low: int | None = None, wanted_high: int | None = None) -> float | None:
    for when, layer in changes:
        if when < since or when > until:
            continue
        if wanted_low is not None and layer <= wanted_low:
            return when - since
        if wanted_high is not None and layer >= wanted_high:
            return when - since
    return None


@dataclass(frozen=True, slots=True)
class SwitchEvent:
    kind: str  # "down" or "recover"
    at: float  # when the capacity changed
    capacity_kbps: float
    from_layer: int
    target_layer: int
    seconds: float | None  # None: not reached before the end


def switch_events(trace: Trace, changes: Sequence[tuple[float, int]],
                  layer_bps: Sequence[float], audio_bps: float, end: float) -> list[SwitchEvent]:
    events: list[SwitchEvent] = []
    dip_layer: int | None = None
    for (_, before), (at, kbps) in zip(trace, trace[1:], strict=False):
        if at >= end:
            break
        fit = best_layer(kbps * 1000, layer_bps, audio_bps)
        current = layer_at(changes, at)
        if kbps < before:
            if dip_layer is None:
                previous = best_layer_before(changes, at)
                dip_layer = previous if previous is not None else PAUSED
            if current is not None and current > fit:
                seconds = _first(changes, at, end, wanted_low=fit)
                events.append(SwitchEvent("down", at, kbps, current, fit, seconds))
        elif kbps > before and dip_layer is not None:
            target = min(dip_layer, fit)
            dip_layer = None
            if current is not None and target > current:
                seconds = _first(changes, at, end, wanted_high=target)
                events.append(SwitchEvent("recover", at, kbps, current, target, seconds))
    return events


def capacity_at(trace: Trace, at: float) -> float:
    """kbit/s of the trace at time `at` (the first step's before it starts)."""
    current = trace[0][1]
    for when, kbps in trace:
        if when > at:
            break
        current = kbps
    return current


def capacity_share(sent_bytes: Sequence[int], trace: Trace, origin: float) -> list[float]:
    """Per whole second k after `origin`: bytes sent in it over the link's capacity in it
    (integrated over the second, so steps inside a second count pro rata)."""
    shares = []
    for second, sent in enumerate(sent_bytes):
        start = origin + second
        edges = [start] + [t for t, _ in trace if start < t < start + 1] + [start + 1]
        capacity_bits = sum((b - a) * capacity_at(trace, a) * 1000
                            for a, b in zip(edges, edges[1:], strict=False))
        shares.append(sent * 8 / capacity_bits if capacity_bits else math.nan)
    return shares


def median(values: Sequence[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
