"""The adaptation bench end to end: one consultation on the "3g-poor" trace at half pace.

The real server (`videotermin serve`, adaptation on), the synthetic simulcast advisor, the
citizen behind the userspace link emulator. The trace (×0.5) is 400 kbit/s, 250 at 5 s, 150 at
10 s, 400 at 15 s, 600 at 20 s, 400 at 25 s, 30 s in all. At 150 kbit/s no video layer fits
beside the RED audio (~80 kbit/s with the 180p layer's ~160), so the SFU must pause the video;
when capacity returns it must bring it back; audio must survive all of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.adaptation_bench import main
from bench.adaptation_metrics import PAUSED, layer_at

pytestmark = pytest.mark.timeout(120)

DEEPEST_DROP = 10.0  # s into the scaled trace: 150 kbit/s
CAPACITY_BACK = 15.0
TRACE_END = 30.0
REACTION = 4.0  # s the SFU may take to get under the new capacity (estimate + keyframe + RTT)
# 3 % bursty loss on the downlink (bad periods of 5 packets losing every second one) plus the
# congestion of each drop: RED (one or two earlier frames in each packet) repairs most single
# losses. A broken audio path (no RED, a stalled jitter buffer, audio paused with the video)
# conceals tens of percent; a healthy one stays in the low single digits.
AUDIO_CONCEALED_MAX = 0.10


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("adaptation")
    assert main(["--profiles", "3g-poor", "--rooms", "1", "--trace-scale", "0.5",
                 "--warmup", "3", "--name", "test", "--output-dir", str(folder)]) == 0
    assert (folder / "adaptation-test.md").read_text().count("| 3g-poor |") == 1
    loaded: dict[str, Any] = json.loads((folder / "adaptation-test.json").read_text())
    return loaded


def _consultation(document: dict[str, Any]) -> dict[str, Any]:
    (profile,) = document["profiles"]
    assert profile["errors"] == [] and profile["joined"] == 1
    (consultation,) = profile["consultations"]
    result: dict[str, Any] = consultation
    return result


def test_metrics_are_computed_over_the_whole_trace(document: dict[str, Any]) -> None:
    consultation = _consultation(document)
    assert consultation["audio_frames"] >= 0.95 * TRACE_END / 0.02
    assert consultation["counters"]["frames_rendered"] > 100
    assert consultation["counters"]["malformed"] == 0 and consultation["counters"]["unknown"] == 0
    assert sum(consultation["seconds_per_layer"].values()) == pytest.approx(TRACE_END, abs=0.5)
    summary = document["profiles"][0]["summary"]
    assert summary["capacity_kbps"] == pytest.approx(
        (5 * 400 + 5 * 250 + 5 * 150 + 5 * 400 + 5 * 600 + 5 * 400) / 30, rel=0.01)


def test_video_gives_way_after_the_drop_and_comes_back(document: dict[str, Any]) -> None:
    consultation = _consultation(document)
    timeline = [(at, layer) for at, layer in consultation["layer_timeline"]]
    assert layer_at(timeline, DEEPEST_DROP + REACTION) == PAUSED, timeline
    assert consultation["paused_seconds"] > 1.0
    recoveries = [e for e in consultation["events"] if e["kind"] == "recover"]
    assert recoveries and all(e["seconds"] is not None for e in recoveries), consultation["events"]
    assert all(e["seconds"] is not None and e["seconds"] < REACTION
               for e in consultation["events"] if e["kind"] == "down")
    # video again once capacity is back (whether it lasts at 400 kbit/s with 3 % loss is the
    # SFU's call: the figures report it, the test does not insist)
    assert any(at > CAPACITY_BACK and layer >= 0 for at, layer in timeline)


def test_the_sfu_stays_near_capacity_and_audio_survives(document: dict[str, Any]) -> None:
    summary = document["profiles"][0]["summary"]
    assert 0.2 < summary["sent_over_capacity_mean"] < 1.3
    assert summary["audio_concealed_ratio"] < AUDIO_CONCEALED_MAX
    consultation = _consultation(document)
    assert consultation["counters"]["nacks_sent"] > 0  # 3 % loss: repairs were asked for
    assert consultation["counters"]["padding_probes"] > 0  # and the SFU probed for more
    assert document["profiles"][0]["sfu"]["videotermin_subscription_pauses_total"] >= 1


def test_results_are_a_table_row_per_profile(tmp_path: Path, document: dict[str, Any]) -> None:
    assert document["settings"]["rooms"] == 1 and document["duration_seconds"] < 90
    assert document["profiles"][0]["trace_kbps"][2] == [10.0, 150]
