"""Serial-number arithmetic for RTP sequence numbers (16 bit) and timestamps (32 bit).

RTP counters wrap, so "newer" is decided on the shortest way round the circle (RFC 1982 serial
number arithmetic, as used by RFC 3550 §A.1). Unwrappers turn the wrapping values into unbounded
("extended") ints so the rest of the code can compare and subtract plainly.
"""

from __future__ import annotations

SEQ_BITS = 16  # RFC 3550 §5.1: sequence number is 16 bits
SEQ_MOD = 1 << SEQ_BITS
SEQ_MASK = SEQ_MOD - 1
SEQ_HALF = SEQ_MOD >> 1

TS_BITS = 32  # RFC 3550 §5.1: timestamp is 32 bits
TS_MOD = 1 << TS_BITS
TS_MASK = TS_MOD - 1
TS_HALF = TS_MOD >> 1


def seq_diff(a: int, b: int) -> int:
    """a − b on the 16-bit circle, in −32768..32767 (the exact half counts as "older")."""
    d = (a - b) & SEQ_MASK
    return d - SEQ_MOD if d >= SEQ_HALF else d


def seq_newer(a: int, b: int) -> bool:
    """True when sequence number a comes after b (RFC 1982 §3.2 comparison)."""
    return 0 < ((a - b) & SEQ_MASK) < SEQ_HALF


def ts_diff(a: int, b: int) -> int:
    """a − b on the 32-bit timestamp circle, in −2**31..2**31−1."""
    d = (a - b) & TS_MASK
    return d - TS_MOD if d >= TS_HALF else d


def ts_newer(a: int, b: int) -> bool:
    """True when RTP timestamp a comes after b."""
    return 0 < ((a - b) & TS_MASK) < TS_HALF


class _Unwrapper:
    """Maps wrapping counters onto unbounded ints relative to the highest value seen.

    A value within half the circle behind the highest is a reordered (late) one and unwraps to a
    smaller int; it does not move the reference, so late packets around a wrap land correctly.
    Values before the very first one may come out negative.
    """

    __slots__ = ("_highest",)
    _MASK = SEQ_MASK
    _MOD = SEQ_MOD
    _HALF = SEQ_HALF

    def __init__(self) -> None:
        self._highest: int | None = None

    @property
    def highest(self) -> int | None:
        """The highest extended value seen so far (None before the first)."""
        return self._highest

    def peek(self, value: int) -> int | None:
        """What `unwrap` would return, without moving the reference (None before the first)."""
        highest = self._highest
        if highest is None:
            return None
        d = (value - highest) & self._MASK
        return highest + d - self._MOD if d >= self._HALF else highest + d

    def unwrap(self, value: int) -> int:
        highest = self._highest
        if highest is None:
            self._highest = value & self._MASK
            return self._highest
        d = (value - highest) & self._MASK
        if d >= self._HALF:
            return highest + d - self._MOD
        highest += d
        self._highest = highest
        return highest


class SequenceUnwrapper(_Unwrapper):
    """Extends 16-bit RTP sequence numbers to monotonic ints."""

    __slots__ = ()


class TimestampUnwrapper(_Unwrapper):
    """Extends 32-bit RTP timestamps to monotonic ints."""

    __slots__ = ()
    _MASK = TS_MASK
    _MOD = TS_MOD
    _HALF = TS_HALF
