"""The SFU's ICE-lite agent for one transport (RFC 8445 §2.5, §7.3; RFC 7675 consent).

A lite agent never sends checks: it answers the browser's authenticated Binding requests,
learns the browser's address from the one it nominates (USE-CANDIDATE), and declares consent
lost when no authenticated check came from that address for `consent_timeout` seconds.
Sans-I/O: the caller parses the datagram, hands over message + raw bytes + source address,
sends back what `receive_stun` returns, and drives the clock through `handle_timer`.
"""

from __future__ import annotations

import enum
from collections import deque
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
    COMPREHENSION_OPTIONAL_FIRST,
    ERROR_CODE,
    ICE_CONTROLLED,
    KNOWN_REQUIRED,
    UNKNOWN_ATTRIBUTES,
    XOR_MAPPED_ADDRESS,
    encode_error_code,
    encode_unknown_attributes,
    encode_xor_mapped_address,
)

Address = tuple[str, int]

CONSENT_TIMEOUT = 30.0  # RFC 7675 §5.1: consent expires 30 s after the last valid check


class IceState(enum.Enum):
    NEW = "new"  # no nomination yet
    CONNECTED = "connected"  # a nominated address holds consent
    DISCONNECTED = "disconnected"  # consent expired (RFC 7675 §5.1); only an ICE restart helps


class IceStateError(RuntimeError):
    """An ICE state transition the table does not allow."""


# Allowed transitions. An address change keeps CONNECTED; DISCONNECTED -> NEW is ICE restart.
_TRANSITIONS: dict[IceState, frozenset[IceState]] = {
    IceState.NEW: frozenset({IceState.CONNECTED}),
    IceState.CONNECTED: frozenset({IceState.DISCONNECTED}),
    IceState.DISCONNECTED: frozenset({IceState.NEW}),
}


def check_transition(current: IceState, new: IceState) -> IceState:
    """`new` if the table allows current -> new, else IceStateError."""
    if new not in _TRANSITIONS[current]:
        raise IceStateError(f"ICE state {current.value} -> {new.value} not allowed")
    return new


@dataclass(frozen=True, slots=True)
class IceConnected:
    address: Address


@dataclass(frozen=True, slots=True)
class IceAddressChanged:
    old: Address
    new: Address


@dataclass(frozen=True, slots=True)
class IceConsentExpired:
    pass


IceEvent = IceConnected | IceAddressChanged | IceConsentExpired


def lookup_ufrag(raw_username: bytes) -> str | None:
    """Local ufrag of a check's USERNAME ("<our ufrag>:<their ufrag>", RFC 8445 §7.2.2).

    Lets the server find the agent before any address is known; None when malformed.
    """
    local, colon, _ = raw_username.partition(b":")
    if not colon or not local:
        return None
    try:
        return local.decode("ascii")
    except UnicodeDecodeError:
        return None


