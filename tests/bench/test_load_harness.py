"""The load harness in its smallest modes, against the real server process and against Janus.

Each test runs `python -m bench.load` as a command (in-process, through `main`) and checks the
JSON it writes: packets flowed, no loss on loopback, latency and join times measured, the
decoded frames were the right ones in order. The Janus test starts Janus for real (the set-up
command installs it): in CI a missing Janus fails the test, only a developer's machine
without it skips, loudly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bench.janus_process import janus_available
from bench.load import main
from bench.netns import netns_unavailable


def _run(tmp_path: Path, *args: str) -> dict[str, Any]:
    assert main([*args, "--name", "run", "--output-dir", str(tmp_path)]) == 0
    for suffix in (".md", ".png"):
        assert (tmp_path / f"run{suffix}").stat().st_size > 0
    document: dict[str, Any] = json.loads((tmp_path / "run.json").read_text())
    return document


def _sane(level: dict[str, Any]) -> None:
    assert level["connected_participants"] == level["participants"] == 2 * level["rooms"]
    assert level["received_packets"] > 100
    # 2 participants × (50 audio + ~40 video packets/s) per consultation
    assert level["forwarded_per_second"] > 0.8 * 180 * level["rooms"]
    assert level["loss_ratio"] is not None and level["loss_ratio"] < 0.01
    assert level["latency_ms_p50"] is not None and 0 < level["latency_ms_p50"] < 50
    assert level["latency_ms_p99"] >= level["latency_ms_p50"]
    assert level["join_ms_p50"] is not None and 0 < level["join_ms_p50"] < 10_000
    assert level["server_cpu_us_per_packet"] is not None and level["server_cpu_us_per_packet"] > 0
    assert 0 < level["server_rss_mib"]
    assert level["generator_cpu_utilisation"] > 0
    if (os.cpu_count() or 1) >= 2:  # the server really runs on its own core
        assert level["server_cpus"] == [1]
    assert level["damaged_payloads"] == 0
    assert level["frames_decoded"] > 0 and level["frames_corrupt"] == 0
    assert level["frames_out_of_order"] == 0


def test_smallest_run_against_our_server(tmp_path: Path) -> None:
    document = _run(tmp_path, "--targets", "videotermin", "--scenario", "fixed", "--rooms", "2",
                    "--seconds", "3", "--warmup", "1", "--network", "loopback")
    (scenario,) = document["scenarios"]
    assert scenario["target"] == "videotermin" and scenario["errors"] == []
    assert "WebSocket" in scenario["signalling"]
    (level,) = scenario["levels"]
    _sane(level)
    assert document["summary"]["targets"]["memory <= 2 MiB per participant"] != "not measured"


def _require_janus() -> None:
    reason = janus_available() or netns_unavailable()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"Janus comparison cannot run in CI: {reason}")
    pytest.skip(f"SKIPPED LOUDLY: Janus comparison needs Janus and root: {reason}")


def test_janus_comparison_runs_both_servers_side_by_side(tmp_path: Path) -> None:
    _require_janus()
    document = _run(tmp_path, "--targets", "videotermin", "janus", "--scenario", "fixed",
                    "--rooms", "2", "--seconds", "2", "--warmup", "1")
    assert document["settings"]["network"] == "netns"
    by_target = {s["target"]: s for s in document["scenarios"]}
    assert set(by_target) == {"videotermin", "janus"}
    for scenario in by_target.values():
        assert scenario["errors"] == []
        (level,) = scenario["levels"]
        _sane(level)
    assert "Janus" in by_target["janus"]["label"]
    (ratio,) = document["summary"]["cpu_ratio_to_janus"]
    assert ratio["rooms"] == 2 and ratio["ratio"] > 0
