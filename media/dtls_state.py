"""Lifecycle and events of a DTLS endpoint (see media/dtls.py).

Transition rules (anything else raises `DtlsStateError`, a bug in the caller or in us):

- NEW → CONNECTING: `start()`; a client sends its ClientHello, a server waits for one.
- NEW → CLOSED: `close()` before the handshake began.
- CONNECTING → CONNECTED: handshake done, peer fingerprint matched, SRTP keys exported.
- CONNECTING → FAILED: fatal alert, fingerprint mismatch, no SRTP profile, or the deadline.
- CONNECTING → CLOSED: the peer sent close_notify, or `close()` during the handshake.
- CONNECTED → CLOSED: close_notify from the peer, or `close()`.
- CONNECTED → FAILED: a fatal alert from the peer after the handshake.
- FAILED and CLOSED are final. Entering FAILED emits `DtlsFailed`, entering CLOSED `DtlsClosed`,
  CONNECTED `DtlsConnected`: exactly one event per state entered.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from media.srtp import SrtpKeyMaterial


class DtlsState(enum.Enum):
    NEW = "new"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"
    CLOSED = "closed"


DTLS_TRANSITIONS: dict[DtlsState, frozenset[DtlsState]] = {
    DtlsState.NEW: frozenset({DtlsState.CONNECTING, DtlsState.CLOSED}),
    DtlsState.CONNECTING: frozenset({DtlsState.CONNECTED, DtlsState.FAILED, DtlsState.CLOSED}),
    DtlsState.CONNECTED: frozenset({DtlsState.FAILED, DtlsState.CLOSED}),
    DtlsState.FAILED: frozenset(),
    DtlsState.CLOSED: frozenset(),
}


class DtlsStateError(RuntimeError):
    """An illegal DTLS lifecycle transition: a programming error, never caused by peer input."""


@dataclass(frozen=True, slots=True)
class DtlsConnected:
    """The handshake completed and the peer proved the signalled certificate."""

    keys: SrtpKeyMaterial


@dataclass(frozen=True, slots=True)
class DtlsFailed:
    reason: str


@dataclass(frozen=True, slots=True)
class DtlsClosed:
    pass


DtlsEvent = DtlsConnected | DtlsFailed | DtlsClosed
