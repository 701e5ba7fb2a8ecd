"""This server as a target: `videotermin serve` started by the harness with a generated config.

The signalling path is one choice: `websocket` (docs/signalling.md, as browsers do; the
default) or `dev-http` (the test-only `/_dev/*` routes). Everything else — media, transports,
measurement — is the same for both and for Janus.
"""

from __future__ import annotations

import trio

from bench.engine import MediaEngine
from bench.netns import Namespace
from bench.participant import Participant
from bench.server_process import ServerProcess, running_server
from bench.targets.base import Negotiator, ProcessBacked, Room
from bench.targets.vt_dev import DevSignalling
from bench.targets.vt_ws import WebSocketSignalling
from media.certificate import DtlsCertificate

SIGNALLING = ("websocket", "dev-http")


class VideoterminTarget(ProcessBacked[ServerProcess]):
    name = "videotermin"

    def __init__(self, certificate: DtlsCertificate, namespace: Namespace | None = None,
                 cpu: int | None = 1, signalling: str = "websocket",
                 twcc_feedback: bool = True, adaptation: bool = False) -> None:
        if signalling not in SIGNALLING:
            raise ValueError(f"signalling must be one of {SIGNALLING}")
        self.certificate = certificate
        self.namespace = namespace
        self.cpu = cpu
        self.signalling_choice = signalling
        self.twcc_feedback = twcc_feedback
        self.adaptation = adaptation
        self.label = "videotermin (Python, trio)"
        self._signalling: DevSignalling | WebSocketSignalling | None = None

    @property
    def signalling(self) -> str:
        assert self._signalling is not None
        return self._signalling.description

    def __enter__(self) -> VideoterminTarget:
        namespace = self.namespace
        process = self._start(running_server(
            self.cpu, host=namespace.server_host if namespace else "127.0.0.1",
            wrap=namespace.wrap([]) if namespace else None,
            dev_signalling=self.signalling_choice == "dev-http", adaptation=self.adaptation,
        ))
        if self.signalling_choice == "dev-http":
            self._signalling = DevSignalling(process.http_url)
        else:
            self._signalling = WebSocketSignalling(process.http_url, process.ws_url,
                                                   process.outbox, process.advisor,
                                                   process.advisor_password)
        return self

    @property
    def udp_address(self) -> tuple[str, int]:
        """Where the server's media port listens (what a link emulator relays to)."""
        assert self._process is not None
        host = self.namespace.server_host if self.namespace else "127.0.0.1"
        return host, self._process.udp_port

    @property
    def http_url(self) -> str:
        assert self._process is not None
        return self._process.http_url

    async def prepare(self, rooms: list[Room]) -> None:
        assert self._signalling is not None
        await self._signalling.prepare(rooms)

    async def connect(self, participant: Participant, room: Room, engine: MediaEngine,
                      *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
                      ) -> None:
        assert self._signalling is not None
        negotiator = Negotiator(participant, engine, self.certificate, self.twcc_feedback,
                                client_host=self.namespace.client_host if self.namespace
                                else "127.0.0.1")
        task_status.started()
        await self._signalling.connect(participant, room, negotiator, engine)
