"""Figures of the adaptation bench: per consultation, per link profile, and the table.

Everything here is computed from recorded values (arrival times, rendered frames, pause
announcements, link counters) with the pure functions of `bench.playout` and
`bench.adaptation_metrics`; nothing reads a clock or a socket.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bench.adaptation_metrics import (
    PAUSED,
    SwitchEvent,
    Trace,
    capacity_share,
    layer_changes,
    median,
    switch_events,
)
from bench.measure import percentile
from bench.playout import (
    Rendered,
    Window,
    audio_concealment,
    detect_freezes,
    overlaps,
    pause_windows,
)


@dataclass(frozen=True, slots=True)
class Recording:
    """What one consultation left behind (wall-clock seconds)."""

    audio_arrivals: dict[int, float]
    renders: tuple[Rendered, ...]
    pause_events: tuple[tuple[float, bool], ...]  # (time, paused) of the camera m-line
    sent_bytes: tuple[int, ...]  # per second of the trace, what the SFU sent toward the citizen
    delivered_bytes: tuple[int, ...]  # per second, what the link passed on
    queue_drops: int
    loss_drops: int
    counters: dict[str, int]  # the probe's NACK/PLI/RTX/padding counts, the receiver's loss


@dataclass
class ConsultationFigures:
    room: int
    audio_frames: int
    audio_concealed: int
    freezes: int
    freeze_seconds: float
    longest_freeze: float
    paused_seconds: float
    seconds_per_layer: dict[str, float]
    layer_timeline: list[tuple[float, int]]  # (s from the trace start, layer or -1 paused)
    events: list[SwitchEvent]
    shares: list[float]
    sent_kbps: float
    delivered_kbps: float
    capacity_kbps: float
    queue_drops: int
    loss_drops: int
    counters: dict[str, int]


def layer_name(layer: int, rids: Sequence[str]) -> str:
    return "paused" if layer == PAUSED else rids[layer]


def time_per_layer(changes: Sequence[tuple[float, int]], window: Window,
                   rids: Sequence[str]) -> dict[str, float]:
    """Seconds of the window spent on each layer (from its first frame to the next change);
    "paused" also holds the time before the first frame."""
    start, end = window
    spent = {name: 0.0 for name in (*rids, "paused")}
    bounded = [(-math.inf, PAUSED), *changes, (end, PAUSED)]
    for (at, layer), (following, _) in zip(bounded, bounded[1:], strict=False):
        overlap = min(following, end) - max(at, start)
        if overlap > 0:
            spent[layer_name(layer, rids)] += overlap
    return spent


def figures(room: int, recording: Recording, trace: Trace, window: Window,
            layer_bps: Sequence[float], audio_bps: float, rids: Sequence[str]
            ) -> ConsultationFigures:
    start, end = window
    audio = audio_concealment(recording.audio_arrivals, window)
    pauses = pause_windows(recording.pause_events, end)
    freezes = detect_freezes([r.at for r in recording.renders], window, pauses)
    changes = layer_changes(recording.renders, pauses)
    seconds = max(1, len(recording.sent_bytes))
    capacity = sum(kbps * (min(b, end) - max(a, start))
                   for (a, kbps), (b, _) in zip(trace, [*trace[1:], (end, 0.0)], strict=False)
                   if min(b, end) > max(a, start)) / (end - start)
    return ConsultationFigures(
        room=room, audio_frames=audio.frames, audio_concealed=audio.concealed,
        freezes=freezes.count, freeze_seconds=freezes.seconds, longest_freeze=freezes.longest,
        paused_seconds=sum(min(b, end) - max(a, start) for a, b in pauses
                           if overlaps((a, b), [window])),
        seconds_per_layer=time_per_layer(changes, window, rids),
        layer_timeline=[(round(at - start, 3), layer) for at, layer in changes],
        events=[replace(e, at=round(e.at - start, 3))  # seconds from the trace start
                for e in switch_events(trace, changes, layer_bps, audio_bps, end)],
        shares=capacity_share(recording.sent_bytes, trace, start),
        sent_kbps=sum(recording.sent_bytes) * 8 / seconds / 1000,
        delivered_kbps=sum(recording.delivered_bytes) * 8 / seconds / 1000,
        capacity_kbps=capacity, queue_drops=recording.queue_drops,
        loss_drops=recording.loss_drops, counters=recording.counters,
    )


@dataclass
class ProfileFigures:
    profile: str
    description: str
    trace_kbps: list[tuple[float, float]]  # relative to the trace start
    seconds: float
    rooms: int
    joined: int
    consultations: list[ConsultationFigures] = field(default_factory=list)
    sfu: dict[str, float] = field(default_factory=dict)  # /metrics totals (all subscribers)
    generator: dict[str, float] = field(default_factory=dict)  # CPU share, pacer lateness
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        done = self.consultations
        frames = sum(c.audio_frames for c in done)
        downs = [e for c in done for e in c.events if e.kind == "down"]
        ups = [e for c in done for e in c.events if e.kind == "recover"]
        shares = [s for c in done for s in c.shares if not math.isnan(s)]
        n = max(1, len(done))
        spent: dict[str, float] = {}
        for c in done:
            for name, value in c.seconds_per_layer.items():
                spent[name] = spent.get(name, 0.0) + value / n
        return {
            "audio_concealed_ratio": (sum(c.audio_concealed for c in done) / frames
                                      if frames else None),
            "audio_concealed_worst": max((c.audio_concealed / c.audio_frames for c in done
                                          if c.audio_frames), default=None),
            "freezes_per_consultation": sum(c.freezes for c in done) / n,
            "freeze_seconds_per_consultation": sum(c.freeze_seconds for c in done) / n,
            "longest_freeze_seconds": max((c.longest_freeze for c in done), default=0.0),
            "paused_seconds_per_consultation": sum(c.paused_seconds for c in done) / n,
            "seconds_per_layer": spent,
            **_switch_summary("down_switch", downs),
            **_switch_summary("recovery", ups),
            "sent_over_capacity_mean": sum(shares) / len(shares) if shares else None,
            "sent_over_capacity_p95": percentile(shares, 0.95) if shares else None,
            "sent_kbps": sum(c.sent_kbps for c in done) / n,
            "delivered_kbps": sum(c.delivered_kbps for c in done) / n,
            "capacity_kbps": sum(c.capacity_kbps for c in done) / n,
            "relay_queue_drops_per_consultation": sum(c.queue_drops for c in done) / n,
            "relay_loss_drops_per_consultation": sum(c.loss_drops for c in done) / n,
        }

    def to_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["summary"] = self.summary()
        finite: dict[str, Any] = _finite(document)
        return finite


def _switch_summary(name: str, events: list[SwitchEvent]) -> dict[str, Any]:
    reached = [e.seconds for e in events if e.seconds is not None]
    return {f"{name}_events": len(events), f"{name}_missed": len(events) - len(reached),
            f"{name}_median_s": median(reached),
            f"{name}_worst_s": None if len(reached) < len(events) else max(reached, default=None)}


def _finite(value: Any) -> Any:
    """JSON has no NaN: None instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _secs(median_s: float | None, worst: float | None, events: int, missed: int) -> str:
    if not events:
        return "n/a"
    worst_text = "not reached" if missed else f"{worst:.1f}"
    middle = "–" if median_s is None else f"{median_s:.1f}"
    return f"{middle} / {worst_text} s ({events})"


