"""ICE candidates in SDP form (RFC 8839 §5.1): parse the browser's trickled ones, encode ours.

The SFU is ICE-lite (RFC 8445 §2.5): it never checks the browser's candidates, it only answers
checks. Trickled candidates are therefore just validated, so malformed input is rejected early.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from signalling.sdp.parse import bad, is_token, parse_uint

MAX_CANDIDATE_CHARS = 1024
_FOUNDATION = re.compile(r"[A-Za-z0-9+/]{1,32}")  # RFC 8839 §5.1: 1*32ice-char
# connection-address: an IP address or an FQDN (browsers hide host IPs behind mDNS names)
_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?")
_CANDIDATE_TYPES = frozenset({"host", "srflx", "prflx", "relay"})
# RFC 8445 §5.1.2.2: recommended type preference for host candidates
_HOST_TYPE_PREFERENCE = 126
_MAX_EXTENSIONS = 32


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ICE candidate; `encode()` gives the attribute value after 'candidate:'."""

    foundation: str
    component: int
    transport: str  # lower case: "udp" or "tcp"
    priority: int
    address: str
    port: int
    type: str  # host / srflx / prflx / relay
    related_address: str | None = None
    related_port: int | None = None
    extensions: tuple[tuple[str, str], ...] = ()  # e.g. ("generation", "0"), ("tcptype", ...)

    def encode(self) -> str:
        out = [self.foundation, str(self.component), self.transport, str(self.priority),
               self.address, str(self.port), "typ", self.type]
        if self.related_address is not None:
            out += ["raddr", self.related_address]
        if self.related_port is not None:
            out += ["rport", str(self.related_port)]
        for key, value in self.extensions:
            out += [key, value]
        return " ".join(out)


def host_candidate(index: int, address: str, port: int) -> Candidate:
    """Our UDP host candidate number `index` (earlier ones preferred), RFC 8445 §5.1.2.1."""
    local_preference = 65535 - index
    priority = (_HOST_TYPE_PREFERENCE << 24) | (local_preference << 8) | (256 - 1)
    return Candidate(
        foundation=str(index + 1), component=1, transport="udp", priority=priority,
        address=address, port=port, type="host",
    )


def _address(text: str) -> str:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        if len(text) > 253 or _HOSTNAME.fullmatch(text) is None:
            raise bad("candidate address is neither an IP address nor a host name") from None
    return text


def parse_candidate_untrusted(line: str) -> Candidate:
    """Parse 'candidate:...' (with or without 'a=') as trickled by a browser."""
    if not isinstance(line, str) or len(line) > MAX_CANDIDATE_CHARS:
        raise bad("candidate missing or too long")
    text = line.strip()
    if text.startswith("a="):
        text = text[2:]
    if not text.startswith("candidate:"):
        raise bad("not a candidate line")
    parts = text[len("candidate:"):].split()
    if len(parts) < 8 or parts[6] != "typ":
        raise bad("candidate needs foundation, component, transport, priority, address, port, typ")
    foundation, component, transport, priority, address, port = parts[:6]
    if _FOUNDATION.fullmatch(foundation) is None or not is_token(transport):
        raise bad("candidate foundation or transport is malformed")
    candidate_type = parts[7].lower()
    if candidate_type not in _CANDIDATE_TYPES:
        raise bad("unknown candidate type")
    rest = parts[8:]
    if len(rest) % 2 or len(rest) > 2 * _MAX_EXTENSIONS:
        raise bad("candidate extensions must be name/value pairs")
    related_address: str | None = None
    related_port: int | None = None
    extensions: list[tuple[str, str]] = []
    for key, value in zip(rest[0::2], rest[1::2], strict=True):
        if key == "raddr":
            related_address = _address(value)
        elif key == "rport":
            related_port = parse_uint(value, 0, 65535, "candidate rport")
        elif is_token(key) and is_token(value):
            extensions.append((key, value))
        else:
            raise bad("candidate extension is malformed")
    return Candidate(
        foundation=foundation,
        component=parse_uint(component, 1, 256, "candidate component"),
        transport=transport.lower(),
        priority=parse_uint(priority, 1, 0xFFFFFFFF, "candidate priority"),
        address=_address(address),
        port=parse_uint(port, 0, 65535, "candidate port"),
        type=candidate_type,
        related_address=related_address,
        related_port=related_port,
        extensions=tuple(extensions),
    )
