"""Typed readers for the attribute values negotiation needs; each raises only ProtocolError.

References: rtpmap/fmtp RFC 8866 §6.6/§6.15, rtcp-fb RFC 4585 §4.2, extmap RFC 8285 §7,
ssrc/ssrc-group RFC 5576 §4, rid RFC 8851 §10, simulcast RFC 8853 §5.1, fingerprint RFC 8122 §5,
group RFC 5888 §5, msid RFC 8830 §2, setup RFC 4145 §4, ice-ufrag/pwd RFC 8839 §5.4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from media.negotiated import Fingerprint, IceCredentials
from signalling.errors import ProtocolError
from signalling.sdp import codes
from signalling.sdp.parse import bad, is_token, parse_uint

MAX_SSRC = 0xFFFFFFFF
# RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/"; ufrag 4..256 chars, pwd 22..256 chars
_ICE_UFRAG = re.compile(r"[A-Za-z0-9+/]{4,256}")
_ICE_PWD = re.compile(r"[A-Za-z0-9+/]{22,256}")
# RFC 8851 §10: rid-id = 1*(alpha-numeric / "-" / "_"); 16 bytes fit the one-byte RTP header
# extension (RFC 8285 §4.2) that carries it.
_RID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_HEX_PAIRS = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){0,63}")
MAX_MID_CHARS = 16  # the mid travels in a one-byte RTP header extension element (RFC 8285 §4.2)
MAX_MSID_CHARS = 64  # RFC 8830 §2: msid-id = 1*64token-char
_SETUP_ROLES = frozenset({"actpass", "active", "passive", "holdconn"})
_DIRECTIONS = frozenset({"sendrecv", "sendonly", "recvonly", "inactive"})


@dataclass(frozen=True, slots=True)
class RtpMap:
    payload_type: int
    encoding: str
    clock_rate: int
    channels: int | None


@dataclass(frozen=True, slots=True)
class Extmap:
    ext_id: int
    direction: str | None
    uri: str


@dataclass(frozen=True, slots=True)
class Rid:
    rid: str
    direction: str  # "send" or "recv"
    payload_types: tuple[int, ...]  # the pt= restriction, empty when absent


@dataclass(frozen=True, slots=True)
class Simulcast:
    """Each entry is one simulcast stream: its alternative rids (first preferred), '~' removed."""

    send: tuple[tuple[str, ...], ...]
    recv: tuple[tuple[str, ...], ...]


def _fields(value: str, minimum: int, what: str) -> list[str]:
    parts = value.split()
    if len(parts) < minimum:
        raise bad(f"a={what} has too few fields")
    return parts


def parse_payload_type(text: str, what: str) -> int:
    return parse_uint(text, 0, 127, what)  # RFC 3550 §5.1: PT is 7 bits


def parse_rtpmap(value: str) -> RtpMap:
    pt_text, encoding = _fields(value, 2, "rtpmap")[:2]
    parts = encoding.split("/")
    if len(parts) not in (2, 3) or not is_token(parts[0]):
        raise bad("a=rtpmap encoding is not name/rate[/channels]")
    channels = parse_uint(parts[2], 1, 255, "rtpmap channels") if len(parts) == 3 else None
    return RtpMap(
        payload_type=parse_payload_type(pt_text, "rtpmap payload type"),
        encoding=parts[0],
        clock_rate=parse_uint(parts[1], 1, 0xFFFFFFFF, "rtpmap clock rate"),
        channels=channels,
    )


def parse_fmtp(value: str) -> tuple[int, tuple[tuple[str, str], ...]]:
    """`pt k=v;k=v` → (pt, params); keys lower-cased, a bare value (RED's '111/111') has key ''."""
    pt_text, _, rest = value.strip().partition(" ")
    params: list[tuple[str, str]] = []
    for item in rest.split(";"):
        item = item.strip()
        if not item:
            continue
        key, eq, val = item.partition("=")
        params.append((key.strip().lower(), val.strip()) if eq else ("", item))
    return parse_payload_type(pt_text, "fmtp payload type"), tuple(params)


def parse_rtcp_fb(value: str) -> tuple[int | None, str]:
    """`pt type [subtype]` → (pt or None for '*', normalised 'type subtype' in lower case)."""
    parts = _fields(value, 2, "rtcp-fb")
    pt = None if parts[0] == "*" else parse_payload_type(parts[0], "rtcp-fb payload type")
    return pt, " ".join(parts[1:]).lower()


def parse_extmap(value: str) -> Extmap:
    parts = _fields(value, 2, "extmap")
    id_text, slash, direction = parts[0].partition("/")
    if slash and direction not in _DIRECTIONS:
        raise bad("a=extmap direction is invalid")
    # RFC 8285 §5: 1-14 one-byte, 1-255 two-byte; 4096-4351 are only for negotiation offers
    ext_id = parse_uint(id_text, 1, 4351, "extmap id")
    return Extmap(ext_id=ext_id, direction=direction if slash else None, uri=parts[1])


def parse_ssrc(value: str) -> tuple[int, str]:
    """`ssrc attr[:value]` → (ssrc, attribute text)."""
    ssrc_text, _, attribute = value.partition(" ")
    return parse_uint(ssrc_text, 0, MAX_SSRC, "ssrc"), attribute.strip()


def parse_ssrc_group(value: str) -> tuple[str, tuple[int, ...]]:
    parts = _fields(value, 2, "ssrc-group")
    return parts[0], tuple(parse_uint(p, 0, MAX_SSRC, "ssrc-group ssrc") for p in parts[1:])


def parse_rid(value: str) -> Rid:
    parts = _fields(value, 2, "rid")
    if _RID.fullmatch(parts[0]) is None or parts[1] not in ("send", "recv"):
        raise bad("a=rid id or direction is invalid")
    payload_types: tuple[int, ...] = ()
    if len(parts) > 2:
        for param in parts[2].split(";"):
            key, _, val = param.partition("=")
            if key == "pt":
                payload_types = tuple(parse_payload_type(p, "rid pt") for p in val.split(","))
    return Rid(rid=parts[0], direction=parts[1], payload_types=payload_types)


def _simulcast_list(text: str) -> tuple[tuple[str, ...], ...]:
    streams = []
    for alternatives in text.split(";"):
        ids = tuple(a[1:] if a.startswith("~") else a for a in alternatives.split(","))
        if not all(_RID.fullmatch(rid) for rid in ids):
            raise bad("a=simulcast rid is invalid")
        streams.append(ids)
    return tuple(streams)


def parse_simulcast(value: str) -> Simulcast:
    parts = value.split()
    if len(parts) not in (2, 4) or parts[0::2] not in (["send"], ["recv"], ["send", "recv"],
                                                          ["recv", "send"]):
        raise bad("a=simulcast is not 'send <list> [recv <list>]'")
    lists = {parts[i]: _simulcast_list(parts[i + 1]) for i in range(0, len(parts), 2)}
    return Simulcast(send=lists.get("send", ()), recv=lists.get("recv", ()))


def parse_fingerprint(value: str) -> Fingerprint:
    parts = _fields(value, 2, "fingerprint")
    if len(parts) != 2 or not is_token(parts[0]) or _HEX_PAIRS.fullmatch(parts[1]) is None:
        raise bad("a=fingerprint is not '<hash> <hex:hex:...>'")
    return Fingerprint(algorithm=parts[0].lower(), value=bytes.fromhex(parts[1].replace(":", "")))


def parse_group(value: str) -> tuple[str, tuple[str, ...]]:
    parts = _fields(value, 1, "group")
    return parts[0], tuple(parts[1:])


def parse_msid(value: str) -> tuple[str, str | None]:
    parts = _fields(value, 1, "msid")
    if len(parts) > 2 or not all(is_token(p) and len(p) <= MAX_MSID_CHARS for p in parts):
        raise bad("a=msid is not '<stream> [<track>]'")
    return parts[0], parts[1] if len(parts) == 2 else None


def parse_setup(value: str) -> str:
    role = value.strip().lower()
    if role not in _SETUP_ROLES:
        raise bad("a=setup role is invalid")
    return role


def check_mid(value: str) -> str:
    mid = value.strip()
    if not (is_token(mid) and len(mid) <= MAX_MID_CHARS):
        raise ProtocolError("a=mid is not a token of at most 16 characters", codes.BAD_SDP)
    return mid


def ice_credentials(ufrag: str, pwd: str) -> IceCredentials:
    ufrag, pwd = ufrag.strip(), pwd.strip()
    if _ICE_UFRAG.fullmatch(ufrag) is None or _ICE_PWD.fullmatch(pwd) is None:
        raise ProtocolError("ICE ufrag/pwd malformed", codes.ICE_CREDENTIALS_REQUIRED)
    return IceCredentials(ufrag=ufrag, pwd=pwd)
