"""The last packets of one publisher stream, kept so NACKed packets can be sent again.

A ring indexed by ``seq & mask`` holds plaintext RTP packets: storing is three list writes, no
per-packet dict churn, and memory is bounded by the slot count. Packets are also bounded by age:
a retransmission only helps while the receiver's jitter buffer still waits for the packet, so a
packet older than `max_age` (default 1 s, well beyond typical jitter-buffer depths of a few hundred
ms; cf. RFC 4588 §3 on retransmission being useful only within the play-out delay) is not resent.
"""

from __future__ import annotations

from media.seqnum import SEQ_HALF, SEQ_MASK

DEFAULT_VIDEO_CAPACITY = 512  # ≈ 1 s of a 4 Mbit/s video stream in 1200-byte packets
DEFAULT_AUDIO_CAPACITY = 0  # Opus streams are not NACKed by browsers by default
DEFAULT_MAX_AGE = 1.0  # seconds
MAX_CAPACITY = 1 << 15  # half the 16-bit sequence space: beyond it slots would alias


class RetransmitBuffer:
    """Packets by RTP sequence number, bounded in count (rounded up to a power of two) and age."""

    __slots__ = ("capacity", "max_age", "hits", "misses", "expired", "_mask", "_packets",
                 "_seqs", "_times")

    def __init__(self, capacity: int = DEFAULT_VIDEO_CAPACITY, max_age: float = DEFAULT_MAX_AGE):
        if not 0 <= capacity <= MAX_CAPACITY:
            raise ValueError(f"capacity must be within 0..{MAX_CAPACITY}: {capacity}")
        size = 1 << (capacity - 1).bit_length() if capacity else 0
        self.capacity = size
        self.max_age = max_age
        self.hits = 0
        self.misses = 0
        self.expired = 0
        self._mask = size - 1
        self._packets: list[bytes | None] = [None] * size
        self._seqs = [0] * size
        self._times = [0.0] * size

    def store(self, seq: int, packet: bytes, now: float) -> None:
        """Keep `packet` (sequence number `seq`); a late packet never evicts a newer one."""
        if not self.capacity:
            return
        i = seq & self._mask
        old = self._seqs[i]
        # The slot holds a newer packet when old is 1..half ahead of seq (RFC 1982 order).
        if 0 < ((old - seq) & SEQ_MASK) < SEQ_HALF and self._packets[i] is not None:
            return
        self._packets[i] = packet
        self._seqs[i] = seq
        self._times[i] = now

    def get(self, seq: int, now: float) -> bytes | None:
        """The stored packet with sequence number `seq` if it is still fresh enough to resend."""
        if not self.capacity:
            self.misses += 1
            return None
        i = seq & self._mask
        packet = self._packets[i]
        if packet is None or self._seqs[i] != seq:
            self.misses += 1
            return None
        if now - self._times[i] > self.max_age:
            self._packets[i] = None  # free the memory early
            self.expired += 1
            return None
        self.hits += 1
        return packet

    def clear(self) -> None:
        """Forget everything (e.g. when the publisher's stream restarts)."""
        for i in range(self.capacity):
            self._packets[i] = None
