"""What the SFU sent on one subscriber transport, by transport-wide sequence number.

Transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01) reports when each
numbered packet arrived; the estimator needs when it left and how big it was. A ring indexed by
the sequence number keeps that without per-packet objects.
"""

from __future__ import annotations

from media.seqnum import SequenceUnwrapper

HISTORY = 4096  # packets remembered: > 2 s of a 1.5 Mbit/s stream; a power of two
_MASK = HISTORY - 1
_EMPTY = -(1 << 62)  # no extended sequence number (they may be negative near the start)


class SendHistory:
    __slots__ = ("_tag", "_sent_at", "_size", "_sequences")

    def __init__(self) -> None:
        self._tag = [_EMPTY] * HISTORY  # extended sequence number held by each slot
        self._sent_at = [0.0] * HISTORY
        self._size = [0] * HISTORY
        self._sequences = SequenceUnwrapper()

    def on_sent(self, sequence: int, now: float, size: int) -> None:
        """Record one packet; `sequence` is the 16-bit number we stamped on it."""
        extended = self._sequences.unwrap(sequence)
        slot = extended & _MASK
        self._tag[slot] = extended
        self._sent_at[slot] = now
        self._size[slot] = size

    def lookup(self, sequence: int) -> tuple[float, int] | None:
        """(send time, size) of the newest packet with this 16-bit number, if remembered."""
        extended = self._sequences.peek(sequence)  # feedback is untrusted: it moves nothing
        if extended is None:
            return None
        slot = extended & _MASK
        if self._tag[slot] != extended:
            return None
        return self._sent_at[slot], self._size[slot]
