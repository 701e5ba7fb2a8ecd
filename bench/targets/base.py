"""What every target (an SFU under test) offers the scenarios, and the shared SDP steps.

A target prepares rooms before the clock starts (appointments and consents, or Janus rooms:
what happens before anyone joins), then runs one signalling task per participant that opens
its signalling connection (stamping `opened_at`), negotiates the publish and subscribe
PeerConnections like a browser, hands the endpoints to the media engine, and stays connected
until cancelled.
"""

from __future__ import annotations

import random
import socket
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import trio

from bench.client_sdp import (
    PublishSsrcs,
    answer_dtls_role,
    publish_format,
    publish_offer,
    remote_transport,
    subscribe_answer,
    subscribe_payload_types,
    subscribe_repair_types,
)
from bench.endpoint import Endpoint, host_candidate, open_udp_socket
from bench.engine import MediaEngine
from bench.participant import Participant
from bench.peer_core import ClientTransport
from media.certificate import DtlsCertificate
from media.negotiated import Fingerprint, IceCredentials


@dataclass
class Room:
    index: int
    advisor: Participant
    client: Participant
    data: dict[str, Any] = field(default_factory=dict)  # the target's own (tokens, ids)
    published: dict[int, trio.Event] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.advisor.set_partner(self.client)
        self.client.set_partner(self.advisor)
        for participant in (self.advisor, self.client):
            self.published[participant.number] = trio.Event()

    @property
    def participants(self) -> tuple[Participant, Participant]:
        return self.advisor, self.client

    def partner(self, participant: Participant) -> Participant:
        return self.client if participant is self.advisor else self.advisor


class _HasPid(Protocol):
    @property
    def pid(self) -> int: ...


ProcessT = TypeVar("ProcessT", bound=_HasPid)


class ProcessBacked(Generic[ProcessT]):
    """A target backed by one process: `_start` enters its context, leaving stops it by PID."""

    _process: ProcessT | None = None
    _context: AbstractContextManager[ProcessT] | None = None

    def _start(self, context: AbstractContextManager[ProcessT]) -> ProcessT:
        self._context = context
        self._process = context.__enter__()
        return self._process

    def __exit__(self, *exc: object) -> None:
        assert self._context is not None
        self._context.__exit__(None, None, None)

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid


class Target(Protocol):
    @property
    def name(self) -> str: ...  # "videotermin" or "janus"

    @property
    def label(self) -> str: ...  # for tables: what exactly ran

    @property
    def signalling(self) -> str: ...  # how participants were signalled

    @property
    def pid(self) -> int: ...  # the process whose CPU and memory are measured

    async def prepare(self, rooms: list[Room]) -> None: ...

    async def connect(self, participant: Participant, room: Room, engine: MediaEngine,
                      *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
                      ) -> None: ...


@dataclass
class Negotiator:
    """The browser side of SDP for one participant: offers, answers, endpoints."""

    participant: Participant
    engine: MediaEngine
    certificate: DtlsCertificate
    twcc_feedback: bool = True
    client_host: str = "127.0.0.1"
    publish_ice: IceCredentials | None = None
    subscribe_ice: IceCredentials | None = None
    publish_socket: socket.socket | None = None
    _pending: Endpoint | None = None

    def publish_offer(self) -> str:
        rng = self.participant.rng
        self.publish_ice = new_ice(rng)
        if self.publish_socket is None:
            self.publish_socket = open_udp_socket(self.client_host)
        sender = self.participant.sender
        ssrcs = PublishSsrcs(sender.audio_ssrc, sender.video_ssrc, rng.randrange(1, 2**32))
        return publish_offer(self.publish_ice, self.certificate.fingerprint_sha256, ssrcs,
                             self.participant.cname, self.participant.number + 1,
                             host_candidate(self.publish_socket), rids=sender.rids,
                             red=self.participant.offer_red)

    def publish_answered(self, answer: str) -> Endpoint:
        assert self.publish_ice is not None and self.publish_socket is not None
        remote = remote_transport(answer)
        transport = ClientTransport(self.publish_ice, remote.ice,
                                    self.participant.via or remote.candidate,
                                    self.certificate, fingerprint(remote.fingerprint),
                                    dtls_role=answer_dtls_role(answer))
        endpoint = Endpoint(transport, f"p{self.participant.number}/publish",
                            self.publish_socket)
        self.publish_socket = None
        self.participant.attach_publish(endpoint, publish_format(answer))
        self.engine.add_endpoint(endpoint)
        self.engine.start_media(self.participant)
        return endpoint

    def subscribe_offered(self, offer: str, fresh: bool = True) -> tuple[Endpoint, str]:
        """The answer to a subscribe offer: on a new PeerConnection (`fresh`), or a
        renegotiation of the current one (same ICE credentials and DTLS session). Call
        `answer_sent` once the answer is on its way."""
        participant = self.participant
        audio_pt, video_pt, twcc = subscribe_payload_types(offer)
        red_pt, rtx_pt = subscribe_repair_types(offer)
        current = participant.subscribe
        if not fresh and current is not None and self.subscribe_ice is not None:
            participant.set_payload_types(audio_pt, video_pt, red_pt, rtx_pt)
            answer = subscribe_answer(offer, self.subscribe_ice,
                                      self.certificate.fingerprint_sha256,
                                      participant.number + 1, host_candidate(current.sock),
                                      accept_red=participant.accept_red)
            return current, answer
        ice = self.subscribe_ice = new_ice(participant.rng)
        remote = remote_transport(offer)
        transport = ClientTransport(ice, remote.ice, participant.via or remote.candidate,
                                    self.certificate, fingerprint(remote.fingerprint),
                                    twcc_extension_id=twcc if self.twcc_feedback else None)
        sock = open_udp_socket(self.client_host)
        endpoint = Endpoint(transport, f"p{participant.number}/subscribe", sock)
        if current is not None:
            self.engine.remove_endpoint(current)
        participant.attach_subscribe(endpoint, audio_pt, video_pt, red_pt, rtx_pt)
        answer = subscribe_answer(offer, ice, self.certificate.fingerprint_sha256,
                                  participant.number + 1, host_candidate(sock),
                                  accept_red=participant.accept_red)
        self._pending = endpoint
        return endpoint, answer

    def answer_sent(self) -> None:
        """Start the new subscribe transport's ICE once the server has (or is getting) our
        answer: a check that overtakes the answer is dropped and costs a 0.5 s retransmission."""
        if self._pending is not None:
            self.engine.add_endpoint(self._pending)
            self._pending = None


def new_ice(rng: random.Random) -> IceCredentials:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return IceCredentials("".join(rng.choice(alphabet) for _ in range(8)),
                          "".join(rng.choice(alphabet) for _ in range(24)))


def fingerprint(text: str) -> Fingerprint:
    return Fingerprint("sha-256", bytes.fromhex(text.replace(":", "")))
