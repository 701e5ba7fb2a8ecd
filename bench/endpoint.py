"""One browser-like PeerConnection of the load generator: a `ClientTransport` on its own
connected UDP socket, with kernel receive timestamps (SO_TIMESTAMPNS) for the latency.

The engine drains every endpoint's socket from one loop; an endpoint only knows how to turn
datagrams into plaintext for its owner (a `Sender` on a publish transport, a `Receiver` on a
subscribe transport) and how to send what its transport queued.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable

import trio

from bench.peer_core import ClientTransport

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux socket(7)
_TIMESPEC = struct.Struct("@qq")
RECEIVE_BUFFER = 1 << 20


def open_udp_socket(host: str = "127.0.0.1") -> socket.socket:
    """A UDP socket on `host`, bound before the offer so its host candidate can go in the SDP."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.bind((host, 0))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def host_candidate(sock: socket.socket) -> str:
    """RFC 8839 §5.1 host candidate line for the socket, as a browser would put in its SDP."""
    host, port = sock.getsockname()[:2]
    return f"candidate:1 1 udp 2122260223 {host} {port} typ host"


class Endpoint:
    """A transport and its socket; `on_rtp(plain, wall_received)` / `on_rtcp(plain)` consume."""

    def __init__(self, transport: ClientTransport, name: str,
                 sock: socket.socket | None = None,
                 on_rtp: Callable[[bytes, float], None] | None = None,
                 on_rtcp: Callable[[bytes], None] | None = None) -> None:
        self.transport = transport
        self.name = name
        self.sock = sock if sock is not None else open_udp_socket()
        try:
            self.sock.connect(transport.server)  # only the server's datagrams; plain send()
        except OSError:
            self.sock.close()
            raise
        self.on_rtp = on_rtp
        self.on_rtcp = on_rtcp
        self.connected = trio.Event()
        self.failed: str | None = None
        self.send_errors = 0
        self.closed = False

    @property
    def srtp(self) -> object | None:
        return self.transport.srtp

    def fileno(self) -> int:
        return self.sock.fileno()

    def send_now(self, plain_rtp: bytes) -> None:
        """Protect and send one RTP packet at once (the pacing is the caller's)."""
        srtp = self.transport.srtp
        if srtp is None:
            return
        try:
            self.sock.send(srtp.protect_rtp(plain_rtp))
        except OSError:  # BlockingIOError (buffer full) or ECONNREFUSED: dropped, counted
            self.send_errors += 1

    def send_rtcp_now(self, plain_rtcp: bytes) -> None:
        srtp = self.transport.srtp
        if srtp is None:
            return
        try:
            self.sock.send(srtp.protect_rtcp(plain_rtcp))
        except OSError:
            self.send_errors += 1

    def flush(self, now: float) -> None:
        for datagram in self.transport.datagrams_to_send(now):
            try:
                self.sock.send(datagram)
            except OSError:
                self.send_errors += 1

    def drain(self, now: float, offset: float) -> int:
        """Read everything waiting; returns the datagram count. `offset` turns a kernel receive
        stamp (wall clock) into the transports' clock, so transport-cc feedback reports true
        arrival times even though datagrams are read in batches."""
        sock = self.sock
        transport = self.transport
        rtp = transport.received_rtp
        rtcp = transport.received_rtcp
        on_rtp = self.on_rtp
        count = 0
        while True:
            try:
                data, ancillary, _, _ = sock.recvmsg(2048, 64)
            except OSError:  # BlockingIOError: drained; ECONNREFUSED: the server port closed
                break
            count += 1
            if ancillary:
                seconds, nanoseconds = _TIMESPEC.unpack_from(ancillary[0][2])
                received_at = seconds + nanoseconds * 1e-9
            else:
                received_at = now + offset
            transport.receive_datagram(data, received_at - offset)
            while rtp:
                plain = rtp.popleft()
                if on_rtp is not None:
                    on_rtp(plain, received_at)
            while rtcp:
                plain = rtcp.popleft()
                if self.on_rtcp is not None:
                    self.on_rtcp(plain)
        self.flush(now)
        self._check_state()
        return count

    def tick(self, now: float) -> None:
        deadline = self.transport.get_timer()
        if deadline is not None and deadline <= now:
            self.transport.handle_timer(now)
            self.flush(now)
            self._check_state()

    def _check_state(self) -> None:
        transport = self.transport
        if transport.connected and not self.connected.is_set():
            self.connected.set()
        if transport.failure is not None and self.failed is None:
            self.failed = transport.failure

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.sock.close()
