"""A hand-clocked world for SFU core tests: the Sfu, browser-like client transports, and an
in-memory network between them that can drop datagrams. No sockets, no real time."""

from __future__ import annotations

import heapq
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.peer_core import ClientTransport
from media.certificate import DtlsCertificate
from media.negotiated import (
    Codec,
    Direction,
    DtlsRole,
    Fingerprint,
    HeaderExtensionIds,
    IceCredentials,
    MediaDescription,
    MediaKind,
    NegotiatedSession,
)
from media.rtp import encode_rtp
from media.sfu import Sfu
from media.transport import TransportKind
from tests.media.link_model import BottleneckLink

SFU_ADDRESS = ("127.0.0.1", 3479)
WALL_EPOCH = 1_800_000_000.0
OPUS = Codec(111, "opus", 48000, 2, rtcp_feedback=frozenset({"transport-cc"}))
VP8 = Codec(
    96,
    "VP8",
    90000,
    rtcp_feedback=frozenset({"nack", "nack pli", "ccm fir", "transport-cc"}),
    rtx_payload_type=97,
)
EXTENSIONS = HeaderExtensionIds(mid=1, transport_cc=3)
VP8_KEYFRAME = b"\x10" + b"\x50\x01\x00\x9d\x01\x2a" + bytes(200)  # S=1, PID=0, P=0
VP8_DELTA = b"\x10" + b"\x51\x01\x00" + bytes(200)  # P=1


@dataclass
class Peer:
    name: str
    address: tuple[str, int]
    transport: ClientTransport
    session_id: int


@dataclass
class World:
    sfu: Sfu
    now: float = 0.0
    peers: dict[tuple[str, int], Peer] = field(default_factory=dict)
    drop: Callable[[tuple[str, int], tuple[str, int], bytes], bool] = lambda src, dst, data: False
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    downlinks: dict[tuple[str, int], BottleneckLink] = field(default_factory=dict)
    _in_flight: list[tuple[float, int, tuple[str, int], bytes]] = field(default_factory=list)
    _order: int = 0

    @classmethod
    def create(cls) -> World:
        return cls(Sfu(DtlsCertificate.generate(WALL_EPOCH), rng=random.Random(1)))

    def _credentials(self) -> IceCredentials:
        return IceCredentials(f"c{self.rng.randrange(10**6):06d}", "p" * 24)

    def add_peer(
        self,
        name: str,
        kind: TransportKind,
        media: tuple[MediaDescription, ...],
        *,
        fingerprint_override: Fingerprint | None = None,
        answer_after: float = 0.0,
        twcc_feedback: bool = False,
    ) -> Peer:
        """A connected-to-be client; `answer_after` delays the SFU learning the browser's
        answer, as when a browser answers our offer and its checks overtake the answer."""
        local = self.sfu.new_ice_credentials()
        remote = self._credentials()
        certificate = DtlsCertificate.generate(WALL_EPOCH)
        session_id = self.sfu.open_session(kind, local, self.now)
        negotiated = NegotiatedSession(
            local_ice=local,
            remote_ice=remote,
            remote_fingerprint=fingerprint_override or certificate.fingerprint,
            dtls_role=DtlsRole.SERVER,
            media=media,
        )
        if not answer_after:
            self.sfu.apply_negotiation(session_id, negotiated, self.now)
        transport = ClientTransport(
            remote,
            local,
            SFU_ADDRESS,
            certificate,
            self.sfu.certificate.fingerprint,
            twcc_extension_id=EXTENSIONS.transport_cc if twcc_feedback else None,
        )
        address = ("127.0.0.1", 40000 + len(self.peers))
        peer = Peer(name, address, transport, session_id)
        self.peers[address] = peer
        transport.start(self.now)
        if answer_after:
            self.run(answer_after)
            self.sfu.apply_negotiation(session_id, negotiated, self.now)
        return peer

    def step(self, seconds: float = 0.005) -> None:
        """Advance the clock, run every timer, deliver every datagram (possibly dropped)."""
        self.now += seconds
        for peer in self.peers.values():
            deadline = peer.transport.get_timer()
            if deadline is not None and deadline <= self.now:
                peer.transport.handle_timer(self.now)
        self.sfu.handle_timer(self.now, WALL_EPOCH + self.now)
        while self._in_flight and self._in_flight[0][0] <= self.now:
            arrival, _, address, datagram = heapq.heappop(self._in_flight)
            self.peers[address].transport.receive_datagram(datagram, arrival)
        for _ in range(10):  # let request/response chains settle within one step
            moved = False
            for peer in self.peers.values():
                for datagram in peer.transport.datagrams_to_send(self.now):
                    moved = True
                    if not self.drop(peer.address, SFU_ADDRESS, datagram):
                        self.sfu.receive_datagram(datagram, peer.address, self.now)
            for datagram, address in self.sfu.datagrams_to_send():
                moved = True
                target = self.peers.get(address)
                if target is None or self.drop(SFU_ADDRESS, address, datagram):
                    continue
                link = self.downlinks.get(address)
                if link is None:
                    target.transport.receive_datagram(datagram, self.now)
                    continue
                arrival = link.send(self.now, len(datagram) + 28)
                if arrival is not None:
                    self._order += 1
                    heapq.heappush(self._in_flight, (arrival, self._order, address, datagram))
            if not moved:
                break

    def run(self, seconds: float, step: float = 0.005) -> None:
        for _ in range(int(seconds / step)):
            self.step(step)


def publisher_media(
    audio_ssrc: int = 1111, video_ssrc: int = 2222, rtx_ssrc: int = 2223
) -> tuple[MediaDescription, ...]:
    return (
        MediaDescription(
            "0",
            MediaKind.AUDIO,
            Direction.RECVONLY,
            (OPUS,),
            EXTENSIONS,
            remote_ssrcs=(audio_ssrc,),
        ),
        MediaDescription(
            "1",
            MediaKind.VIDEO,
            Direction.RECVONLY,
            (VP8,),
            EXTENSIONS,
            remote_ssrcs=(video_ssrc,),
            remote_rtx_ssrcs=((video_ssrc, rtx_ssrc),),
        ),
    )


def subscriber_media(sfu: Sfu, *, rtx: bool = True) -> tuple[MediaDescription, ...]:
    video = VP8 if rtx else Codec(96, "VP8", 90000, rtcp_feedback=VP8.rtcp_feedback)
    return (
        MediaDescription(
            "0",
            MediaKind.AUDIO,
            Direction.SENDONLY,
            (OPUS,),
            EXTENSIONS,
            local_ssrc=sfu.allocate_ssrc(),
        ),
        MediaDescription(
            "1",
            MediaKind.VIDEO,
            Direction.SENDONLY,
            (video,),
            EXTENSIONS,
            local_ssrc=sfu.allocate_ssrc(),
            local_rtx_ssrc=sfu.allocate_ssrc() if rtx else None,
        ),
    )


def video_packet(
    sequence: int,
    timestamp: int,
    payload: bytes,
    *,
    ssrc: int = 2222,
    twcc: int | None = None,
    marker: bool = True,
) -> bytes:
    extensions = {1: b"1"}
    if twcc is not None:
        extensions[3] = struct.pack("!H", twcc)
    return encode_rtp(96, marker, sequence, timestamp, ssrc, payload, extensions=extensions)


def audio_packet(sequence: int, timestamp: int, *, ssrc: int = 1111) -> bytes:
    return encode_rtp(
        111, False, sequence, timestamp, ssrc, b"\xfc" + bytes(60), extensions={1: b"0"}
    )
