"""What a browser says about the streams it sends on an m-line: SSRCs, RTX pairs, msid, rids."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from signalling.errors import ProtocolError
from signalling.sdp import codes
from signalling.sdp.attributes import (
    Rid,
    parse_msid,
    parse_rid,
    parse_simulcast,
    parse_ssrc,
    parse_ssrc_group,
)
from signalling.sdp.model import MediaSection

MAX_SSRCS_PER_SECTION = 32  # 3 simulcast layers + RTX is 6; anything far beyond is abuse
# RFC 8852 §3.1: an RtpStreamId on the wire is alphanumeric; rids media could not match are dropped
_WIRE_RID = re.compile(r"[A-Za-z0-9]{1,16}")
_REPAIR_GROUPS = frozenset({"FID", "FEC-FR", "FEC"})  # secondaries are not media streams


@dataclass(frozen=True, slots=True)
class Sources:
    ssrcs: tuple[int, ...]  # media SSRCs in first-seen order
    rtx_pairs: tuple[tuple[int, int], ...]  # a=ssrc-group:FID media rtx (RFC 5576 §4.2)
    stream_id: str | None
    track_id: str | None


def read_sources(section: MediaSection) -> Sources:
    seen: dict[int, None] = {}
    ssrc_msid: str | None = None
    for value in section.values("ssrc"):
        ssrc, attribute = parse_ssrc(value)
        seen[ssrc] = None
        if attribute.startswith("msid:") and ssrc_msid is None:
            ssrc_msid = attribute[5:]
        if len(seen) > MAX_SSRCS_PER_SECTION:
            raise ProtocolError("too many SSRCs on one m-line", codes.SDP_TOO_LARGE)
    repairs: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for value in section.values("ssrc-group"):
        semantics, ssrcs = parse_ssrc_group(value)
        if semantics in _REPAIR_GROUPS:
            repairs.update(ssrcs[1:])
        if semantics == "FID" and len(ssrcs) == 2 and len(pairs) < MAX_SSRCS_PER_SECTION:
            pairs.append((ssrcs[0], ssrcs[1]))
    # RFC 8830 §2: media-level a=msid; the legacy a=ssrc:N msid: form as a fallback
    msid = section.value("msid")
    stream, track = parse_msid(msid if msid is not None else ssrc_msid or "-")
    return Sources(
        ssrcs=tuple(s for s in seen if s not in repairs),
        rtx_pairs=tuple(pairs),
        stream_id=None if stream == "-" else stream,  # "-" means no stream (RFC 8830 §2)
        track_id=track,
    )


def read_send_rids(section: MediaSection, accepted_pts: Collection[int], limit: int) -> list[Rid]:
    """The rids the browser sends (RFC 8851 'send', RFC 8853 order), at most `limit` of them.

    Alternatives collapse to the first one; rids restricted to PTs we did not accept, or not
    representable in the RTP header extension, are dropped.
    """
    rids: dict[str, Rid] = {}
    for value in section.values("rid"):
        rid = parse_rid(value)
        if rid.direction == "send" and rid.rid not in rids:
            rids[rid.rid] = rid
    simulcast_values = section.values("simulcast")
    if len(simulcast_values) > 1:
        raise ProtocolError("more than one a=simulcast", codes.BAD_SDP)
    if simulcast_values:
        order = [alternatives[0] for alternatives in parse_simulcast(simulcast_values[0]).send]
    else:
        order = list(rids)
    usable = []
    for name in order:
        declared = rids.get(name)
        if declared is None or _WIRE_RID.fullmatch(name) is None or declared in usable:
            continue
        if declared.payload_types and not set(declared.payload_types) & set(accepted_pts):
            continue
        usable.append(declared)
    return usable[:limit]
