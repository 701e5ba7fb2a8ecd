"""The transport half of an SDP: ICE credentials, DTLS fingerprint and role, our candidates.

Both transports are one BUNDLE group over one ICE-lite + DTLS session where the SFU is always the
DTLS server: it answers `a=setup:passive` and offers `a=setup:actpass` (RFC 8842 §5.2/§5.3);
browsers answer `active` to actpass, an answer of `passive` would make us the client.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from media.negotiated import Fingerprint, IceCredentials, NegotiatedSession
from signalling.errors import ProtocolError
from signalling.sdp import codes
from signalling.sdp.attributes import ice_credentials, parse_fingerprint, parse_setup
from signalling.sdp.candidate import host_candidate
from signalling.sdp.model import Attribute, MediaSection, SessionDescription

_SHA256_COLON_HEX = re.compile(r"[0-9A-F]{2}(?::[0-9A-F]{2}){31}")
SHA256_LENGTH = 32
DISCARD_PORT = 9  # RFC 8829 §5.2.1: the port of an m-line without a default candidate


@dataclass(frozen=True, slots=True)
class LocalTransport:
    """The SFU's side of one transport: what goes into every SDP we write for it.

    `session_version` is the o= version of answers; bump it (dataclasses.replace) whenever an
    answer changes (RFC 3264 §8). Offers take their version as a parameter.
    """

    ice: IceCredentials
    fingerprint_sha256: str  # upper-case colon hex, as written in a=fingerprint
    candidates: tuple[tuple[str, int], ...]  # UDP host candidates: (ip, port)
    session_id: int = 1
    session_version: int = 1

    def __post_init__(self) -> None:
        ice_credentials(self.ice.ufrag, self.ice.pwd)  # raises on unusable local credentials
        if _SHA256_COLON_HEX.fullmatch(self.fingerprint_sha256) is None:
            raise ValueError("fingerprint_sha256 must be 32 upper-case hex bytes joined by ':'")
        for ip, port in self.candidates:
            ipaddress.ip_address(ip)
            if not 1 <= port <= 65535:
                raise ValueError(f"candidate port {port} out of range")
        if not (0 <= self.session_id < 2**63 and 0 <= self.session_version < 2**63):
            raise ValueError("session id/version must fit 63 bits (RFC 3264 §5)")


def default_address(local: LocalTransport) -> tuple[str, str, int]:
    """(addrtype, address, port) for m=/c= lines: our first candidate, else the discard port."""
    if not local.candidates:
        return "IP4", "0.0.0.0", DISCARD_PORT
    ip, port = local.candidates[0]
    return ("IP6" if ipaddress.ip_address(ip).version == 6 else "IP4"), ip, port


def local_transport_attributes(local: LocalTransport, setup: str) -> list[Attribute]:
    return [
        Attribute("ice-ufrag", local.ice.ufrag),
        Attribute("ice-pwd", local.ice.pwd),
        Attribute("fingerprint", f"sha-256 {local.fingerprint_sha256}"),
        Attribute("setup", setup),
    ]


def local_candidate_attributes(local: LocalTransport) -> list[Attribute]:
    """All our host candidates, then end-of-candidates: ICE-lite never trickles (RFC 8840 §8.2)."""
    attributes = [Attribute("candidate", host_candidate(i, ip, port).encode())
                  for i, (ip, port) in enumerate(local.candidates)]
    attributes.append(Attribute("end-of-candidates"))
    return attributes


def _media_or_session(description: SessionDescription, section: MediaSection | None,
                      name: str) -> str | None:
    value = section.value(name) if section is not None else None
    return value if value is not None else description.value(name)


def remote_ice(description: SessionDescription, section: MediaSection | None) -> IceCredentials:
    """ICE credentials of the transport, media level first (RFC 8839 §5.4).

    The peer must be a full ICE agent: as ICE-lite ourselves we never send checks, so a lite
    peer (RFC 8839 §5.3 a=ice-lite) could never connect to us.
    """
    if description.has("ice-lite"):
        raise ProtocolError("the peer is ICE-lite too", codes.ICE_LITE_PEER)
    ufrag = _media_or_session(description, section, "ice-ufrag")
    pwd = _media_or_session(description, section, "ice-pwd")
    if ufrag is None or pwd is None:
        raise ProtocolError("ICE ufrag/pwd missing", codes.ICE_CREDENTIALS_REQUIRED)
    return ice_credentials(ufrag, pwd)


def remote_fingerprint(description: SessionDescription,
                       sections: Sequence[MediaSection]) -> Fingerprint:
    """The sha-256 certificate fingerprint; every bundled m-line must agree (RFC 8122 §5)."""
    found: set[Fingerprint] = set()
    for holder in (description, *sections):
        values = [parse_fingerprint(v) for v in holder.values("fingerprint")]
        found.update(f for f in values if f.algorithm == "sha-256")
    if not found:
        raise ProtocolError("a=fingerprint:sha-256 missing", codes.FINGERPRINT_REQUIRED)
    if len(found) > 1:
        raise ProtocolError("conflicting sha-256 fingerprints", codes.FINGERPRINT_REQUIRED)
    fingerprint = found.pop()
    if len(fingerprint.value) != SHA256_LENGTH:
        raise ProtocolError("sha-256 fingerprint is not 32 bytes", codes.FINGERPRINT_REQUIRED)
    return fingerprint


def remote_setup(description: SessionDescription, section: MediaSection | None) -> str | None:
    value = _media_or_session(description, section, "setup")
    return parse_setup(value) if value is not None else None


def is_ice_restart(previous: NegotiatedSession, new: NegotiatedSession) -> bool:
    """True when the browser changed its ICE credentials (RFC 8445 §9, RFC 8839 §4.4.1.1.1)."""
    return previous.remote_ice != new.remote_ice
