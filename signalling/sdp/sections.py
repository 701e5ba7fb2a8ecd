"""Build the m-sections and session part of the SDPs the SFU writes (answers and offers).

Every accepted m-section carries the full transport attributes and our candidates, as
libwebrtc, mediasoup and pion do: browsers read them from the BUNDLE-tag section, and a peer
that looks at any other section still finds them.
"""

from __future__ import annotations

from collections.abc import Sequence

from media.negotiated import Codec
from signalling.sdp.attributes import Extmap
from signalling.sdp.codecs import codec_lines
from signalling.sdp.extensions import extmap_attributes
from signalling.sdp.model import Attribute, MediaSection, Origin, SessionDescription
from signalling.sdp.transport import (
    LocalTransport,
    default_address,
    local_candidate_attributes,
    local_transport_attributes,
)

_NULL_CONNECTION = ("c", "IN IP4 0.0.0.0")


def session_description(
    local: LocalTransport, version: int, bundle: Sequence[str], media: Sequence[MediaSection],
    extra: Sequence[Attribute] = (),
) -> SessionDescription:
    attributes = [Attribute("group", "BUNDLE " + " ".join(bundle))] if bundle else []
    attributes.append(Attribute("ice-lite"))  # RFC 8445 §2.5, RFC 8839 §5.3
    attributes.extend(extra)
    return SessionDescription(
        origin=Origin("-", local.session_id, version, "IN", "IP4", "0.0.0.0"),
        session_name="-",
        lines=(("t", "0 0"),),
        attributes=tuple(attributes),
        media=tuple(media),
    )


def rtp_section(
    *, kind: str, proto: str, mid: str, direction: str, codecs: Sequence[Codec],
    extmaps: Sequence[Extmap], local: LocalTransport, setup: str, rtcp_rsize: bool,
    extra: Sequence[Attribute] = (),
) -> MediaSection:
    """An accepted/offered RTP m-section with transport, mid, extensions, codecs and `extra`."""
    addrtype, address, port = default_address(local)
    formats, codec_attributes = codec_lines(codecs)
    attributes = [
        *local_transport_attributes(local, setup),
        Attribute("mid", mid),
        *extmap_attributes(extmaps),
        Attribute(direction),
        Attribute("rtcp-mux"),  # RFC 5761 §5.1.3
    ]
    if rtcp_rsize:
        attributes.append(Attribute("rtcp-rsize"))  # RFC 5506 §5
    attributes += codec_attributes
    attributes += extra
    attributes += local_candidate_attributes(local)
    return MediaSection(
        kind=kind, port=port, proto=proto, formats=tuple(formats),
        lines=(("c", f"IN {addrtype} {address}"),), attributes=tuple(attributes),
    )


def rejected_section(offered: MediaSection, mid: str | None) -> MediaSection:
    """A rejected m-line: port 0, the offer's proto and formats, its mid (RFC 8829 §5.3.1)."""
    return MediaSection(
        kind=offered.kind, port=0, proto=offered.proto, formats=offered.formats,
        lines=(_NULL_CONNECTION,),
        attributes=(Attribute("mid", mid),) if mid is not None else (),
    )
