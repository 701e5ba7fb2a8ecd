"""Synthetic participants: browser-like transports on real UDP sockets, sending paced media.

Each participant has a publish and a subscribe transport (like the web client), built from the
project's own sans-I/O cores in the client role. Media payloads carry their send time, so the
receiver measures the latency through the SFU with the same monotonic clock (one machine).
"""

from __future__ import annotations

import random
import socket
import struct
import time
from dataclasses import dataclass, field

import httpx
import trio

from bench.client_sdp import (
    OPUS_PT,
    VP8_PT,
    PublishSsrcs,
    publish_offer,
    remote_transport,
    subscribe_answer,
)
from bench.peer_core import ClientTransport
from media.certificate import DtlsCertificate
from media.negotiated import Fingerprint, IceCredentials
from media.rtcp import PictureLossIndication, parse_rtcp_compound_untrusted
from media.rtp_header import FIXED_HEADER, encode_one_byte_extensions, parse_rtp_layout_untrusted

PROBE = struct.Struct("!dI")  # send time (monotonic s), participant number
VP8_KEY_PREFIX = b"\x10\x50\x01\x00"  # RFC 7741 descriptor S=1 PID=0, then payload header P=0
VP8_DELTA_PREFIX = b"\x10\x51\x01\x00"  # P=1: an inter frame
MID_EXT, TWCC_EXT = 1, 3


@dataclass(frozen=True)
class MediaProfile:
    """Paced synthetic media; defaults are the 3G-friendly consultation of the product."""

    name: str = "3g"
    audio_packet_bytes: int = 80  # Opus 32 kbit/s at 20 ms
    audio_interval: float = 0.02
    video_fps: float = 15.0
    video_bitrate: int = 300_000
    video_packet_bytes: int = 1100

    @property
    def video_frame_bytes(self) -> int:
        return int(self.video_bitrate / 8 / self.video_fps)


DESKTOP = MediaProfile("desktop", video_fps=30.0, video_bitrate=1_200_000)
THREE_G = MediaProfile()


@dataclass
class ReceiveStats:
    packets: int = 0
    latencies: list[float] = field(default_factory=list)
    gaps: int = 0
    highest: dict[int, int] = field(default_factory=dict)

    def record(self, ssrc: int, sequence: int, latency: float) -> None:
        self.packets += 1
        self.latencies.append(latency)
        previous = self.highest.get(ssrc)
        if previous is not None:
            delta = (sequence - previous) & 0xFFFF
            if 1 < delta < 0x8000:
                self.gaps += delta - 1
            if delta >= 0x8000:
                return
        self.highest[ssrc] = sequence


def _ice(rng: random.Random) -> IceCredentials:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return IceCredentials(
        "".join(rng.choice(alphabet) for _ in range(8)),
        "".join(rng.choice(alphabet) for _ in range(24)),
    )


class Link:
    """One ClientTransport on its own UDP socket, driven by its own task."""

    def __init__(self, transport: ClientTransport, sock: socket.socket) -> None:
        self.transport = transport
        self.sock = sock
        self.connected = trio.Event()
        self.on_rtp: list[bytes] = []

    def flush(self) -> None:
        now = trio.current_time()
        for datagram in self.transport.datagrams_to_send(now):
            try:
                self.sock.sendto(datagram, self.transport.server)
            except BlockingIOError:
                pass

    async def run(self, sink: Participant) -> None:
        transport = self.transport
        transport.start(trio.current_time())
        self.flush()
        while True:
            deadline = transport.get_timer()
            with trio.move_on_at(deadline if deadline is not None else trio.current_time() + 1):
                await trio.lowlevel.wait_readable(self.sock)
            now = trio.current_time()
            while True:
                try:
                    data = self.sock.recv(2048)
                except BlockingIOError:
                    break
                transport.receive_datagram(data, now)
            transport.handle_timer(now)
            if transport.connected and not self.connected.is_set():
                self.connected.set()
            if transport.received_rtp or transport.received_rtcp:
                sink.consume(transport)
            self.flush()


