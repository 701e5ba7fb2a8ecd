"""Per-subscriber rewriting of RTP sequence numbers and timestamps: the SFU's forwarding rule.

Every stream the SFU sends to a subscriber has its own SSRC, sequence space and timestamp base, so
a simulcast layer switch, a publisher reconnect or a replaced track looks to the receiving browser
like one continuous stream: no decoder reset, no jump in its jitter buffer, no gap it would NACK.

Mapping: while one source is forwarded, ``out = in + offset`` on extended (unwrapped) sequence
numbers and ``out_ts = in_ts + ts_offset`` mod 2**32. So a packet lost on the way in leaves a gap
on the way out (the receiver NACKs what was really lost) and a reordered packet lands in its own
place. A packet the SFU drops on purpose (`skip`) lowers the offset by one for everything after
it, which compresses it away; the skipped input ranges are remembered for a window so that late
packets from before a skip still find the offset that was in force for them.

A switch (`switch_source`) takes effect at the next packet of the new source — the caller calls it
right before forwarding the first packet of a keyframe. That packet gets the highest sent output
sequence + 1 and a timestamp advanced by the wall time since the last sent packet.
"""

from __future__ import annotations

from dataclasses import dataclass

from media.seqnum import SEQ_HALF, SEQ_MASK, SEQ_MOD, TS_MASK

RING_SIZE = 1024  # output packets remembered for NACK reverse lookup and duplicate detection
RING_MASK = RING_SIZE - 1
LATE_WINDOW = RING_SIZE  # input packets later than this (in sequence numbers) are dropped
_NO_SOURCE = -1  # never equal to a 32-bit SSRC (RFC 3550 §5.1)


@dataclass(frozen=True, slots=True)
class OutputOrigin:
    """Where an output packet came from: what a NACK handler needs to resend it."""

    source_ssrc: int
    source_sequence: int
    out_timestamp: int


