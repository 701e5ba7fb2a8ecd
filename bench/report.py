"""Results on disk: one JSON with every figure, a Markdown summary, a PNG plot.

The headline is the ratio of our server's CPU per forwarded packet to Janus's at the same
offered load (same number of consultations, same media, same generator). The issue's targets
are checked and printed as met / not met — the numbers steer the next work, so nothing is
rounded in our favour.
"""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path
from typing import Any

from bench.measure import LevelResult
from bench.scenarios import BEHIND_MS, ScenarioOutcome

TARGET_US_PER_PACKET = 10.0
TARGET_RATIO_TO_JANUS = 1.5
TARGET_P99_MS_AT_HALF = 1.0
TARGET_MIB_PER_PARTICIPANT = 2.0


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = list(os.getloadavg())
    except OSError:
        load = []
    memory = 0
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "python": platform.python_version(), "memory_gib": round(memory / 2**30, 1),
            "load_average_at_start": load}


def _levels(outcomes: list[ScenarioOutcome], target: str, scenario: str) -> list[LevelResult]:
    for outcome in outcomes:
        if outcome.target == target and outcome.scenario == scenario:
            return outcome.levels
    return []


def _pct(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.0%}"


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def summary(outcomes: list[ScenarioOutcome]) -> dict[str, Any]:
    """Headline figures and the issue's targets for our server."""
    ours = [lv for o in outcomes if o.target == "videotermin" and o.scenario != "storm"
            for lv in o.levels]
    janus = {lv.rooms: lv for o in outcomes if o.target == "janus" and o.scenario != "storm"
             for lv in o.levels}
    ratios = [
        {"rooms": lv.rooms, "ours_us": lv.server_cpu_us_per_packet,
         "janus_us": janus[lv.rooms].server_cpu_us_per_packet,
         "ratio": lv.server_cpu_us_per_packet / janus[lv.rooms].server_cpu_us_per_packet}
        for lv in ours if lv.rooms in janus and janus[lv.rooms].server_cpu_us_per_packet > 0
    ]
    result: dict[str, Any] = {"cpu_ratio_to_janus": ratios}
    ramp = next((o for o in outcomes if o.target == "videotermin" and o.scenario == "ramp"), None)
    half: LevelResult | None = None
    saturating = None
    if ramp is not None and ramp.levels:
        last = ramp.levels[-1]
        if last.server_saturated or (not math.isnan(last.loss_ratio)
                                     and last.loss_ratio > 0.01) or (
                not math.isnan(last.latency_ms_p50) and last.latency_ms_p50 > BEHIND_MS):
            saturating = last.rooms
            below = [lv for lv in ramp.levels if lv.rooms <= saturating / 2]
            half = below[-1] if below else None
    busiest = max(ours, key=lambda lv: lv.rooms, default=None)
    storm = next((o.levels[0] for o in outcomes if o.target == "videotermin"
                  and o.scenario == "storm" and o.levels), None)
    result.update({
        "saturating_rooms": saturating,
        "half_load_rooms": half.rooms if half else None,
        "latency_p99_ms_at_half_load": half.latency_ms_p99 if half else None,
        "cpu_us_per_packet_at_busiest": busiest.server_cpu_us_per_packet if busiest else None,
        "mib_per_participant_at_busiest": busiest.server_mib_per_participant if busiest else None,
        "join_ms_p50_storm": storm.join_ms_p50 if storm else None,
        "join_ms_p95_storm": storm.join_ms_p95 if storm else None,
    })
    worst_ratio = max((r["ratio"] for r in ratios), default=None)
    result["targets"] = {
        "cpu_us_per_packet <= 10": _met(result["cpu_us_per_packet_at_busiest"],
                                        TARGET_US_PER_PACKET),
        "cpu ratio to Janus <= 1.5": _met(worst_ratio, TARGET_RATIO_TO_JANUS),
        "latency p99 <= 1 ms at half the saturating load": _met(
            result["latency_p99_ms_at_half_load"], TARGET_P99_MS_AT_HALF),
        "memory <= 2 MiB per participant": _met(result["mib_per_participant_at_busiest"],
                                                TARGET_MIB_PER_PARTICIPANT),
    }
    return result


def _met(value: float | None, limit: float) -> str:
    if value is None or math.isnan(value):
        return "not measured"
    return f"{'met' if value <= limit else 'NOT met'} ({value:.2f} vs {limit:g})"


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")


def to_dict(outcomes: list[ScenarioOutcome]) -> list[dict[str, Any]]:
    return [{"target": o.target, "label": o.label, "scenario": o.scenario,
             "signalling": o.signalling, "stopped_because": o.stopped_because,
             "errors": o.errors[:20], "levels": [lv.as_dict() for lv in o.levels]}
            for o in outcomes]


