"""What the SFU sent on one subscriber transport, by transport-wide sequence number.

Transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01) reports when each
numbered packet arrived; the estimator needs when it left and how big it was. A ring indexed by
the sequence number keeps that without per-packet objects.
"""

from __future__ import annotations

from media.seqnum import SEQ_HALF, SEQ_MASK

HISTORY = 4096  # packets remembered: > 2 s of a 1.5 Mbit/s stream; a power of two
_MASK = HISTORY - 1


class SendHistory:
    __slots__ = ("_tag", "_sent_at", "_size", "_highest", "_started")

    def __init__(self) -> None:
        self._tag = [-1] * HISTORY  # extended sequence number held by each slot
        self._sent_at = [0.0] * HISTORY
        self._size = [0] * HISTORY
        self._highest = 0
        self._started = False

    def on_sent(self, sequence: int, now: float, size: int) -> None:
        """Record one packet; `sequence` is the 16-bit number we stamped on it."""
        if self._started:
            delta = (sequence - self._highest) & SEQ_MASK
            extended = self._highest + delta if delta < SEQ_HALF else self._highest + delta - 65536
        else:
            self._started = True
            extended = sequence + 65536
        if extended > self._highest:
            self._highest = extended
        slot = extended & _MASK
        self._tag[slot] = extended
        self._sent_at[slot] = now
        self._size[slot] = size

    def lookup(self, sequence: int) -> tuple[float, int] | None:
        """(send time, size) of the newest packet with this 16-bit number, if remembered."""
        if not self._started:
            return None
        delta = (sequence - self._highest) & SEQ_MASK
        extended = self._highest + delta if delta < SEQ_HALF else self._highest + delta - 65536
        slot = extended & _MASK
        if self._tag[slot] != extended:
            return None
        return self._sent_at[slot], self._size[slot]