class OutboundRewriter:
    """Rewrites one outgoing stream; one instance per (subscriber, outgoing track).

    `rewrite` is the per-packet hot path: in-order packets of the current source take a handful
    of int operations and three list stores (the reverse-lookup ring).
    """

    __slots__ = (
        "ssrc", "clock_rate", "dropped_other_source", "dropped_too_old", "dropped_duplicate",
        "skipped", "_source", "_pending_source", "_started", "_highest_in", "_switch_in",
        "_seq_offset", "_ts_offset", "_base_offset", "_skips", "_highest_out", "_initial_ts",
        "_last_time", "_ring_tag", "_ring_origin", "_ring_ts",
    )

    def __init__(
        self, ssrc: int, initial_sequence: int, initial_timestamp: int, clock_rate: int
    ) -> None:
        if not 0 <= ssrc <= 0xFFFFFFFF:
            raise ValueError(f"ssrc out of range: {ssrc}")
        if not 0 <= initial_sequence <= SEQ_MASK:
            raise ValueError(f"initial_sequence out of range: {initial_sequence}")
        if not 0 <= initial_timestamp <= TS_MASK:
            raise ValueError(f"initial_timestamp out of range: {initial_timestamp}")
        if clock_rate <= 0:
            raise ValueError(f"clock_rate must be positive: {clock_rate}")
        self.ssrc = ssrc
        self.clock_rate = clock_rate
        self.dropped_other_source = 0
        self.dropped_too_old = 0
        self.dropped_duplicate = 0
        self.skipped = 0
        self._source = _NO_SOURCE  # the source being forwarded; _NO_SOURCE while a sync is pending
        self._pending_source = _NO_SOURCE  # synced to at its next packet
        self._started = False
        self._highest_in = 0  # extended input seq of the newest packet seen (sent or skipped)
        self._switch_in = 0  # extended input seq of the sync packet; older ones are dropped
        self._seq_offset = 0  # out = in + offset for inputs after the newest skip
        self._ts_offset = 0
        self._base_offset = 0  # offset for inputs before the oldest remembered skip range
        self._skips: list[list[int]] = []  # [first, last, offset after] of skipped input runs
        self._highest_out = initial_sequence - 1  # extended; the first output is initial_sequence
        self._initial_ts = initial_timestamp
        self._last_time = 0.0
        self._ring_tag = [-1] * RING_SIZE  # extended output seq held by each slot
        self._ring_origin = [0] * RING_SIZE  # source_ssrc << 16 | source sequence
        self._ring_ts = [0] * RING_SIZE  # output timestamp

    @property
    def source_ssrc(self) -> int | None:
        """The source being forwarded, or the one a pending switch will sync to."""
        if self._pending_source != _NO_SOURCE:
            return self._pending_source
        return None if self._source == _NO_SOURCE else self._source

    @property
    def highest_sequence(self) -> int | None:
        """The newest output sequence number sent (None before the first packet)."""
        return (self._highest_out & SEQ_MASK) if self._started else None

    @property
    def last_timestamp(self) -> int:
        """Output timestamp of the newest packet sent (the initial one before any)."""
        if not self._started:
            return self._initial_ts
        return self._ring_ts[self._highest_out & RING_MASK]  # that slot cannot be overwritten

    @property
    def last_time(self) -> float:
        """Monotonic time at which the newest packet was rewritten."""
        return self._last_time

    def switch_source(self, new_source_ssrc: int) -> None:
        """Forward `new_source_ssrc` from its next packet on; drop everything else from now.

        Also used with the current source to resync after a discontinuity (publisher restart).
        """
        self._source = _NO_SOURCE
        self._pending_source = new_source_ssrc

    def rewrite(
        self, source_ssrc: int, sequence: int, timestamp: int, now: float
    ) -> tuple[int, int] | None:
        """(out_sequence, out_timestamp) for a packet to forward, or None to drop it."""
        if source_ssrc != self._source:
            return self._rewrite_other_source(source_ssrc, sequence, timestamp, now)
        highest = self._highest_in
        d = (sequence - highest) & SEQ_MASK
        if not 0 < d < SEQ_HALF:
            return self._rewrite_late(source_ssrc, sequence, timestamp, _late_ext(highest, d))
        highest += d
        self._highest_in = highest
        out = highest + self._seq_offset
        self._highest_out = out
        out_ts = (timestamp + self._ts_offset) & TS_MASK
        self._last_time = now
        i = out & RING_MASK  # _store() inlined: this is the per-packet path
        self._ring_tag[i] = out
        self._ring_origin[i] = (source_ssrc << 16) | sequence
        self._ring_ts[i] = out_ts
        return (out & SEQ_MASK, out_ts)

    def skip(self, source_ssrc: int, sequence: int) -> bool:
        """Drop a packet on purpose (padding, an unselected temporal layer) without a gap.

        Returns True when the drop is invisible to the receiver. False means the packet's output
        sequence number is already fixed (newer packets were sent): the receiver will see a gap
        there unless the caller forwards the packet with `rewrite` after all.
        """
        if source_ssrc != self._source:
            return True  # nothing of that source has been numbered
        highest = self._highest_in
        d = (sequence - highest) & SEQ_MASK
        if not 0 < d < SEQ_HALF:
            return self._late_skip_is_invisible(_late_ext(highest, d))
        highest += d
        self._highest_in = highest
        offset = self._seq_offset - 1
        self._seq_offset = offset
        self.skipped += 1
        skips = self._skips
        if skips and skips[-1][1] == highest - 1:
            last = skips[-1]
            last[1] = highest
            last[2] = offset
        else:
            skips.append([highest, highest, offset])
            limit = highest - LATE_WINDOW
            while skips[0][1] < limit:
                self._base_offset = skips.pop(0)[2]
        return True

    def seq_for_output(self, out_sequence: int) -> OutputOrigin | None:
        """The source packet behind a recently sent output sequence number (for a NACK)."""
        i = out_sequence & RING_MASK
        tag = self._ring_tag[i]
        if tag < 0 or (tag & SEQ_MASK) != out_sequence or self._highest_out - tag >= RING_SIZE:
            return None
        origin = self._ring_origin[i]
        return OutputOrigin(origin >> 16, origin & SEQ_MASK, self._ring_ts[i])

    def _rewrite_other_source(
        self, source_ssrc: int, sequence: int, timestamp: int, now: float
    ) -> tuple[int, int] | None:
        if source_ssrc != self._pending_source:
            self.dropped_other_source += 1
            return None
        if self._started:
            elapsed = now - self._last_time
            advance = int(elapsed * self.clock_rate + 0.5) if elapsed > 0 else 0
            out_ts = (self.last_timestamp + max(1, advance)) & TS_MASK  # a new frame: time moves
        else:
            out_ts = self._initial_ts
            self._started = True
        self._source = source_ssrc
        self._pending_source = _NO_SOURCE
        self._highest_in = sequence
        self._switch_in = sequence
        self._seq_offset = self._base_offset = self._highest_out + 1 - sequence
        self._ts_offset = (out_ts - timestamp) & TS_MASK
        self._skips.clear()
        out = self._highest_out + 1
        self._highest_out = out
        self._last_time = now
        self._store(out, source_ssrc, sequence, out_ts)
        return (out & SEQ_MASK, out_ts)

    def _store(self, out: int, source_ssrc: int, sequence: int, out_ts: int) -> None:
        i = out & RING_MASK
        self._ring_tag[i] = out
        self._ring_origin[i] = (source_ssrc << 16) | sequence
        self._ring_ts[i] = out_ts

    def _offset_for(self, in_ext: int) -> int | None:
        """The offset in force for a late input, or None if that input was skipped."""
        for first, last, after in reversed(self._skips):
            if in_ext > last:
                return after
            if in_ext >= first:
                return None
        return self._base_offset

    def _rewrite_late(
        self, source_ssrc: int, sequence: int, timestamp: int, in_ext: int
    ) -> tuple[int, int] | None:
        if in_ext < self._switch_in or self._highest_in - in_ext > LATE_WINDOW:
            self.dropped_too_old += 1
            return None
        offset = self._offset_for(in_ext)
        if offset is None:
            self.dropped_duplicate += 1  # a copy of a packet we skipped
            return None
        out = in_ext + offset
        if self._highest_out - out >= RING_SIZE:
            self.dropped_too_old += 1
            return None
        if self._ring_tag[out & RING_MASK] >= out:
            self.dropped_duplicate += 1
            return None
        out_ts = (timestamp + self._ts_offset) & TS_MASK
        self._store(out, source_ssrc, sequence, out_ts)
        return (out & SEQ_MASK, out_ts)

    def _late_skip_is_invisible(self, in_ext: int) -> bool:
        if in_ext < self._switch_in or self._highest_in - in_ext > LATE_WINDOW:
            return True  # it would have been dropped as too old anyway
        offset = self._offset_for(in_ext)
        if offset is None:
            return True  # skipped before
        out = in_ext + offset
        if self._highest_out - out >= RING_SIZE:
            return True  # too old to forward now, nothing to be gained
        return self._ring_tag[out & RING_MASK] == out  # already sent: the receiver has it


def _late_ext(highest: int, d: int) -> int:
    """Extended input seq of a packet `d` (mod 2**16, 0 or >= half) after `highest`."""
    return highest + d - SEQ_MOD if d else highest
