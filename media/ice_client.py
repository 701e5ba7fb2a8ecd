"""A minimal controlling ICE agent with one candidate pair: the browser's side of an ICE-lite
SFU, for the load generator and tests.

It nominates at once (USE-CANDIDATE on every check, as a full agent facing a lite one may,
RFC 8445 §8.1.1), retransmits the first check like a STUN client (RFC 8489 §6.2.1), and once
connected keeps consent fresh with a check every ~5 s (RFC 7675 §5.1).
"""

from __future__ import annotations

import enum
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from media.negotiated import IceCredentials
from media.stun import (
    BINDING,
    StunClass,
    StunMessage,
    encode_stun,
    verify_fingerprint,
    verify_message_integrity,
)
from media.stun_attributes import (
    ICE_CONTROLLING,
    PRIORITY,
    USE_CANDIDATE,
    USERNAME,
    encode_priority,
    encode_tie_breaker,
    encode_use_candidate,
    encode_username,
)

Address = tuple[str, int]

RTO = 0.5  # RFC 8489 §6.2.1 initial RTO; one pair, so ICE pacing adds nothing (RFC 8445 §14.3)
MAX_REQUESTS = 7  # RFC 8489 §6.2.1 Rc
LAST_WAIT_FACTOR = 16  # RFC 8489 §6.2.1 Rm: wait Rm * RTO after the last request
CONSENT_INTERVAL = 5.0  # RFC 7675 §5.1, randomised by 0.8..1.2
CONSENT_TIMEOUT = 30.0  # RFC 7675 §5.1
# Peer-reflexive type preference 110, local preference 65535, component 1 (RFC 8445 §5.1.2.1).
PEER_REFLEXIVE_PRIORITY = (110 << 24) | (65535 << 8) | (256 - 1)


class IceClientState(enum.Enum):
    NEW = "new"
    CHECKING = "checking"
    CONNECTED = "connected"
    FAILED = "failed"


class IceClientStateError(RuntimeError):
    """An ICE client state transition the table does not allow."""


