"""Answer a browser's publish offer: the SFU receives (`recvonly`) every m-line it can forward.

Renegotiation (`previous` given) keeps prior decisions: mids keep their order and kind, a
rejected m-line stays rejected, and the PTs chosen before are chosen again while offered
(RFC 8829 §5.3.2). A port-0 m-line is stopped (RFC 8829 §5.2.2) and answered rejected;
`a=inactive`/`recvonly` from the browser keep the m-line and its codecs but answer `inactive`.
"""

from __future__ import annotations

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
from signalling.sdp.capabilities import DEFAULT_CAPABILITIES, Capabilities
from signalling.sdp.codecs import read_formats, select_codecs
from signalling.sdp.extensions import accept_extensions, extension_ids, read_extmaps
from signalling.sdp.model import Attribute, MediaSection, SessionDescription
from signalling.sdp.parse import bad, parse_sdp_untrusted
from signalling.sdp.sections import rejected_section, rtp_section, session_description
from signalling.sdp.serialize import serialize_sdp
from signalling.sdp.sources import read_send_rids, read_sources
from signalling.sdp.structure import KINDS, RTP_PROTOS, bundle_group, direction_of, mids_of
from signalling.sdp.transport import (
    LocalTransport,
    remote_fingerprint,
    remote_ice,
    remote_setup,
)

_PUBLISH_EXTMAP_DIRECTIONS = (None, "sendrecv", "sendonly")


@dataclass(frozen=True, slots=True)
class _Accepted:
    """One m-line we accept, with what goes into the answer and into the NegotiatedSession."""

    section: MediaSection
    answer: MediaSection
    description: MediaDescription


def _check_stability(previous: NegotiatedSession, offer: SessionDescription,
                     mids: list[str]) -> None:
    """Accepted mids keep kind and relative order; only rejected ones may go (recycling)."""
    position = {mid: i for i, mid in enumerate(mids)}
    last = -1
    for before in previous.media:
        index = position.get(before.mid)
        if index is None:
            if before.codecs:
                raise ProtocolError(f"m-line {before.mid} disappeared",
                                    codes.RENEGOTIATION_MISMATCH)
            continue
        if offer.media[index].kind != before.kind.value or index < last:
            raise ProtocolError(f"m-line {before.mid} changed kind or order",
                                codes.RENEGOTIATION_MISMATCH)
        last = index


def _simulcast_lines(rids: list[str]) -> list[Attribute]:
    if not rids:
        return []
    lines = [Attribute("rid", f"{rid} recv") for rid in rids]  # RFC 8851 §4
    lines.append(Attribute("simulcast", "recv " + ";".join(rids)))  # RFC 8853 §5.3
    return lines


def _accept(offer: SessionDescription, section: MediaSection, mid: str, kind: MediaKind,
            local: LocalTransport, previous: MediaDescription | None,
            capabilities: Capabilities) -> _Accepted | None:
    if not section.has("rtcp-mux"):
        raise ProtocolError(f"m-line {mid} lacks a=rtcp-mux", codes.RTCP_MUX_REQUIRED)
    codecs = select_codecs(kind, read_formats(section), capabilities,
                           previous.codecs if previous is not None else ())
    if not codecs:
        return None
    browser_sends = direction_of(offer, section) in ("sendrecv", "sendonly")
    extmaps = accept_extensions(kind, read_extmaps(section), _PUBLISH_EXTMAP_DIRECTIONS)
    ids = extension_ids(extmaps)
    sources = read_sources(section)
    rids: list[str] = []
    if browser_sends and kind is MediaKind.VIDEO and ids.rid is not None and ids.mid is not None:
        accepted_pts = [c.payload_type for c in codecs]
        rids = [r.rid for r in read_send_rids(section, accepted_pts,
                                              capabilities.max_simulcast_layers)]
    direction = Direction.RECVONLY if browser_sends else Direction.INACTIVE
    answer = rtp_section(
        kind=section.kind, proto=section.proto, mid=mid, direction=direction.value,
        codecs=codecs, extmaps=extmaps, local=local, setup="passive",
        rtcp_rsize=section.has("rtcp-rsize"), extra=_simulcast_lines(rids),
    )
    description = MediaDescription(
        mid=mid, kind=kind, direction=direction, codecs=codecs, extensions=ids,
        remote_ssrcs=sources.ssrcs, remote_rtx_ssrcs=sources.rtx_pairs, rids=tuple(rids),
        stream_id=sources.stream_id, track_id=sources.track_id,
    )
    return _Accepted(section, answer, description)


def answer_publish_offer(
    offer_text: str, local: LocalTransport, previous: NegotiatedSession | None = None,
    *, capabilities: Capabilities = DEFAULT_CAPABILITIES,
) -> tuple[str, NegotiatedSession]:
    """Answer a publish-transport offer; raises ProtocolError for offers we cannot take."""
    offer = parse_sdp_untrusted(offer_text)
    if not offer.media:
        raise bad("offer has no m-lines")
    mids = mids_of(offer)
    bundle = bundle_group(offer, mids)
    if previous is not None:
        _check_stability(previous, offer, mids)
    answer_sections: list[MediaSection] = []
    descriptions: list[MediaDescription] = []
    accepted: list[_Accepted] = []
    for section, mid in zip(offer.media, mids, strict=True):
        kind = KINDS.get(section.kind)
        before = previous.by_mid(mid) if previous is not None else None
        in_bundle = mid in bundle if bundle is not None else not accepted  # no BUNDLE: one m-line
        live = section.port != 0 or (section.has("bundle-only") and in_bundle)  # RFC 8843 §6
        result = None
        if (kind is not None and section.proto in RTP_PROTOS and live and in_bundle
                and (before is None or before.codecs)):
            result = _accept(offer, section, mid, kind, local, before, capabilities)
        if result is not None:
            accepted.append(result)
            answer_sections.append(result.answer)
            descriptions.append(result.description)
            continue
        answer_sections.append(rejected_section(section, mid))
        if kind is not None:
            descriptions.append(MediaDescription(mid, kind, Direction.INACTIVE, codecs=()))
    transport_sections = [a.section for a in accepted] or list(offer.media[:1])
    setup = remote_setup(offer, transport_sections[0])
    if setup in ("passive", "holdconn"):
        raise ProtocolError("offer wants the SFU to be the DTLS client",
                            codes.DTLS_ROLE_CONFLICT)
    fingerprint = remote_fingerprint(offer, transport_sections)
    if previous is not None and previous.remote_fingerprint != fingerprint:
        raise ProtocolError("DTLS certificate changed", codes.FINGERPRINT_CHANGED)
    session = NegotiatedSession(
        local_ice=local.ice,
        remote_ice=remote_ice(offer, transport_sections[0]),
        remote_fingerprint=fingerprint,
        dtls_role=DtlsRole.SERVER,
        media=tuple(descriptions),
    )
    accepted_mids = {a.description.mid for a in accepted}
    group = [mid for mid in bundle if mid in accepted_mids] if bundle is not None else []
    text = serialize_sdp(session_description(local, local.session_version, group,
                                             answer_sections))
    return text, session
