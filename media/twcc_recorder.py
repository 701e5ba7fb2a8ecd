"""Transport-wide congestion control feedback for what a publisher sends us.

draft-holmer-rmcat-transport-wide-cc-extensions-01: the publisher numbers every packet on the
transport; we report each number's arrival time, and the browser's own send-side estimator
adapts the phone's upload. Feedback goes out every `FEEDBACK_INTERVAL`.
"""

from __future__ import annotations

from media.rtcp import TransportCcFeedback, build_transport_cc_feedback
from media.seqnum import SEQ_MOD, SequenceUnwrapper

FEEDBACK_INTERVAL = 0.1  # s; libwebrtc sends feedback every 50-250 ms depending on rate
MAX_PENDING = 4096  # arrivals kept between two feedback packets (bounds memory under floods)


class TwccRecorder:
    """Collects (transport sequence, arrival) pairs and turns them into feedback packets."""

    __slots__ = (
        "enabled", "_arrivals", "_sequences", "_feedback_count", "_next_at",
        "_next_unreported",
    )

    def __init__(self) -> None:
        self.enabled = False
        self._arrivals: list[tuple[int, int]] = []
        self._sequences = SequenceUnwrapper()
        self._feedback_count = 0
        self._next_at = 0.0
        self._next_unreported: int | None = None  # so losses before a window's first arrival count

    def on_packet(self, sequence: int, now: float) -> None:
        if not self.enabled or len(self._arrivals) >= MAX_PENDING:
            return
        # + one wrap, so packets reordered before the very first one stay non-negative
        extended = self._sequences.unwrap(sequence) + SEQ_MOD
        self._arrivals.append((extended, int(now * 1_000_000)))

    def next_feedback_at(self) -> float | None:
        return self._next_at if self._arrivals else None

    def due_feedback(
        self, sender_ssrc: int, now: float, media_ssrc: int = 0
    ) -> list[TransportCcFeedback]:
        """Feedback for the arrivals since the last call. libwebrtc only accepts feedback whose
        media SSRC is one of its own senders, so pass one of the peer's SSRCs."""
        if not self._arrivals or now < self._next_at:
            return []
        self._next_at = now + FEEDBACK_INTERVAL
        arrivals = sorted(dict(self._arrivals).items())  # one arrival per sequence number
        self._arrivals.clear()
        packets = build_transport_cc_feedback(
            sender_ssrc, media_ssrc, self._feedback_count, arrivals,
            start_sequence=self._next_unreported,
        )
        self._next_unreported = max(self._next_unreported or 0, arrivals[-1][0] + 1)
        self._feedback_count = (self._feedback_count + len(packets)) & 0xFF
        return packets
