"""Rate limit for keyframe requests (PLI, RFC 4585 §6.3.1; FIR, RFC 5104 §4.3.1) to a publisher.

Every subscriber that joins, loses packets or switches layer wants a keyframe, and a keyframe is
many times the size of a delta frame: forwarding each request would flood the publisher's uplink.
So one publisher stream gets at most one request per interval. A request inside the interval is
not lost but coalesced: it fires once when the interval ends, unless a keyframe arrived meanwhile
(which every requester receives anyway). The interval grows with the RTT, since a keyframe cannot
arrive sooner than one round trip after the request.
"""

from __future__ import annotations

DEFAULT_MIN_INTERVAL = 0.5  # seconds between requests to one publisher stream
FIR_SEQUENCE_MOD = 256  # RFC 5104 §4.3.1.1: 8-bit command sequence number


class KeyframeThrottle:
    """Decides when a keyframe request for one publisher stream actually goes out."""

    __slots__ = ("min_interval", "sent", "coalesced", "_rtt", "_last_sent", "_pending",
                 "_fir_sequence")

    def __init__(self, min_interval: float = DEFAULT_MIN_INTERVAL) -> None:
        self.min_interval = min_interval
        self.sent = 0  # requests let through
        self.coalesced = 0  # requests absorbed into a sent or pending one
        self._rtt = 0.0
        self._last_sent: float | None = None
        self._pending = False
        self._fir_sequence = 0

    @property
    def interval(self) -> float:
        return max(self.min_interval, self._rtt)

    @property
    def pending(self) -> bool:
        return self._pending

    def set_rtt(self, seconds: float) -> None:
        if seconds >= 0:
            self._rtt = seconds

    def request(self, now: float) -> bool:
        """Someone wants a keyframe: True means send a request now; else it is deferred."""
        last = self._last_sent
        if last is None or now >= last + self.interval:
            self._send(now)
            return True
        if self._pending:
            self.coalesced += 1
        self._pending = True
        return False

    def on_keyframe(self) -> None:
        """A keyframe arrived from the publisher: it satisfies the deferred request too."""
        if self._pending:
            self._pending = False
            self.coalesced += 1

    def get_timer(self) -> float | None:
        if not self._pending or self._last_sent is None:
            return None
        return self._last_sent + self.interval

    def handle_timer(self, now: float) -> bool:
        """True when the deferred request is due now: the caller sends it."""
        deadline = self.get_timer()
        if deadline is None or now < deadline:
            return False
        self._send(now)
        return True

    def next_fir_sequence(self) -> int:
        """Command sequence number for a new FIR; repeats of one request reuse theirs."""
        seq = self._fir_sequence
        self._fir_sequence = (seq + 1) % FIR_SEQUENCE_MOD
        return seq

    def _send(self, now: float) -> None:
        self._last_sent = now
        self._pending = False
        self.sent += 1
