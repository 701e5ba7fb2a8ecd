"""Issue 7, proof 2: Chromium advisor (720p camera as three simulcast layers + a screen share)
and a Chromium citizen behind the "3g-poor" emulator (3 % bursty loss, 200 ms one way) whose
capacity follows the 60 s trace (400 → 250 → 150 → 400 → 600 → 400 kbit/s), once with
bandwidth adaptation and once with the fixed highest layer. `python -m bench.adaptation_browser`
is the same run, writing the numbers shown in the README."""

from __future__ import annotations

import pytest
import trio

from bench.adaptation_browser import compare

pytestmark = pytest.mark.browser

AUDIO_ONLY_UNTIL = 30.0  # s: the trace's 150 kbit/s stretch ends here


async def test_adaptation_keeps_speech_going_on_a_poor_3g_link(chromium_executable: str) -> None:
    with trio.fail_after(280):
        adapted, fixed = await compare(60.0, (True, False))
    # Speech: with adaptation the citizen hears the advisor; without it, the link drowns. The
    # product's bar is below 2 % concealed; the 60 s runs on this machine gave 0.7-2.0 %
    # (median 1.4 %; bench/adaptation_browser.py), almost all of it in the second after a
    # capacity cut, whose cost varies with where the cut meets the estimator. CI machines are
    # shared and slower, so the test allows a quarter more before it calls it a regression.
    assert adapted.audio_concealed_ratio < 0.025, adapted
    assert adapted.audio_concealed_ratio < fixed.audio_concealed_ratio / 2, (adapted, fixed)
    # Video yields to speech when capacity falls below what it needs, and comes back by itself
    # when capacity returns, instead of freezing.
    assert adapted.sfu_pauses >= 1, adapted
    assert fixed.sfu_pauses == 0
    before = max((s for s in adapted.samples if s.at <= AUDIO_ONLY_UNTIL), key=lambda s: s.at)
    last = adapted.samples[-1]
    assert last.camera_frames + last.screen_frames > before.camera_frames + before.screen_frames
    assert last.screen_frames > before.screen_frames, adapted  # the document comes first
    # The advisor's own uplink is not dragged down by the citizen's weak downlink.
    for run in (adapted, fixed):
        assert run.advisor_top_layer_kbps_last_10s > 150, run
        assert not run.advisor_limited_by_bandwidth, run
