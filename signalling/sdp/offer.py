"""The subscribe transport: the SFU offers one `sendonly` m-line per forwarded track.

The caller owns the track list: existing mids keep their place, new tracks are appended, and a
stopped track stays as an `inactive` m-line (still bundled, so the transport survives even when
every track is stopped; its mid is never reused for another track). Codecs use the canonical
payload types of `capabilities`, so media rewrites publisher PTs to one known table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from media.negotiated import (
    Direction,
    DtlsRole,
    MediaDescription,
    MediaKind,
    NegotiatedSession,
)
from signalling.errors import ProtocolError
from signalling.sdp import codes
from signalling.sdp.attributes import MAX_MID_CHARS, MAX_MSID_CHARS, MAX_SSRC, Extmap
from signalling.sdp.capabilities import (
    DEFAULT_CAPABILITIES,
    OFFER_EXTENSION_IDS,
    Capabilities,
    offer_codecs,
)
from signalling.sdp.codecs import codecs_from_answer, read_formats
from signalling.sdp.extensions import extension_ids, read_extmaps
from signalling.sdp.model import Attribute, MediaSection, SessionDescription
from signalling.sdp.parse import is_token, parse_sdp_untrusted
from signalling.sdp.sections import rtp_section, session_description
from signalling.sdp.serialize import serialize_sdp
from signalling.sdp.sources import read_sources
from signalling.sdp.structure import KINDS, RTP_PROTOS, bundle_group, direction_of, mids_of
from signalling.sdp.transport import LocalTransport, remote_fingerprint, remote_ice, remote_setup

SUBSCRIBE_PROTO = "UDP/TLS/RTP/SAVPF"  # RFC 5764 §8


@dataclass(frozen=True, slots=True)
class OutboundTrack:
    """One track the SFU sends to a subscriber; the SSRCs are the SFU's own (media rewrites)."""

    mid: str
    kind: MediaKind
    ssrc: int
    rtx_ssrc: int | None  # video only; None offers no RTX
    stream_id: str  # msid stream (RFC 8830); also the CNAME, so a publisher's tracks lip-sync
    track_id: str
    active: bool = True

    def __post_init__(self) -> None:
        if not (is_token(self.mid) and len(self.mid) <= MAX_MID_CHARS):
            raise ValueError("mid must be a token of at most 16 characters")
        if not all(is_token(i) and len(i) <= MAX_MSID_CHARS
                   for i in (self.stream_id, self.track_id)):
            raise ValueError("stream_id/track_id must be tokens of at most 64 characters")
        ssrcs = [self.ssrc] if self.rtx_ssrc is None else [self.ssrc, self.rtx_ssrc]
        if not all(1 <= s <= MAX_SSRC for s in ssrcs) or len(set(ssrcs)) != len(ssrcs):
            raise ValueError("SSRCs must be distinct 32-bit values other than 0")
        if self.rtx_ssrc is not None and self.kind is not MediaKind.VIDEO:
            raise ValueError("RTX is only offered for video")


def _track_attributes(track: OutboundTrack) -> list[Attribute]:
    if not track.active:
        return []
    msid = f"{track.stream_id} {track.track_id}"
    lines = [Attribute("msid", msid)]  # RFC 8830 §2
    ssrcs = [track.ssrc]
    if track.rtx_ssrc is not None:
        ssrcs.append(track.rtx_ssrc)
        lines.append(Attribute("ssrc-group", f"FID {track.ssrc} {track.rtx_ssrc}"))  # RFC 5576
    for ssrc in ssrcs:
        lines.append(Attribute("ssrc", f"{ssrc} cname:{track.stream_id}"))  # RFC 5576 §4.1
        lines.append(Attribute("ssrc", f"{ssrc} msid:{msid}"))  # for pre-RFC 8830 browsers
    return lines


def build_subscribe_offer(
    local: LocalTransport, tracks: Sequence[OutboundTrack], version: int,
    *, capabilities: Capabilities = DEFAULT_CAPABILITIES,
) -> str:
    """Our offer for the subscribe transport; `version` must grow with every new offer."""
    if not tracks:
        raise ValueError("a subscribe offer needs at least one track (else no transport)")
    if not 0 <= version < 2**63:
        raise ValueError("version must fit 63 bits (RFC 3264 §5)")
    if len({t.mid for t in tracks}) != len(tracks):
        raise ValueError("track mids must be unique")
    sections = []
    for track in tracks:
        extmaps = [Extmap(i, None, uri) for i, uri in OFFER_EXTENSION_IDS[track.kind]]
        sections.append(rtp_section(
            kind=track.kind.value, proto=SUBSCRIBE_PROTO, mid=track.mid,
            direction="sendonly" if track.active else "inactive",
            codecs=offer_codecs(track.kind, capabilities, track.rtx_ssrc is not None),
            extmaps=extmaps, local=local, setup="actpass", rtcp_rsize=True,
            extra=_track_attributes(track),
        ))
    description = session_description(local, version, [t.mid for t in tracks], sections,
                                      extra=[Attribute("msid-semantic", "WMS *")])
    return serialize_sdp(description)