class Participant:
    """Publishes audio + video and subscribes to the other participant of its room."""

    def __init__(
        self,
        number: int,
        room: int,
        profile: MediaProfile,
        certificate: DtlsCertificate,
        rng: random.Random,
    ) -> None:
        self.number = number
        self.room = room
        self.profile = profile
        self.certificate = certificate
        self.rng = rng
        self.ssrcs = PublishSsrcs(*(rng.randrange(1, 2**32) for _ in range(3)))
        self.publications: list[int] = []
        self.publish_link: Link | None = None
        self.subscribe_link: Link | None = None
        self.received = ReceiveStats()
        self.keyframe_due = True
        self.audio_sequence = rng.randrange(0, 0x10000)
        self.video_sequence = rng.randrange(0, 0x10000)
        self.twcc_sequence = 0
        self.first_media_at: float | None = None
        self.joined_at: float | None = None

    def _socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.setblocking(False)
        sock.bind(("127.0.0.1", 0))
        return sock

    async def publish(self, http: httpx.AsyncClient, nursery: trio.Nursery) -> None:
        self.joined_at = time.monotonic()
        ice = _ice(self.rng)
        offer = publish_offer(
            ice, self.certificate.fingerprint_sha256, self.ssrcs, f"p{self.number}", self.number
        )
        reply = (await http.post("/_dev/publish", json={"sdp": offer})).json()
        self.publications = list(reply["publications"])
        remote = remote_transport(reply["sdp"])
        transport = ClientTransport(
            ice, remote.ice, remote.candidate, self.certificate, _fingerprint(remote.fingerprint)
        )
        self.publish_link = Link(transport, self._socket())
        nursery.start_soon(self.publish_link.run, self)

    async def subscribe(
        self, http: httpx.AsyncClient, nursery: trio.Nursery, publications: list[int]
    ) -> None:
        offer = (await http.post("/_dev/subscribe", json={"publications": publications})).json()
        remote = remote_transport(offer["sdp"])
        ice = _ice(self.rng)
        answer = subscribe_answer(offer["sdp"], ice, self.certificate.fingerprint_sha256, 1)
        transport = ClientTransport(
            ice, remote.ice, remote.candidate, self.certificate, _fingerprint(remote.fingerprint)
        )
        self.subscribe_link = Link(transport, self._socket())
        nursery.start_soon(self.subscribe_link.run, self)
        reply = (
            await http.post(
                "/_dev/subscribe/answer",
                json={
                    "session_id": offer["session_id"],
                    "sdp": answer,
                },
            )
        ).json()
        if not reply.get("ok"):
            raise RuntimeError(f"subscribe answer refused: {reply}")

    def consume(self, transport: ClientTransport) -> None:
        now = time.monotonic()
        while transport.received_rtp:
            plain = transport.received_rtp.popleft()
            try:
                _, _, start, end = parse_rtp_layout_untrusted(plain)
            except Exception:
                continue
            _, _, sequence, _, ssrc = FIXED_HEADER.unpack_from(plain)
            offset = start + (4 if plain[1] & 0x7F == VP8_PT else 0)
            if end - offset >= PROBE.size:
                sent, _ = PROBE.unpack_from(plain, offset)
                self.received.record(ssrc, sequence, now - sent)
                if self.first_media_at is None:
                    self.first_media_at = now
        while transport.received_rtcp:
            raw = transport.received_rtcp.popleft()
            try:
                packets = parse_rtcp_compound_untrusted(raw)
            except Exception:
                continue
            if any(isinstance(p, PictureLossIndication) for p in packets):
                self.keyframe_due = True

    def _packet(
        self,
        payload_type: int,
        marker: bool,
        sequence: int,
        timestamp: int,
        ssrc: int,
        mid: bytes,
        payload: bytes,
    ) -> bytes:
        self.twcc_sequence = (self.twcc_sequence + 1) & 0xFFFF
        ext = encode_one_byte_extensions(
            [(MID_EXT, mid), (TWCC_EXT, struct.pack("!H", self.twcc_sequence))]
        )
        header = FIXED_HEADER.pack(
            0x90, (0x80 if marker else 0) | payload_type, sequence, timestamp, ssrc
        )
        return header + ext + payload

    def send_audio(self, now_wall: float) -> int:
        link = self.publish_link
        if link is None or not link.transport.connected:
            return 0
        self.audio_sequence = (self.audio_sequence + 1) & 0xFFFF
        payload = PROBE.pack(time.monotonic(), self.number)
        payload += bytes(max(0, self.profile.audio_packet_bytes - len(payload)))
        link.transport.send_rtp(
            self._packet(
                OPUS_PT,
                False,
                self.audio_sequence,
                int(now_wall * 48000) & 0xFFFFFFFF,
                self.ssrcs.audio,
                b"0",
                payload,
            )
        )
        link.flush()
        return 1

    def send_video_frame(self, now_wall: float) -> int:
        link = self.publish_link
        if link is None or not link.transport.connected:
            return 0
        remaining = self.profile.video_frame_bytes
        prefix = VP8_KEY_PREFIX if self.keyframe_due else VP8_DELTA_PREFIX
        self.keyframe_due = False
        timestamp = int(now_wall * 90000) & 0xFFFFFFFF
        sent = 0
        while remaining > 0:
            size = min(remaining, self.profile.video_packet_bytes)
            remaining -= size
            self.video_sequence = (self.video_sequence + 1) & 0xFFFF
            payload = prefix + PROBE.pack(time.monotonic(), self.number)
            payload += bytes(max(0, size - len(payload)))
            prefix = b"\x00\x00\x00\x00"  # continuation packets: S=0
            link.transport.send_rtp(
                self._packet(
                    VP8_PT,
                    remaining <= 0,
                    self.video_sequence,
                    timestamp,
                    self.ssrcs.video,
                    b"1",
                    payload,
                )
            )
            sent += 1
        link.flush()
        return sent


def _fingerprint(text: str) -> Fingerprint:
    return Fingerprint("sha-256", bytes.fromhex(text.replace(":", "")))
