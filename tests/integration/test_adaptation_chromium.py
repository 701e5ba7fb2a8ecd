"""Issue 7, proof 2 (short form): Chromium advisor (720p simulcast + screen share) and a
Chromium citizen behind the "3g-poor" emulator whose capacity changes every few seconds, once
with bandwidth adaptation and once with the fixed highest layer. The long version
(`python -m bench.adaptation_browser`) writes the numbers shown in the README."""

from __future__ import annotations

import pytest
import trio

from bench.adaptation_browser import compare

pytestmark = pytest.mark.browser


async def test_adaptation_keeps_speech_going_on_a_poor_3g_link(chromium_executable: str) -> None:
    with trio.fail_after(240):
        adapted, fixed = await compare(40.0, (True, False))
    # Speech: with adaptation the citizen hears the advisor; without it, the link drowns.
    assert adapted.audio_concealed_ratio < 0.05, adapted
    assert adapted.audio_concealed_ratio < fixed.audio_concealed_ratio / 2, (adapted, fixed)
    # Video yields to speech when capacity falls below what it needs, instead of freezing.
    assert adapted.sfu_pauses >= 1, adapted
    assert fixed.sfu_pauses == 0
    # The advisor's own uplink is not dragged down by the citizen's weak downlink.
    for run in (adapted, fixed):
        assert run.advisor_top_layer_kbps_last_10s > 150, run
        assert not run.advisor_limited_by_bandwidth, run