def markdown(report: dict[str, Any], outcomes: list[ScenarioOutcome]) -> str:
    janus = {(lv.scenario, lv.rooms): lv for o in outcomes if o.target == "janus"
             for lv in o.levels}
    lines = [f"# Load harness run {report['started']}", ""]
    m = report["machine"]
    lines += [f"Machine: {m['cpus']} × {m['cpu_model'] or 'CPU'}, {m['memory_gib']} GiB, "
              f"Linux {m['kernel']}, Python {m['python']}; load average at start "
              f"{', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}.",
              f"Command: `{report['command']}`", ""]
    s = report["settings"]
    lines += [f"Profile `{s['profile']}` ({s['media']}); network: {s['network']}; "
              f"{s['seconds']:g} s measured per level after {s['warmup']:g} s warm-up; "
              f"server and generator pinned to different cores"
              f"{', both at nice -20' if s.get('high_priority') else ''}.", ""]
    lines += ["| target | scenario | rooms | fwd pkt/s | server CPU (core) | µs/pkt | × Janus | "
              "lat p50 ms | p99 | p99.9 | loss | join p50 ms | p95 | MiB/part. | gen CPU (core) | "
              "frames ok/bad |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for outcome in outcomes:
        for lv in outcome.levels:
            other = janus.get((lv.scenario, lv.rooms))
            ratio = (_fmt(lv.server_cpu_us_per_packet / other.server_cpu_us_per_packet, 2)
                     if other is not None and lv.target != "janus"
                     and other.server_cpu_us_per_packet > 0 else "")
            flags = []
            if lv.server_saturated:
                flags.append("server saturated")
            if lv.generator_saturated:
                flags.append("GENERATOR SATURATED")
            gen = (f"{lv.generator_cpu_utilisation:.0%} (core {_pct(lv.generator_core_busy)})"
                   + (f" {', '.join(flags)}" if flags else ""))
            lines.append(
                f"| {lv.target} | {lv.scenario} | {lv.rooms} | {lv.forwarded_per_second:.0f} | "
                f"{lv.server_cpu_utilisation:.0%} ({_pct(lv.server_core_busy)}) | "
                f"{_fmt(lv.server_cpu_us_per_packet)} | "
                f"{ratio} | {_fmt(lv.latency_ms_p50, 2)} | {_fmt(lv.latency_ms_p99, 2)} | "
                f"{_fmt(lv.latency_ms_p999, 2)} | {_fmt(lv.loss_ratio * 100, 2)} % | "
                f"{_fmt(lv.join_ms_p50, 0)} | {_fmt(lv.join_ms_p95, 0)} | "
                f"{_fmt(lv.server_mib_per_participant, 2)} | {gen} | "
                f"{lv.frames_in_order}/{lv.frames_corrupt + lv.frames_out_of_order} |")
    lines += ["", "Stops: " + "; ".join(f"{o.target} {o.scenario}: {o.stopped_because}"
                                       for o in outcomes), ""]
    lines += ["## Targets for this server", ""]
    for name, verdict in report["summary"]["targets"].items():
        lines.append(f"- {name}: {verdict}")
    return "\n".join(lines) + "\n"


def plot(path: Path, outcomes: list[ScenarioOutcome]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    colours = {"videotermin": "tab:blue", "janus": "tab:orange"}
    for outcome in outcomes:
        if outcome.scenario == "storm" or not outcome.levels:
            continue
        rooms = [lv.rooms for lv in outcome.levels]
        colour = colours.get(outcome.target, "tab:grey")
        name = f"{outcome.target} ({outcome.scenario})"
        axes[0].plot(rooms, [lv.server_cpu_us_per_packet for lv in outcome.levels], "o-",
                     color=colour, label=name)
        axes[1].plot(rooms, [lv.latency_ms_p50 for lv in outcome.levels], "o--", color=colour,
                     label=f"{name} p50")
        axes[1].plot(rooms, [lv.latency_ms_p99 for lv in outcome.levels], "o-", color=colour,
                     label=f"{name} p99")
        axes[2].plot(rooms, [lv.loss_ratio * 100 for lv in outcome.levels], "o-",
                     color=colour, label=name)
    titles = ("server CPU per forwarded packet (µs)", "added latency (ms)", "loss (%)")
    for axis, title in zip(axes, titles, strict=True):
        axis.set_title(title)
        axis.set_xlabel("consultations (2 participants each)")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    axes[0].set_ylim(bottom=0)
    axes[1].set_yscale("log")
    top = max((lv.loss_ratio * 100 for o in outcomes for lv in o.levels
               if not math.isnan(lv.loss_ratio)), default=0.0)
    axes[2].set_ylim(0, max(1.5, top * 1.2))
    axes[2].axhline(1.0, color="tab:red", linewidth=0.8, linestyle=":")  # the ramp's limit
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
