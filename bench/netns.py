"""A private network namespace for the servers under test, joined to us by a veth pair.

Janus gathers ICE candidates on every interface except loopback (src/ice.c skips
IFF_LOOPBACK), so on 127.0.0.1 alone it offers nothing reachable. The comparison therefore puts
each server into a namespace this harness creates, with a /30 on a veth pair: the server side
is `server_host`, the generator binds `client_host`. Both targets run there, so they see the
same network path; nothing leaves the machine. Needs root (CAP_NET_ADMIN); removed on exit
(deleting the namespace deletes the veth pair).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

SUBNET_BASE = (10, 213)  # 10.213.N.0/30 per run: an address range private to this machine


@dataclass(frozen=True)
class Namespace:
    name: str
    client_host: str  # our side of the veth pair (the generator binds here)
    server_host: str  # the namespace side (servers listen here)

    def wrap(self, argv: list[str]) -> list[str]:
        """The command line that runs `argv` inside the namespace (same PID after exec)."""
        return ["ip", "netns", "exec", self.name, *argv]


def netns_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "network namespaces need root (CAP_NET_ADMIN)"
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        return "the ip command cannot manage network namespaces here"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@contextlib.contextmanager
def server_namespace(tag: int | None = None) -> Iterator[Namespace]:
    reason = netns_unavailable()
    if reason is not None:
        raise RuntimeError(reason)
    tag = os.getpid() % 250 + 1 if tag is None else tag
    name = f"vtbench{tag}"
    outer, inner = f"vtb{tag}h", f"vtb{tag}n"
    client = f"{SUBNET_BASE[0]}.{SUBNET_BASE[1]}.{tag}.1"
    server = f"{SUBNET_BASE[0]}.{SUBNET_BASE[1]}.{tag}.2"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)  # a leftover of a crash
    _ip("netns", "add", name)
    try:
        _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", name)
        _ip("addr", "add", f"{client}/30", "dev", outer)
        _ip("link", "set", outer, "up")
        _ip("netns", "exec", name, "ip", "addr", "add", f"{server}/30", "dev", inner)
        _ip("netns", "exec", name, "ip", "link", "set", inner, "up")
        _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        yield Namespace(name, client, server)
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
        subprocess.run(["ip", "link", "del", outer], capture_output=True, timeout=10)
