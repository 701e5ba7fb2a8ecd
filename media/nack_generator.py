"""Which packets the SFU itself asks a publisher to resend (Generic NACK, RFC 4585 §6.2.1).

A gap in the incoming sequence numbers marks packets as missing. Each is first requested after a
short grace period (most gaps are reordering that heals within milliseconds), then again every
round-trip time, at most `max_retries` times and only while it is younger than `max_age`. When
more than `max_missing` packets are missing at once, NACKing is hopeless: the generator gives up
on all of them and raises `keyframe_needed`, and the caller sends a PLI instead.
"""

from __future__ import annotations

from media.seqnum import SEQ_HALF, SEQ_MASK, SEQ_MOD

DEFAULT_REORDER_GRACE = 0.015  # seconds before the first request
DEFAULT_RTT = 0.1  # seconds, until measured (RFC 4585 has no default; 100 ms is a common guess)
MIN_RETRY_INTERVAL = 0.01  # seconds, so a tiny RTT does not flood the publisher
DEFAULT_MAX_RETRIES = 10
DEFAULT_MAX_AGE = 1.0  # seconds; a packet that late is useless to every jitter buffer
DEFAULT_MAX_MISSING = 1000


class _Missing:
    """Request state of one missing packet (mutable, internal)."""

    __slots__ = ("since", "sent_at", "retries")

    def __init__(self, since: float) -> None:
        self.since = since
        self.sent_at = 0.0
        self.retries = 0


class NackGenerator:
    """Tracks missing packets of one inbound stream and says which to request when."""

    __slots__ = ("reorder_grace", "max_retries", "max_age", "max_missing", "requested",
                 "recovered", "given_up", "_rtt", "_started", "_highest", "_missing",
                 "_keyframe_needed")

    def __init__(
        self,
        reorder_grace: float = DEFAULT_REORDER_GRACE,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_age: float = DEFAULT_MAX_AGE,
        max_missing: int = DEFAULT_MAX_MISSING,
    ) -> None:
        self.reorder_grace = reorder_grace
        self.max_retries = max_retries
        self.max_age = max_age
        self.max_missing = max_missing
        self.requested = 0  # sequence numbers put in NACKs, retries included
        self.recovered = 0  # missing packets that arrived after all
        self.given_up = 0  # missing packets no longer asked for
        self._rtt = DEFAULT_RTT
        self._started = False
        self._highest = 0
        self._missing: dict[int, _Missing] = {}  # by extended seq, in ascending order
        self._keyframe_needed = False

    @property
    def keyframe_needed(self) -> bool:
        """True after giving up on a mass loss; cleared by `keyframe_requested`."""
        return self._keyframe_needed

    @property
    def missing_count(self) -> int:
        return len(self._missing)

    @property
    def retry_interval(self) -> float:
        return max(self._rtt, MIN_RETRY_INTERVAL)

    def keyframe_requested(self) -> None:
        """The caller has sent the PLI that `keyframe_needed` asked for."""
        self._keyframe_needed = False

    def set_rtt(self, seconds: float) -> None:
        if seconds > 0:
            self._rtt = seconds

    def on_packet(self, seq: int, now: float) -> None:
        """Account for an arriving packet (media or retransmission) with sequence number `seq`."""
        highest = self._highest  # extended seq (unwrapping as in media.seqnum, inlined)
        d = (seq - highest) & SEQ_MASK
        if d == 1 and self._started:
            self._highest = highest + 1  # the usual case: next in order
        elif not self._started:
            self._started = True
            self._highest = seq
        elif d >= SEQ_HALF:
            if self._missing.pop(highest + d - SEQ_MOD, None) is not None:
                self.recovered += 1
        elif d:
            self._highest = highest + d
            self._on_gap(highest + 1, d - 1, now)

    def due_nacks(self, now: float) -> list[int]:
        """Sequence numbers (16 bit, ascending) to put in a NACK now; counts them as sent."""
        due: list[int] = []
        if not self._missing:
            return due
        interval = self.retry_interval
        expired: list[int] = []
        for ext, entry in self._missing.items():
            if now >= entry.since + self.max_age:
                expired.append(ext)
            elif now >= self._next_action(entry, interval):
                if entry.retries >= self.max_retries:
                    expired.append(ext)
                    continue
                entry.retries += 1
                entry.sent_at = now
                due.append(ext & SEQ_MASK)
        for ext in expired:
            del self._missing[ext]
        self.given_up += len(expired)
        self.requested += len(due)
        return due

    def get_timer(self) -> float | None:
        """When `due_nacks` next has something to do (a request or a give-up), if ever."""
        interval = self.retry_interval
        earliest: float | None = None
        for entry in self._missing.values():
            deadline = min(self._next_action(entry, interval), entry.since + self.max_age)
            if earliest is None or deadline < earliest:
                earliest = deadline
        return earliest

    def reset(self) -> None:
        """Forget the stream's history (the publisher restarted it with new numbering)."""
        self.given_up += len(self._missing)
        self._missing.clear()
        self._started = False
        self._highest = 0

    def _next_action(self, entry: _Missing, interval: float) -> float:
        """First request after the grace period, then one retry (or the give-up) per interval."""
        if entry.retries == 0:
            return entry.since + self.reorder_grace
        return entry.sent_at + interval

    def _on_gap(self, first: int, count: int, now: float) -> None:
        if count + len(self._missing) > self.max_missing:
            self._give_up_all()
            return
        missing = self._missing
        for lost in range(first, first + count):
            missing[lost] = _Missing(now)

    def _give_up_all(self) -> None:
        self.given_up += len(self._missing)
        self._missing.clear()
        self._keyframe_needed = True
