"""aiortc as an independent WebRTC peer (full ICE, controlling) against the SFU's dev signalling.

aiortc runs on asyncio, so each peer runs `asyncio.run` in a worker thread started from the
trio test. Synthetic media: a moving VP8 test pattern and a 440 Hz Opus tone.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import threading
from dataclasses import dataclass, field
from typing import Any

import aioice.ice
import av
import httpx
import numpy as np
import trio
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import AUDIO_PTIME, MediaStreamError

# aioice leaves loopback out of its host candidates; tests only ever use 127.0.0.1.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]  # type: ignore[assignment]

NO_ICE_SERVERS = RTCConfiguration(iceServers=[])  # never contact a public STUN server


class PatternVideoTrack(VideoStreamTrack):
    """320×240 frames whose content changes every frame (so VP8 really encodes motion)."""

    def __init__(self) -> None:
        super().__init__()
        self.frames = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = np.zeros((240, 320, 3), dtype=np.uint8)
        offset = (self.frames * 4) % 320
        image[:, offset : offset + 40, :] = 255
        image[: 20 + self.frames % 200, :, 1] = 128
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts, frame.time_base = pts, time_base
        self.frames += 1
        return frame


class ToneAudioTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._samples = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        rate = 48000
        count = int(AUDIO_PTIME * rate)
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        wait = self._start + self._samples / rate - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (np.arange(count) + self._samples) / rate
        tone = (0.3 * 32767 * np.sin(2 * math.pi * 440 * t)).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, rate)
        self._samples += count
        return frame


class Finished:
    """Thread-safe set of peers that have received enough (peers run in separate threads)."""

    def __init__(self, names: set[str]) -> None:
        self._names = names
        self._done: set[str] = set()
        self._lock = threading.Lock()

    def set(self, name: str) -> None:
        with self._lock:
            self._done.add(name)

    def all_set(self) -> bool:
        with self._lock:
            return self._done >= self._names


@dataclass
class ReceivedMedia:
    video_frames: int = 0
    audio_frames: int = 0
    video_sizes: set[tuple[int, int]] = field(default_factory=set)


def _prefer_vp8(transceiver: Any) -> None:
    codecs = RTCRtpSender.getCapabilities("video").codecs
    transceiver.setCodecPreferences([c for c in codecs if c.mimeType in ("video/VP8", "video/rtx")])


async def _consume(track: MediaStreamTrack, received: ReceivedMedia) -> None:
    try:
        while True:
            frame = await track.recv()
            if track.kind == "video":
                received.video_frames += 1
                received.video_sizes.add((frame.width, frame.height))
            else:
                received.audio_frames += 1
    except MediaStreamError:
        return


async def run_peer(
    base_url: str,
    *,
    name: str,
    subscribe_after: asyncio.Event | None = None,
    wait_frames: int = 60,
    timeout: float = 45.0,
    candidate: tuple[str, int] | None = None,
    exclude_own: bool = True,
    publish: bool = True,
    others_ready: Any = None,
    finished: Any = None,
) -> tuple[ReceivedMedia, dict[str, Any]]:
    """Publish audio+video, subscribe to everyone else's, return what was received."""
    received = ReceivedMedia()
    consumers: list[asyncio.Task[None]] = []
    publisher = RTCPeerConnection(NO_ICE_SERVERS)
    subscriber = RTCPeerConnection(NO_ICE_SERVERS)
    extra = {"candidate": list(candidate)} if candidate else {}
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            own_session = None
            if publish:
                publisher.addTrack(ToneAudioTrack())
                _prefer_vp8(publisher.addTransceiver(PatternVideoTrack(), direction="sendonly"))
                await publisher.setLocalDescription(await publisher.createOffer())
                reply = (
                    await http.post(
                        "/_dev/publish",
                        json={
                            "sdp": publisher.localDescription.sdp,
                            **extra,
                        },
                    )
                ).json()
                assert "sdp" in reply, reply
                own_session = reply["session_id"]
                await publisher.setRemoteDescription(RTCSessionDescription(reply["sdp"], "answer"))
            if others_ready is not None:
                await asyncio.wait_for(others_ready(), timeout)

            @subscriber.on("track")
            def on_track(track: MediaStreamTrack) -> None:
                consumers.append(asyncio.ensure_future(_consume(track, received)))

            exclude = [own_session] if (exclude_own and own_session is not None) else []
            offer = (
                await http.post(
                    "/_dev/subscribe",
                    json={
                        "exclude_sessions": exclude,
                        **extra,
                    },
                )
            ).json()
            await subscriber.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
            await subscriber.setLocalDescription(await subscriber.createAnswer())
            done = (
                await http.post(
                    "/_dev/subscribe/answer",
                    json={
                        "session_id": offer["session_id"],
                        "sdp": subscriber.localDescription.sdp,
                    },
                )
            ).json()
            assert done.get("ok"), done
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while loop.time() < deadline:
                if received.video_frames >= wait_frames and received.audio_frames >= 10:
                    break
                await asyncio.sleep(0.1)
            if finished is not None:  # keep publishing until every peer has what it needs
                finished.set(name)
                while loop.time() < deadline and not finished.all_set():
                    await asyncio.sleep(0.1)
            stats = (await http.get("/_dev/stats")).json()
    finally:
        for task in consumers:
            task.cancel()
        await publisher.close()
        await subscriber.close()
    return received, stats


async def count_publications(base_url: str, at_least: int, timeout: float = 20.0) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if len((await http.get("/_dev/publications")).json()) >= at_least:
                return
            await asyncio.sleep(0.1)
    raise TimeoutError("publications did not appear")


async def run_two_peers(
    base_url: str, candidates: dict[str, tuple[str, int] | None], wait_frames: int = 60
) -> dict[str, tuple[ReceivedMedia, dict[str, Any]]]:
    results: dict[str, tuple[ReceivedMedia, dict[str, Any]]] = {}
    finished = Finished({"alice", "bob"})

    async def peer(name: str) -> None:
        def run() -> tuple[ReceivedMedia, dict[str, Any]]:
            return asyncio.run(
                run_peer(
                    base_url,
                    name=name,
                    candidate=candidates.get(name),
                    others_ready=lambda: count_publications(base_url, 4),
                    finished=finished,
                )
            )

        results[name] = await trio.to_thread.run_sync(run)

    async with trio.open_nursery() as peers:
        peers.start_soon(peer, "alice")
        peers.start_soon(peer, "bob")
    return results
