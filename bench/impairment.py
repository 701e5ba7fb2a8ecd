"""A userspace UDP impairment relay: loss, delay, jitter and a bottleneck rate, per direction.

This kernel has no netem, so tests and the load harness put this relay between a peer and the
SFU. Each peer address gets its own upstream socket, like a NAT would, so the SFU sees distinct
peers. Everything is bounded: queues by `queue_ms` of the rate, the peer table by `max_peers`.
"""

from __future__ import annotations

import heapq
import random
import socket
from dataclasses import dataclass, field

import trio

from bench.link_profile import CLEAN, LinkProfile

Address = tuple[str, int]


@dataclass
class DirectionState:
    """Token bucket, burst state and counters for one direction."""

    profile: LinkProfile
    busy_until: float = 0.0
    in_burst: bool = False
    sent: int = 0
    dropped: int = 0
    queue_dropped: int = 0  # of those, because the bottleneck's queue was full
    loss_dropped: int = 0  # ... and by the loss model
    last_departure: float = 0.0
    jitter_offset: float = 0.0  # ms; a bounded random walk, like a radio scheduler's delay
    jitter_at: float = 0.0  # when the walk last moved

    def admit(self, size: int, now: float, rng: random.Random) -> float | None:
        """Return when the datagram leaves the link, or None when the link drops it."""
        profile = self.profile
        # Gilbert-Elliott: first move the chain, then drop with the state's loss probability.
        if self.in_burst:
            if rng.random() < profile.burst_exit:
                self.in_burst = False
        elif profile.burst_enter and rng.random() < profile.burst_enter:
            self.in_burst = True
        drop = profile.burst_drop if self.in_burst else profile.loss
        if drop and rng.random() < drop:
            self.dropped += 1
            self.loss_dropped += 1
            return None
        departure = now
        if profile.rate_kbps is not None:
            start = max(now, self.busy_until)
            if start - now > profile.queue_ms / 1000.0:
                self.dropped += 1
                self.queue_dropped += 1
                return None
            self.busy_until = start + size * 8 / (profile.rate_kbps * 1000.0)
            departure = self.busy_until
        delay = profile.delay_ms
        if profile.jitter_ms:  # delay drifts up and down in time rather than jumping per packet
            # a random walk with one step of up to a tenth of the jitter per 10 ms: its pace is
            # the radio's, whatever the packet rate (the variance of a walk grows with time)
            elapsed = min(max(now - self.jitter_at, 0.0), 1.0)
            self.jitter_at = now
            step = rng.uniform(-1.0, 1.0) * profile.jitter_ms / 10 * (elapsed / 0.01) ** 0.5
            self.jitter_offset = min(max(self.jitter_offset + step, -profile.jitter_ms),
                                     profile.jitter_ms)
            delay += self.jitter_offset
        self.sent += 1
        # Radio links deliver in order: jitter delays packets, it does not reorder them.
        arrival = max(departure + max(delay, 0.0) / 1000.0, self.last_departure)
        self.last_departure = arrival
        return arrival


@dataclass
class ImpairmentRelay:
    """Relay datagrams between peers (who send to `listen_address`) and `target`."""

    target: Address
    uplink: LinkProfile = CLEAN  # peer -> target
    downlink: LinkProfile = CLEAN  # target -> peer
    seed: int = 1
    max_peers: int = 64
    listen_address: Address = ("127.0.0.1", 0)
    _rng: random.Random = field(init=False)
    _up: DirectionState = field(init=False)
    _down: DirectionState = field(init=False)
    _front: socket.socket | None = field(init=False, default=None)
    _upstream: dict[Address, socket.socket] = field(init=False, default_factory=dict)
    _queue: list[tuple[float, int, socket.socket, bytes, Address]] = field(
        init=False, default_factory=list
    )
    _order: int = field(init=False, default=0)
    _wakeup: trio.Event = field(init=False, default_factory=trio.Event)
    _nursery: trio.Nursery | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._up = DirectionState(self.uplink)
        self._down = DirectionState(self.downlink)

    @property
    def downlink_state(self) -> DirectionState:
        """The downlink's queue, loss chain and counters; replaceable (before `run`) by a
        subclass that counts more, as `bench.link_meter` does."""
        return self._down

    @downlink_state.setter
    def downlink_state(self, state: DirectionState) -> None:
        self._down = state

    def set_profiles(self, uplink: LinkProfile, downlink: LinkProfile) -> None:
        """Change the link while running (capacity traces)."""
        self._up.profile = uplink
        self._down.profile = downlink

    @property
    def counters(self) -> dict[str, int]:
        return {
            "up_sent": self._up.sent,
            "up_dropped": self._up.dropped,
            "down_sent": self._down.sent,
            "down_dropped": self._down.dropped,
        }

    async def run(
        self, *, task_status: trio.TaskStatus[Address] = trio.TASK_STATUS_IGNORED
    ) -> None:
        front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        front.setblocking(False)
        front.bind(self.listen_address)
        self._front = front
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                nursery.start_soon(self._pump_front, front)
                nursery.start_soon(self._deliver)
                task_status.started(front.getsockname())
                await trio.sleep_forever()
        finally:
            front.close()
            for sock in self._upstream.values():
                sock.close()

    def _enqueue(self, due: float, sock: socket.socket, data: bytes, addr: Address) -> None:
        self._order += 1
        heapq.heappush(self._queue, (due, self._order, sock, data, addr))
        self._wakeup.set()

    async def _pump_front(self, front: socket.socket) -> None:
        while True:
            await trio.lowlevel.wait_readable(front)
            now = trio.current_time()
            while True:
                try:
                    data, peer = front.recvfrom(65535)
                except BlockingIOError:
                    break
                upstream = self._upstream.get(peer)
                if upstream is None:
                    if len(self._upstream) >= self.max_peers or self._nursery is None:
                        continue
                    upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    upstream.setblocking(False)
                    upstream.bind(("127.0.0.1", 0))
                    self._upstream[peer] = upstream
                    self._nursery.start_soon(self._pump_upstream, upstream, peer)
                due = self._up.admit(len(data), now, self._rng)
                if due is not None:
                    self._enqueue(due, upstream, data, self.target)

    async def _pump_upstream(self, upstream: socket.socket, peer: Address) -> None:
        try:
            while True:
                await trio.lowlevel.wait_readable(upstream)
                now = trio.current_time()
                while True:
                    try:
                        data, _ = upstream.recvfrom(65535)
                    except BlockingIOError:
                        break
                    due = self._down.admit(len(data), now, self._rng)
                    if due is not None and self._front is not None:
                        self._enqueue(due, self._front, data, peer)
        except (OSError, trio.ClosedResourceError):
            return

    async def _deliver(self) -> None:
        while True:
            if not self._queue:
                self._wakeup = trio.Event()
                await self._wakeup.wait()
                continue
            due = self._queue[0][0]
            now = trio.current_time()
            if due > now:
                self._wakeup = trio.Event()
                with trio.move_on_after(due - now):
                    await self._wakeup.wait()
                continue
            _, _, sock, data, addr = heapq.heappop(self._queue)
            try:
                sock.sendto(data, addr)
            except (BlockingIOError, OSError):
                pass