def markdown(profiles: list[ProfileFigures], settings: dict[str, Any]) -> str:
    lines = [
        "| link profile | rooms | audio concealed | freezes / consultation | freeze s / "
        "consultation | down-switch median / worst (events) | recovery median / worst (events) "
        "| sent / capacity mean (p95) | relay drops queue / loss per consultation |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for profile in profiles:
        s = profile.summary()
        down = _secs(s["down_switch_median_s"], s["down_switch_worst_s"],
                     s["down_switch_events"], s["down_switch_missed"])
        recovery = _secs(s["recovery_median_s"], s["recovery_worst_s"], s["recovery_events"],
                         s["recovery_missed"])
        share = f"{_pct(s['sent_over_capacity_mean'])} ({_pct(s['sent_over_capacity_p95'])})"
        drops = (f"{s['relay_queue_drops_per_consultation']:.0f} / "
                 f"{s['relay_loss_drops_per_consultation']:.0f}")
        lines.append(
            f"| {profile.profile} | {profile.joined}/{profile.rooms} "
            f"| {_pct(s['audio_concealed_ratio'])} | {s['freezes_per_consultation']:.1f} "
            f"| {s['freeze_seconds_per_consultation']:.1f} | {down} | {recovery} | {share} "
            f"| {drops} |"
        )
    layers = []
    for profile in profiles:
        spent = profile.summary()["seconds_per_layer"]
        layers.append(f"{profile.profile}: " + ", ".join(f"{k} {v:.0f}" for k, v in spent.items()))
    lines += ["", "Time on each layer (s per consultation): " + "; ".join(layers)]
    lines += ["", "Generator (one core; the server has the other): " + "; ".join(
        f"{p.profile}: CPU {p.generator.get('cpu_share', math.nan):.0%}, pacer p99 late "
        f"{p.generator.get('pacer_late_ms_p99', math.nan):.1f} ms" for p in profiles)]
    lines += ["", "Settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items())]
    return "\n".join(lines) + "\n"