_TRANSITIONS: dict[IceClientState, frozenset[IceClientState]] = {
    IceClientState.NEW: frozenset({IceClientState.CHECKING}),
    IceClientState.CHECKING: frozenset({IceClientState.CONNECTED, IceClientState.FAILED}),
    IceClientState.CONNECTED: frozenset({IceClientState.FAILED}),
    IceClientState.FAILED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class IceClientConnected:
    mapped_address: Address | None  # our address as the server saw it (XOR-MAPPED-ADDRESS)


@dataclass(frozen=True, slots=True)
class IceClientFailed:
    reason: str


IceClientEvent = IceClientConnected | IceClientFailed


class IceControllingClient:
    """Connect to one ICE-lite server address and keep consent fresh."""

    def __init__(
        self,
        local: IceCredentials,
        remote: IceCredentials,
        server_addr: Address,
        *,
        tie_breaker: int,
        jitter: Callable[[], float] = lambda: 1.0,
        new_transaction_id: Callable[[], bytes] = lambda: secrets.token_bytes(12),
    ) -> None:
        """`jitter()` returns the 0.8..1.2 factor of the consent interval (RFC 7675 §5.1);
        inject a seeded random source for spread-out load, the default keeps tests exact."""
        self.server_addr = server_addr
        self._key = remote.pwd.encode()  # we sign with the peer's password (RFC 8445 §7.2.2)
        self._attributes = (
            (USERNAME, encode_username(f"{remote.ufrag}:{local.ufrag}")),
            (PRIORITY, encode_priority(PEER_REFLEXIVE_PRIORITY)),
            (ICE_CONTROLLING, encode_tie_breaker(tie_breaker)),
            (USE_CANDIDATE, encode_use_candidate()),
        )
        self._jitter = jitter
        self._new_transaction_id = new_transaction_id
        self._state = IceClientState.NEW
        self._outgoing: list[bytes] = []
        self._events: deque[IceClientEvent] = deque()
        # The nominating check, sent up to MAX_REQUESTS times.
        self._check_request = b""
        self._check_id = b""
        self._sent = 0
        self._retransmit_at: float | None = None
        # Consent checks: one new transaction each; any authentic answer refreshes consent.
        self._consent_ids: dict[bytes, float] = {}
        self._next_consent: float | None = None
        self._consent_expiry: float | None = None

    @property
    def state(self) -> IceClientState:
        return self._state

    def start(self, now: float) -> None:
        self._set_state(IceClientState.CHECKING)
        self._check_id, self._check_request = self._request()
        self._transmit_check(now)

    def datagrams_to_send(self, now: float) -> list[bytes]:
        """Datagrams for `server_addr`, queued by `start`, `handle_timer` and responses."""
        out, self._outgoing = self._outgoing, []
        return out

    def receive_stun(self, message: StunMessage, raw: bytes, now: float) -> None:
        if message.method != BINDING or message.message_class not in (
            StunClass.SUCCESS, StunClass.ERROR
        ):
            return
        tid = message.transaction_id
        is_check = self._state is IceClientState.CHECKING and tid == self._check_id
        if not is_check and tid not in self._consent_ids:
            return  # not an answer to anything outstanding
        if message.fingerprint_offset is not None and not verify_fingerprint(raw, message):
            return
        if not verify_message_integrity(raw, message, self._key):
            return  # unauthenticated answers are discarded (RFC 8489 §9.1.5)
        if message.message_class is StunClass.ERROR:
            code, reason = message.error_code or (0, "no ERROR-CODE")
            self._fail(f"error response {code} {reason}")
            return
        if is_check:
            self._set_state(IceClientState.CONNECTED)
            self._retransmit_at = None
            self._consent_expiry = now + CONSENT_TIMEOUT
            self._next_consent = now + CONSENT_INTERVAL * self._jitter()
            self._events.append(IceClientConnected(message.xor_mapped_address))
        else:
            del self._consent_ids[tid]
            self._consent_expiry = now + CONSENT_TIMEOUT

    def handle_timer(self, now: float) -> None:
        state = self._state
        if state is IceClientState.CHECKING:
            if self._retransmit_at is not None and now >= self._retransmit_at:
                if self._sent < MAX_REQUESTS:
                    self._transmit_check(now)
                else:
                    self._fail("no response to the connectivity check")
        elif state is IceClientState.CONNECTED:
            if self._consent_expiry is not None and now >= self._consent_expiry:
                self._fail("consent expired")
                return
            if self._next_consent is not None and now >= self._next_consent:
                tid, datagram = self._request()
                self._outgoing.append(datagram)
                stale = now - CONSENT_TIMEOUT
                self._consent_ids = {t: at for t, at in self._consent_ids.items() if at > stale}
                self._consent_ids[tid] = now
                self._next_consent = now + CONSENT_INTERVAL * self._jitter()

    def get_timer(self) -> float | None:
        if self._state is IceClientState.CHECKING:
            return self._retransmit_at
        if self._state is IceClientState.CONNECTED:
            assert self._next_consent is not None and self._consent_expiry is not None
            return min(self._next_consent, self._consent_expiry)
        return None

    def next_event(self) -> IceClientEvent | None:
        return self._events.popleft() if self._events else None

    def _request(self) -> tuple[bytes, bytes]:
        tid = self._new_transaction_id()
        datagram = encode_stun(
            StunClass.REQUEST, BINDING, tid, self._attributes,
            integrity_key=self._key, fingerprint=True,
        )
        return tid, datagram

    def _transmit_check(self, now: float) -> None:
        """Send the check again; the wait doubles each time, the last one is Rm * RTO."""
        self._outgoing.append(self._check_request)
        self._sent += 1
        wait = RTO * LAST_WAIT_FACTOR if self._sent == MAX_REQUESTS else RTO * 2 ** (self._sent - 1)
        self._retransmit_at = now + wait

    def _fail(self, reason: str) -> None:
        self._set_state(IceClientState.FAILED)
        self._retransmit_at = self._next_consent = self._consent_expiry = None
        self._consent_ids.clear()
        self._events.append(IceClientFailed(reason))

    def _set_state(self, new: IceClientState) -> None:
        if new not in _TRANSITIONS[self._state]:
            raise IceClientStateError(f"ICE client {self._state.value} -> {new.value}")
        self._state = new
