"""Builds transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01) from arrivals.

The SFU records (unwrapped transport sequence number, arrival time in µs) per received packet and
periodically turns them into feedback for the publisher. Arrival times are floored to the 250 µs
wire unit once, and deltas are taken between those floored values, so rounding never accumulates.
A new feedback packet starts when a delta does not fit the signed 16-bit large delta (±8.19 s),
when the status count would pass 65535, or when the packet would exceed `max_size` bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from media.rtcp_twcc import (
    DELTA_UNIT_US,
    HEAD_SIZE,
    LARGE_DELTA,
    LARGE_MAX,
    LARGE_MIN,
    MAX_STATUS_COUNT,
    NOT_RECEIVED,
    REFERENCE_UNIT_US,
    RUN_MAX,
    SMALL_DELTA,
    SMALL_MAX,
    StatusChunkWriter,
    TransportCcFeedback,
    TwccPacket,
)

DEFAULT_MAX_SIZE = 1200  # bytes per feedback packet, leaving room for SRTCP and a compound RR
_TICKS_PER_REFERENCE = REFERENCE_UNIT_US // DELTA_UNIT_US  # 256
_MAX_CHUNK_GROWTH = 4  # chunks one gap plus one symbol can add beyond one per RUN_MAX lost


def _signed24(value: int) -> int:
    return (value + (1 << 23)) % (1 << 24) - (1 << 23)


def build_transport_cc_feedback(
    sender_ssrc: int,
    media_ssrc: int,
    feedback_count: int,
    arrivals: Sequence[tuple[int, int]],
    *,
    start_sequence: int | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
) -> list[TransportCcFeedback]:
    """Feedback packets covering `arrivals` = (unwrapped transport seq, arrival µs), sorted by seq.

    Sequence numbers missing between two arrivals are reported as not received, and so are those
    from `start_sequence` (the first one not yet reported, if given) up to the first arrival;
    arrivals before it are dropped. A repeated sequence number keeps its first arrival.
    Consecutive packets get feedback counts `feedback_count`, `feedback_count + 1`, ... (mod 256):
    advance yours by the length of the list.
    """
    feedbacks: list[TransportCcFeedback] = []
    index, total = 0, len(arrivals)
    reported = None if start_sequence is None else start_sequence - 1  # last sequence covered
    while index < total:
        first_sequence, first_arrival = arrivals[index]
        if reported is not None and first_sequence <= reported:
            index += 1
            continue
        reference = first_arrival // REFERENCE_UNIT_US
        previous_tick = reference * _TICKS_PER_REFERENCE
        previous_sequence = first_sequence - 1
        if reported is not None and first_sequence - reported < MAX_STATUS_COUNT:
            previous_sequence = reported  # a new packet also reports the losses before it
        writer = StatusChunkWriter()
        delta_bytes = 0
        packets: list[TwccPacket] = []
        while index < total:
            sequence, arrival = arrivals[index]
            if sequence <= previous_sequence:  # duplicate (or unsorted) arrival
                index += 1
                continue
            tick = arrival // DELTA_UNIT_US
            delta = tick - previous_tick
            gap = sequence - previous_sequence - 1
            if not LARGE_MIN <= delta <= LARGE_MAX or len(packets) + gap >= MAX_STATUS_COUNT:
                break
            symbol, width = (SMALL_DELTA, 1) if 0 <= delta <= SMALL_MAX else (LARGE_DELTA, 2)
            # Adding symbols grows the chunk count by at most 4 plus one per full run: only near
            # the size limit is a snapshot (to undo the addition) worth taking.
            size = HEAD_SIZE + 2 * writer.chunk_count() + delta_bytes + width + 3
            state = None
            if packets and size + 2 * (_MAX_CHUNK_GROWTH + gap // RUN_MAX) > max_size:
                state = writer.snapshot()
            if gap:
                writer.add(NOT_RECEIVED, gap)
            writer.add(symbol)
            if state is not None:
                size = HEAD_SIZE + 2 * writer.chunk_count() + delta_bytes + width
                if size + -size % 4 > max_size:
                    writer.restore(state)
                    break
            if gap:
                packets.extend((lost & 0xFFFF, None) for lost in range(sequence - gap, sequence))
            packets.append((sequence & 0xFFFF, delta * DELTA_UNIT_US))
            delta_bytes += width
            previous_tick, previous_sequence = tick, sequence
            index += 1
        reported = previous_sequence
        if packets:
            feedbacks.append(TransportCcFeedback(
                sender_ssrc, media_ssrc, packets[0][0], _signed24(reference),
                (feedback_count + len(feedbacks)) & 0xFF, tuple(packets),
            ))
    return feedbacks