class IceLiteAgent:
    """Controlled, lite ICE agent answering one peer's connectivity checks."""

    def __init__(
        self,
        local: IceCredentials,
        remote: IceCredentials | None,
        *,
        consent_timeout: float = CONSENT_TIMEOUT,
    ) -> None:
        self._consent_timeout = consent_timeout
        self._state = IceState.NEW
        self._selected: Address | None = None
        self._consent_deadline: float | None = None
        self._events: deque[IceEvent] = deque()
        self._set_credentials(local, remote)

    # --- public surface -------------------------------------------------------------------

    @property
    def state(self) -> IceState:
        return self._state

    @property
    def selected_address(self) -> Address | None:
        return self._selected

    @property
    def local_credentials(self) -> IceCredentials:
        return self._local

    def set_remote_credentials(self, remote: IceCredentials) -> None:
        """Learn (or, on ICE restart, replace) the peer's credentials (RFC 8445 §9)."""
        self.restart(self._local, remote)

    def restart(self, local: IceCredentials, remote: IceCredentials) -> None:
        """ICE restart with new credentials. Media keeps flowing to the selected address and
        its consent keeps running (RFC 8445 §9); an agent whose consent expired starts anew.
        Unchanged credentials (a renegotiation that is no restart) change nothing."""
        if local == self._local and remote == self._remote:
            return
        self._set_credentials(local, remote)
        if self._state is IceState.DISCONNECTED:
            self._set_state(IceState.NEW)
            self._selected = None

    def receive_stun(
        self, message: StunMessage, raw: bytes, addr: Address, now: float
    ) -> bytes | None:
        """Answer one STUN message from `addr`; returns the datagram to send back, or None."""
        if message.message_class is not StunClass.REQUEST or message.method != BINDING:
            return None  # indications, responses and other methods are not ours to answer
        if message.fingerprint_offset is not None and not verify_fingerprint(raw, message):
            return None  # not STUN after all (RFC 8489 §14.7): drop silently
        username = message.username
        if username is None or message.message_integrity_offset is None:
            return self._error(message, 400, signed=False)  # RFC 8489 §9.1.3
        if not self._username_ok(username):
            return self._error(message, 401, signed=False)
        if not verify_message_integrity(raw, message, self._key):
            return self._error(message, 401, signed=False)
        unknown = tuple(
            kind for kind, _ in message.attributes
            if kind < COMPREHENSION_OPTIONAL_FIRST and kind not in KNOWN_REQUIRED
        )
        if unknown:  # RFC 8489 §6.3.1, after authentication
            return self._error(
                message, 420, signed=True,
                extra=((UNKNOWN_ATTRIBUTES, encode_unknown_attributes(unknown)),),
            )
        if message.has(ICE_CONTROLLED):
            # Both sides claim "controlled". A lite agent can never take the controlling role
            # (RFC 8445 §6.1.1), so whatever the tie-breakers say, the peer must switch:
            # 487 and keep our role (RFC 8445 §7.3.1.1).
            return self._error(message, 487, signed=True)
        self._on_authenticated_check(addr, message.use_candidate, now)
        return encode_stun(
            StunClass.SUCCESS, BINDING, message.transaction_id,
            ((XOR_MAPPED_ADDRESS,
              encode_xor_mapped_address(addr[0], addr[1], message.transaction_id)),),
            integrity_key=self._key, fingerprint=True,
        )

    def handle_timer(self, now: float) -> None:
        deadline = self._consent_deadline
        if self._state is IceState.CONNECTED and deadline is not None and now >= deadline:
            self._set_state(IceState.DISCONNECTED)
            self._consent_deadline = None
            self._events.append(IceConsentExpired())

    def get_timer(self) -> float | None:
        """When consent expires unless a valid check arrives first (only while connected)."""
        return self._consent_deadline if self._state is IceState.CONNECTED else None

    def next_event(self) -> IceEvent | None:
        return self._events.popleft() if self._events else None

    # --- internals ------------------------------------------------------------------------

    def _set_credentials(self, local: IceCredentials, remote: IceCredentials | None) -> None:
        self._local = local
        self._remote = remote
        self._key = local.pwd.encode()  # short-term credential key (RFC 8489 §9.1.1)
        prefix = local.ufrag.encode() + b":"
        self._username_prefix = prefix
        self._expected_username = None if remote is None else prefix + remote.ufrag.encode()

    def _username_ok(self, username: bytes) -> bool:
        expected = self._expected_username
        if expected is not None:
            return username == expected
        # Remote ufrag not yet known: checks may arrive before the answer (RFC 8445 §7.3).
        return username.startswith(self._username_prefix) and len(username) > len(
            self._username_prefix
        )

    def _on_authenticated_check(self, addr: Address, nominated: bool, now: float) -> None:
        state = self._state
        if state is IceState.DISCONNECTED:
            return
        selected = self._selected
        if addr == selected:
            self._consent_deadline = now + self._consent_timeout
            return
        if not nominated:
            return  # answered, but only a nominated check selects an address
        self._selected = addr
        self._consent_deadline = now + self._consent_timeout
        if state is IceState.NEW:
            self._set_state(IceState.CONNECTED)
            self._events.append(IceConnected(addr))
        else:
            assert selected is not None
            self._events.append(IceAddressChanged(selected, addr))

    def _set_state(self, new: IceState) -> None:
        self._state = check_transition(self._state, new)

    def _error(
        self,
        request: StunMessage,
        code: int,
        *,
        signed: bool,
        extra: tuple[tuple[int, bytes], ...] = (),
    ) -> bytes:
        """Error response; MESSAGE-INTEGRITY only when the request was authenticated
        (RFC 8489 §9.1.3), FINGERPRINT always (RFC 8445 §7.3)."""
        return encode_stun(
            StunClass.ERROR, BINDING, request.transaction_id,
            ((ERROR_CODE, encode_error_code(code)), *extra),
            integrity_key=self._key if signed else None, fingerprint=True,
        )
