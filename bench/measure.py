"""The figures of one measurement window, taken the same way for every target.

- Server CPU: the OS's accounting of the target process (user + system, all its threads),
  divided by the packets its receivers got in the window: µs per forwarded packet.
- Latency: kernel receive timestamp at the receiver minus the sender's wall time just before
  it protected and sent that packet (one machine, one clock).
- Loss: sequence gaps seen by receivers over (received + gaps).
- Memory: the process's resident set over the participants it carries (minus the RSS it had
  before anyone joined).
- The generator's own CPU and the lateness of its pacer, to flag runs where it was the limit.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

import psutil

from bench.frame_check import CheckCounts

SATURATED = 0.9  # share of one core above which a process counts as saturated
MIB = 2**20


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


@dataclass
class LevelResult:
    target: str
    scenario: str
    rooms: int
    participants: int
    connected_participants: int
    profile: str
    seconds: float
    sent_per_second: float
    forwarded_per_second: float
    received_packets: int
    server_cpu_us_per_packet: float
    server_cpu_utilisation: float
    server_saturated: bool
    server_rss_mib: float
    server_mib_per_participant: float
    latency_ms_p50: float
    latency_ms_p99: float
    latency_ms_p999: float
    loss_ratio: float
    join_ms_p50: float
    join_ms_p95: float
    join_ms_max: float
    generator_cpu_utilisation: float
    generator_core_busy: float  # the generator's core, all processes and softirq
    server_core_busy: float
    server_cpus: list[int]  # the target's CPU affinity (it should not share the generator's)
    generator_pacing_lag_ms_p99: float
    generator_saturated: bool
    damaged_payloads: int
    unknown_payloads: int
    frames_decoded: int
    frames_in_order: int
    frames_out_of_order: int
    frames_corrupt: int
    frames_incomplete: int
    keyframe_requests: int
    nacks: int

    def as_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in asdict(self).items()}


def _busy_by_core() -> list[tuple[float, float]]:
    """(busy, total) seconds per core since boot; busy includes irq and softirq time."""
    return [(float(t.user + t.nice + t.system + t.irq + t.softirq), float(sum(t)))
            for t in psutil.cpu_times(percpu=True)]


class CpuWindow:
    """CPU and wall time of the target and of this process between `start` and `stop`, and
    how busy each core was (the kernel's packet delivery runs in softirq on the sending core
    and is charged to no process)."""

    def __init__(self, target_pid: int) -> None:
        self.target = psutil.Process(target_pid)
        self.me = psutil.Process()
        self._t0 = self._server0 = self._mine0 = 0.0
        self._cores0: list[tuple[float, float]] = []

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._server0 = cpu_seconds(self.target)
        self._mine0 = cpu_seconds(self.me)
        self._cores0 = _busy_by_core()

    def core_busy(self) -> list[float]:
        """Share of each core that was busy (anything, any process) since `start`."""
        return [(busy - b0) / (total - t0) if total > t0 else math.nan
                for (busy, total), (b0, t0) in zip(_busy_by_core(), self._cores0, strict=False)]

    def stop(self) -> tuple[float, float, float]:
        """(elapsed s, target CPU s, own CPU s)."""
        return (time.monotonic() - self._t0, cpu_seconds(self.target) - self._server0,
                cpu_seconds(self.me) - self._mine0)

    def target_cpus(self) -> list[int]:
        return sorted(self.target.cpu_affinity() or [])

    def rss_mib(self) -> float:
        return float(self.target.memory_info().rss) / MIB


def join_figures(join_seconds: list[float]) -> tuple[float, float, float]:
    if not join_seconds:
        return math.nan, math.nan, math.nan
    ms = [s * 1000 for s in join_seconds]
    return statistics.median(ms), percentile(ms, 0.95), max(ms)


def check_totals(checks: list[CheckCounts]) -> CheckCounts:
    total = CheckCounts()
    for counts in checks:
        total.add(counts)
    return total