def _mismatch(message: str) -> ProtocolError:
    return ProtocolError(message, codes.ANSWER_MISMATCH)


def _negotiated(offer: SessionDescription, ours: MediaSection, answer: SessionDescription,
                theirs: MediaSection, mid: str) -> MediaDescription:
    kind = KINDS.get(ours.kind)
    if kind is None or ours.proto not in RTP_PROTOS:
        raise _mismatch("offer m-line is not audio/video RTP")
    local = read_sources(ours)
    local_rtx = local.rtx_pairs[0][1] if local.rtx_pairs else None
    local_ssrc = local.ssrcs[0] if local.ssrcs else None
    if theirs.port == 0 and not theirs.has("bundle-only"):
        return MediaDescription(mid, kind, Direction.INACTIVE, codecs=(),
                                local_ssrc=local_ssrc, local_rtx_ssrc=local_rtx)
    if not theirs.has("rtcp-mux"):
        raise ProtocolError(f"answer m-line {mid} lacks a=rtcp-mux", codes.RTCP_MUX_REQUIRED)
    answered = direction_of(answer, theirs)
    if answered == "sendonly":
        raise _mismatch("answer wants to send on a sendonly m-line")  # RFC 3264 §6.1
    codecs = codecs_from_answer(read_formats(ours), read_formats(theirs))
    if not codecs:
        raise _mismatch(f"answer m-line {mid} accepts no codec")
    offered_uris = {e.uri for e in read_extmaps(ours)}
    extmaps = [e for e in read_extmaps(theirs)
               if e.uri in offered_uris and e.direction in (None, "sendrecv", "recvonly")]
    sends = answered != "inactive" and direction_of(offer, ours) == "sendonly"
    remote = read_sources(theirs)
    return MediaDescription(
        mid=mid, kind=kind, direction=Direction.SENDONLY if sends else Direction.INACTIVE,
        codecs=codecs, extensions=extension_ids(extmaps), remote_ssrcs=remote.ssrcs,
        remote_rtx_ssrcs=remote.rtx_pairs, local_ssrc=local_ssrc, local_rtx_ssrc=local_rtx,
    )


def accept_subscribe_answer(offer_text: str, answer_text: str,
                            local: LocalTransport) -> NegotiatedSession:
    """Check the browser's answer to our subscribe offer and say what was agreed."""
    offer = parse_sdp_untrusted(offer_text)
    answer = parse_sdp_untrusted(answer_text)
    mids = mids_of(offer)
    if len(answer.media) != len(offer.media) or mids_of(answer) != mids:
        raise _mismatch("answer m-lines do not match the offer")  # RFC 3264 §6
    media = []
    accepted: list[MediaSection] = []
    for ours, theirs, mid in zip(offer.media, answer.media, mids, strict=True):
        if ours.kind != theirs.kind:
            raise _mismatch(f"answer changed the kind of m-line {mid}")
        description = _negotiated(offer, ours, answer, theirs, mid)
        media.append(description)
        if description.codecs:
            accepted.append(theirs)
    group = bundle_group(answer, mids) or []
    if len(accepted) > 1 and not all(s.mid in group for s in accepted):
        raise ProtocolError("answer does not bundle every accepted m-line",
                            codes.BUNDLE_REQUIRED)
    transport = accepted[0] if accepted else answer.media[0] if answer.media else None
    setup = remote_setup(answer, transport)
    if setup not in (None, "active"):  # RFC 4145 §4: an absent setup means active
        raise ProtocolError(f"answer setup:{setup}; the SFU must stay DTLS server",
                            codes.DTLS_ROLE_CONFLICT)
    return NegotiatedSession(
        local_ice=local.ice,
        remote_ice=remote_ice(answer, transport),
        remote_fingerprint=remote_fingerprint(answer, accepted),
        dtls_role=DtlsRole.SERVER,
        media=tuple(media),
    )
