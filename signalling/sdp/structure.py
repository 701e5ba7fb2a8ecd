"""Reading the structure of an offer or answer: mids, the BUNDLE group, directions."""

from __future__ import annotations

from media.negotiated import MediaKind
from signalling.errors import ProtocolError
from signalling.sdp import codes
from signalling.sdp.attributes import check_mid, parse_group
from signalling.sdp.model import MediaSection, SessionDescription
from signalling.sdp.parse import bad

RTP_PROTOS = frozenset({"UDP/TLS/RTP/SAVPF", "RTP/SAVPF"})  # RFC 5764 §8, legacy RFC 5124
KINDS = {"audio": MediaKind.AUDIO, "video": MediaKind.VIDEO}
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")  # RFC 8866 §6.7


def mids_of(description: SessionDescription) -> list[str]:
    """Every m-line's mid; unified plan requires one, unique (RFC 8843 §9.1, RFC 8829 §5.2.1)."""
    mids = []
    for section in description.media:
        value = section.value("mid")
        if value is None:
            raise ProtocolError("m-line without a=mid", codes.MID_REQUIRED)
        mids.append(check_mid(value))
    if len(set(mids)) != len(mids):
        raise ProtocolError("duplicate a=mid", codes.MID_REQUIRED)
    return mids


def bundle_group(description: SessionDescription, mids: list[str]) -> list[str] | None:
    """The mids of the one a=group:BUNDLE (RFC 8843 §7), or None when there is none."""
    groups = [g for g in (parse_group(v) for v in description.values("group"))
              if g[0] == "BUNDLE"]
    if len(groups) > 1:
        raise ProtocolError("more than one BUNDLE group", codes.BUNDLE_REQUIRED)
    if not groups:
        return None
    members = list(groups[0][1])
    if len(set(members)) != len(members) or not set(members) <= set(mids):
        raise bad("BUNDLE group names unknown or repeated mids")
    return members


def direction_of(description: SessionDescription, section: MediaSection) -> str:
    """The m-line's direction: media level, else session level, else sendrecv (RFC 8866 §6.7)."""
    for holder in (section, description):
        found = [a.name for a in holder.attributes if a.name in DIRECTIONS]
        if len(found) > 1:
            raise bad("more than one direction attribute")
        if found:
            return found[0]
    return "sendrecv"
